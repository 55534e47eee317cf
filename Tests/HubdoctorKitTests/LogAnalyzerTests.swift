import Foundation
import Testing
@testable import HubdoctorKit

/// `hubdoctor logs` on excerpts built from the seeds' messages (fixtures/logs/).
@Suite struct LogAnalyzerTests {
    /// Key-like values written into the fixtures: none may appear in any output.
    static let fixtureSecrets = ["Hk7pQ2vR9xLm4TzW8bNc3YdF", "9fK2mQ7xVb4Lp8TzR1wN6cYh", "Qw9Zx8Vu7Ts6Rp5On4Ml3K"]

    static func analyze(_ names: String...) throws -> Report {
        try LogAnalyzer.analyze(LogsOptions(paths: names.map { Repo.path("fixtures/logs/\($0)") })).report
    }

    static func counts(_ report: Report) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: report.findings.map { ($0.check.rawValue, $0.count ?? -1) })
    }

    @Test func coreLogSeparatesMissingHeaderWrongShapeAndBare401() throws {
        let report = try Self.analyze("core-hub-401.log")
        #expect(Self.counts(report) == ["logs.caller-key-missing": 3, "logs.header-shape": 2, "logs.key-drift": 2])
        let missing = try #require(report.findings.first { $0.cause == .callerKeyMissing })
        #expect(missing.facts["first_seen"] == "2026-05-18T06:06:42.113Z")
        #expect(missing.facts["last_seen"] == "2026-05-18T06:08:00.411Z")
        #expect(missing.runbook == "hub-401")
        #expect(missing.evidence.first?.source.hasSuffix("core-hub-401.log:4") == true)
        #expect(missing.evidence.first?.detail?.contains("Missing Authorization header") == true)
        let drift = try #require(report.findings.first { $0.cause == .keyDrift })
        #expect(drift.evidence.map { $0.detail ?? "" }.allSatisfy { $0.contains("HTTP 401 with no reason logged") })
        #expect(drift.message.contains("key-rejected"))
        #expect(report.exitCode == 1)
    }

    @Test func hubAgentAndSupervisorReasonsMapToTheirCauses() throws {
        let report = try Self.analyze("hub-agent-supervisor.log")
        #expect(Self.counts(report) == ["logs.key-not-found": 3, "logs.key-revoked": 2, "logs.missing-capability": 1,
                                        "logs.no-project-or-rootless": 1])
        let notFound = try #require(report.findings.first { $0.cause == .keyNotFound })
        let signals = notFound.evidence.compactMap(\.detail)
        #expect(signals.contains { $0.hasPrefix("×2 [agent] auth fail reason=invalid_api_key") })
        #expect(signals.contains { $0.hasPrefix("×1 [supervisor] auth fail reason=not_found") })
        #expect(notFound.runbook == "supervisor-auth")
        let rootless = try #require(report.findings.first { $0.check == CheckID.logsNoProjectOrRootless })
        #expect(rootless.cause == .headerShape)
        #expect(rootless.message.contains("project_dir"))
    }

    @Test func webSocketClose4001ReasonsMapToTheirCauses() throws {
        let report = try Self.analyze("supervisor-client.log")
        #expect(Self.counts(report) == ["logs.key-not-found": 4, "logs.key-revoked": 2, "logs.missing-capability": 1,
                                        "logs.no-project-or-rootless": 1])
        let notFound = try #require(report.findings.first { $0.cause == .keyNotFound })
        #expect(notFound.evidence.contains { $0.detail?.contains("without a reason") == true })
        // Syslog stamps carry no year: ordering still puts the May 25 line first.
        #expect(notFound.facts["first_seen"] == "May 25 23:59:59")
    }

    @Test func mcpUnauthorizedFromTheIncidentIsCallerKeyMissing() throws {
        let report = try Self.analyze("routing-mcp.log")
        #expect(Self.counts(report) == ["logs.caller-key-missing": 2])
        let f = try #require(report.findings.first)
        #expect(f.facts["first_seen"] == "2026-05-18T06:06:42.611204Z")
        #expect(f.message.contains("capture"))
    }

    @Test func teamHubAnswersAreForbiddenThrottledAndStoreDown() throws {
        let report = try Self.analyze("team-hub.log")
        #expect(Self.counts(report) == ["logs.forbidden-scope": 2, "logs.key-drift": 3, "logs.throttled": 2, "logs.auth-store-down": 1])
        let throttled = try #require(report.findings.first { $0.cause == .throttled })
        #expect(throttled.facts["retry_after"] == "900")
        #expect(throttled.message.contains("900 s (15 min)"))
        let forbidden = try #require(report.findings.first { $0.cause == .forbiddenScope })
        #expect(forbidden.facts["sample"]?.contains("token=hbk_AbCd1234‹redacted›") == true)
        #expect(report.findings.first { $0.cause == .authStoreDown }?.runbook == "team-hub-auth")
    }

    @Test func curlTranscriptJoinsStatusLineHeadersAndBody() throws {
        let report = try Self.analyze("curl-transcript.txt")
        #expect(Self.counts(report) == ["logs.caller-key-missing": 1])
        #expect(report.findings.first?.facts["sample"]?.contains("HTTP/1.1 401 Unauthorized ⏎ {\"error\":\"Missing Authorization header\"}") == true)
    }

    @Test func ginAccessLogStatusIsRecognizedWithItsTime() throws {
        let report = try Self.analyze("hub-gin.log")
        #expect(Self.counts(report) == ["logs.key-drift": 2])
        #expect(report.findings.first?.facts["first_seen"] == "2026/05/18 - 06:06:42")
    }

    @Test func numbersThatAreNotStatusCodesFindNothing() throws {
        let report = try Self.analyze("no-auth-failures.log")
        #expect(report.findings.map(\.check) == [CheckID.logsScan])
        #expect(report.exitCode == 0)
    }

    @Test func groupsAcrossFilesAddUp() throws {
        let report = try Self.analyze("core-hub-401.log", "routing-mcp.log", "curl-transcript.txt")
        #expect(Self.counts(report)["logs.caller-key-missing"] == 6)
        #expect(report.findings.first?.cause == .callerKeyMissing, "the largest group comes first")
    }

    @Test func noFixtureSecretReachesTheReport() throws {
        let all = try FileManager.default.contentsOfDirectory(atPath: Repo.path("fixtures/logs")).sorted()
        let report = try LogAnalyzer.analyze(LogsOptions(paths: all.map { Repo.path("fixtures/logs/\($0)") })).report
        let rendered = JSONReporter.render(report) + TextReporter(style: TextStyle(color: false), verbose: true).render(report)
        for secret in Self.fixtureSecrets {
            #expect(!rendered.contains(secret))
            #expect(!rendered.contains(String(secret.prefix(8))), "not even a part of a key")
        }
        #expect(rendered.contains("‹redacted›"))
    }

    @Test func aBinaryFileIsRefusedWithItsName() throws {
        let dir = TemporaryLayout()
        let path = dir.write("app.log.gz", bytes: [0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x34, 0x30, 0x31, 0x0A])
        #expect {
            try LogAnalyzer.analyze(LogsOptions(paths: [path]))
        } throws: { error in
            guard let e = error as? HubdoctorError else { return false }
            return e.kind == .parse && e.description.contains("app.log.gz") && e.description.contains("zcat")
        }
    }

    @Test func aMissingFileIsAnIOError() {
        #expect(throws: HubdoctorError.self) {
            try LogAnalyzer.analyze(LogsOptions(paths: ["/nonexistent/hub.log"]))
        }
    }

    @Test func anEndlessLineIsCutAndTheNextLineStillCounts() throws {
        let dir = TemporaryLayout()
        let url = URL(fileURLWithPath: dir.path("huge.log"))
        var data = Data(repeating: UInt8(ascii: "x"), count: 3 << 20)
        data.append(contentsOf: Array("\n2026-05-18T06:06:42Z POST http://hub/v1/x 401 (Unauthorized) {\"error\":\"Missing Authorization header\"}\n".utf8))
        try data.write(to: url)
        let result = try LogAnalyzer.analyze(LogsOptions(paths: [url.path]))
        #expect(result.files.first?.lines == 2)
        #expect(result.files.first?.truncatedLines == 1)
        #expect(Self.counts(result.report) == ["logs.caller-key-missing": 1])
    }

    @Test func linesSplitAcrossReadsAreJoined() throws {
        // Enough filler that status lines straddle the 256 KiB read boundary at least once.
        let dir = TemporaryLayout()
        let url = URL(fileURLWithPath: dir.path("many.log"))
        var text = ""
        var expected = 0
        for i in 0..<20_000 {
            if i % 7 == 0 {
                text += "2026-05-18T06:06:42Z [agent] auth fail reason=revoked seq=\(i)\n"
                expected += 1
            } else {
                text += "2026-05-18T06:06:42Z GET /v1/items 200 in 3ms seq=\(i)\n"
            }
        }
        try text.write(to: url, atomically: true, encoding: .utf8)
        let result = try LogAnalyzer.analyze(LogsOptions(paths: [url.path]))
        #expect(result.files.first?.lines == 20_000)
        #expect(Self.counts(result.report) == ["logs.key-revoked": expected])
    }
}

extension LogAnalyzerTests {
    @Test func retryAfterTakesOnlyASecondsCountOrAnHTTPDate() throws {
        let dir = TemporaryLayout()
        let log = dir.write("throttle.log", """
            2026-05-18T06:06:42Z {"status":429,"retry_after":null,"authorization":"Bearer s3cr3tTokQ-9Zx","date":"Wed, 21 Oct 2026 07:28:00 GMT"}
            İİİİİİİİ GET /v1/x 429 Too Many Requests retry-after
            2026-05-18T06:06:43Z GET /v1/x 429 Too Many Requests Retry-After: 900

            """)
        let report = try LogAnalyzer.analyze(LogsOptions(paths: [log])).report
        let throttled = try #require(report.findings.first { $0.cause == .throttled })
        #expect(throttled.count == 3)
        #expect(throttled.facts["retry_after"] == "900")
        expectNoSecrets(JSONReporter.render(report), ["s3cr3tTokQ-9Zx"])
    }
}
