import Foundation
import Testing

/// `hubdoctor logs` run as a built binary, the way on-call scripts call it.
@Suite struct LogsCommandTests {
    static func json(_ text: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func jsonReportGroupsSeedExcerptsByCauseWithCountsAndExitsOne() async throws {
        let files = ["core-hub-401.log", "hub-agent-supervisor.log", "routing-mcp.log", "team-hub.log"].map { Repo.path("fixtures/logs/\($0)") }
        let run = try await Binary.running(["logs", "--format", "json"] + files)
        #expect(run.status == 1)
        let doc = try Self.json(run.stdout)
        #expect(doc["schema"] as? String == "hubdoctor/report@1")
        let findings = try #require(doc["findings"] as? [[String: Any]])
        var counts: [String: Int] = [:]
        for f in findings {
            let check = try #require(f["check"] as? String)
            counts[check] = f["count"] as? Int
            #expect(f["status"] as? String == "fail")
            #expect(f["cause"] is String)
            #expect(f["runbook"] is String)
        }
        #expect(counts == ["logs.caller-key-missing": 5, "logs.header-shape": 2, "logs.key-drift": 5, "logs.key-not-found": 3,
                           "logs.key-revoked": 2, "logs.missing-capability": 1, "logs.no-project-or-rootless": 1,
                           "logs.forbidden-scope": 2, "logs.throttled": 2, "logs.auth-store-down": 1])
        for secret in LogAnalyzerTests.fixtureSecrets {
            #expect(!run.stdout.contains(secret) && !run.stderr.contains(secret))
        }
    }

    @Test func standardInputIsReadWithDash() async throws {
        let log = try Data(contentsOf: URL(fileURLWithPath: Repo.path("fixtures/logs/routing-mcp.log")))
        let run = try await Binary.running(["logs", "-", "--format", "json"], stdin: String(decoding: log, as: UTF8.self))
        #expect(run.status == 1)
        let findings = try #require(try Self.json(run.stdout)["findings"] as? [[String: Any]])
        #expect(findings.count == 1)
        #expect(findings.first?["cause"] as? String == "caller-key-missing")
        #expect(findings.first?["count"] as? Int == 2)
    }

    @Test func anOperatorsRunbookGivesTheGroupItsSteps() async throws {
        let dir = TemporaryLayout()
        dir.write("team-hub-auth.yaml", """
        id: team-hub-auth
        title: Team Hub answers 403 (platform team)
        causes:
          - cause: forbidden-scope
            why: Tokens of the CI user only reach the builds collection.
            fix:
              - text: Ask the platform team for a token of the deploy user
                run: open https://wiki.example.com/team-hub-tokens
        """)
        let run = try await Binary.running(["logs", Repo.path("fixtures/logs/team-hub.log"), "--runbooks", dir.root, "--format", "json"])
        #expect(run.status == 1, "\(run.stderr)")
        let findings = try #require(try Self.json(run.stdout)["findings"] as? [[String: Any]])
        let forbidden = try #require(findings.first { $0["cause"] as? String == "forbidden-scope" })
        let steps = try #require(forbidden["remediation"] as? [[String: Any]])
        #expect(steps.contains { $0["text"] as? String == "Ask the platform team for a token of the deploy user" })
    }

    @Test func aCleanLogExitsZeroAndAMissingFileExitsTwo() async throws {
        let clean = try await Binary.running(["logs", Repo.path("fixtures/logs/no-auth-failures.log")])
        #expect(clean.status == 0)
        #expect(clean.stdout.contains("No auth failure"))
        let missing = try await Binary.running(["logs", "/nonexistent/core.log"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("/nonexistent/core.log"))
        let none = try await Binary.running(["logs"])
        #expect(none.status == 2)
    }

    @Test func aKeyNamedWithKeyEnvIsRemovedFromFreeTextInEveryFormat() async throws {
        let key = "horse battery staple 7"
        let dir = TemporaryLayout()
        let log = dir.write("core.log", "2026-05-18T06:06:42Z POST http://hub:8080/v1/items 401 (Unauthorized) user pasted \(key) into the form\n")
        for format in ["text", "json", "junit", "github"] {
            let run = try await Binary.running(["logs", log, "--key-env", "PASTED_KEY", "--format", format], environment: ["PASTED_KEY": key])
            #expect(run.status == 1, "\(format): \(run.all)")
            // GitHub annotations carry the finding's message, not the sample line.
            if format != "github" { #expect(run.stdout.contains("user pasted ‹redacted› into the form"), "\(format): \(run.stdout)") }
            expectNoKeyFragments(run.all, [key])
        }
        let unset = try await Binary.running(["logs", log, "--key-env", "NOT_SET_ANYWHERE"])
        #expect(unset.status == 2)
        #expect(unset.stderr.contains("NOT_SET_ANYWHERE"))
    }
}
