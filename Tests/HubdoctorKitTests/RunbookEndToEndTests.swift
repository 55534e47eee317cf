import Foundation
import Testing
@testable import HubdoctorKit

/// The runbook commands and remediation, through the built binary.
@Suite struct RunbookEndToEndTests {
    /// The binary carries its runbooks: copied alone into an empty folder and run from there, it
    /// still prints filled-in remediation (a SwiftPM resource bundle would be missing here).
    @Test func aCopiedBinaryStillPrintsRemediation() async throws {
        let dir = TemporaryLayout()
        let copy = URL(fileURLWithPath: dir.root).appendingPathComponent("hubdoctor")
        // Copied by cp, not in this process: a test running in parallel that starts a process
        // while this one holds the copy open for writing would pass that descriptor on, and the
        // copy could not be executed ("Text file busy") while that process lives.
        let cp = Process()
        cp.executableURL = URL(fileURLWithPath: "/bin/cp")
        cp.arguments = [Binary.url.path, copy.path]
        try cp.run()
        cp.waitUntilExit()
        #expect(cp.terminationStatus == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.root) == ["hubdoctor"])
        let layout = Repo.layout("drift")
        let r = try await Binary.running(["check", "--offline", "--root", layout], environment: ["HUBDOCTOR_RUNBOOKS": ""],
                               currentDirectory: dir.root, executable: copy)
        #expect(r.status == 1, "\(r.all)")
        #expect(r.stdout.contains("Fix (runbook hub-401):"), "\(r.all)")
        #expect(r.stdout.contains("write that one value as HIVECFM_HUB_API_KEY at hivecfm-core/.env:3"))
        #expect(r.stdout.contains("$ hubdoctor check --root \(layout) --mode native"))
        #expect(r.stdout.contains("Then verify:"))
        #expect(!r.stderr.contains("error"), "\(r.stderr)")
        expectNoSecrets(r.all, Repo.fixtureKeys)

        let list = try await Binary.running(["runbook", "list"], currentDirectory: dir.root, executable: copy)
        #expect(list.status == 0)
        #expect(list.stdout.contains("covering \(Cause.allCases.count) of \(Cause.allCases.count) causes"), "\(list.stdout)")
    }

    @Test func jsonCarriesRemediationWithPhases() async throws {
        let (r, json) = try await Binary.jsonRunning(["check", "--offline", "--format", "json", "--mode", "docker", "--root", Repo.layout("docker-caller-empty")])
        #expect(r.status == 1)
        let findings = try #require(json["findings"] as? [[String: Any]])
        let missing = try #require(findings.first { $0["cause"] as? String == "caller-key-missing" })
        #expect(missing["runbook"] as? String == "hub-401")
        let steps = try #require(missing["remediation"] as? [[String: Any]])
        #expect(steps.contains { ($0["run"] as? String)?.hasSuffix("docker compose up -d --force-recreate hivecfm-core") == true })
        #expect(steps.contains { $0["phase"] as? String == "verify" })
        #expect(steps.allSatisfy { $0["text"] is String })
        let passing = try #require(findings.first { $0["status"] as? String == "pass" })
        #expect((passing["remediation"] as? [Any])?.isEmpty == true)
    }

    @Test func lintPassesOnTheBuiltInRunbooksAndFailsWithPositionsOnBrokenOnes() async throws {
        let good = try await Binary.running(["runbook", "lint", Repo.path("runbooks")])
        #expect(good.status == 0, "\(good.all)")
        #expect(good.stderr.contains("no problems"))

        let bad = try await Binary.running(["runbook", "lint", Repo.path(RunbookLintTests.broken)])
        #expect(bad.status == 1)
        let lines = bad.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == RunbookLintTests.expected.count, "\(bad.stdout)")
        for line in lines {
            #expect(line.range(of: #"^/.+\.yaml:\d+:\d+: error: .+"#, options: .regularExpression) != nil, "\(line)")
        }
        #expect(bad.stdout.contains(Repo.path(RunbookLintTests.broken) + "/unknown-variable.yaml:7:20: error: unknown variable `caller.fiel`"))

        let github = try await Binary.running(["runbook", "lint", "--format", "github", Repo.path(RunbookLintTests.broken + "/unknown-cause.yaml")])
        #expect(github.status == 1)
        #expect(github.stdout.hasPrefix("::error file=\(Repo.path(RunbookLintTests.broken))/unknown-cause.yaml,line=4,col=12::unknown cause"))

        #expect(try await Binary.running(["runbook", "lint", "/nonexistent/runbooks"]).status == 2)
    }

    @Test func showPrintsARunbookReadably() async throws {
        let r = try await Binary.running(["runbook", "show", "k8s-secret-token"])
        #expect(r.status == 0)
        for part in ["k8s-secret-token: A pod's bearer token", "applies only when side.kind is secret", "caller-key-missing",
                     "Why", "Confirm", "Fix", "Verify", "Prevent", "$ kubectl rollout restart deployment/<side.name>", "mcp http 401: unauthorized"] {
            #expect(r.stdout.contains(part), "\(part) not in:\n\(r.stdout)")
        }
        let json = try await Binary.jsonRunning(["runbook", "show", "hub-401", "--format", "json"]).1
        #expect(json["schema"] as? String == "hubdoctor/runbooks@1")
        let missing = try await Binary.running(["runbook", "show", "no-such-runbook"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("hub-401"), "the error lists the ids in force")
    }

    @Test func explainSaysWhatACauseMeansAndHowToFixIt() async throws {
        let r = try await Binary.running(["explain", "stale-process-env"])
        #expect(r.status == 0)
        for part in [Cause.staleProcessEnv.meaning, "Runbook stale-process-env", "Why it happens", "How to confirm", "How to fix",
                     "How to verify", "How to prevent", "(when mode is docker)", "Also handled by k8s-secret-token"] {
            #expect(r.stdout.contains(part), "\(part) not in:\n\(r.stdout)")
        }
        let supervisor = try await Binary.running(["explain", "key-revoked"])
        #expect(supervisor.stdout.contains("WebSocket close 4001 api_key_revoked"))
        let unknown = try await Binary.running(["explain", "key-drfit"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("key-drift"))
    }

    @Test func operatorRunbooksFromTheFlagAndTheEnvironmentOverrideBuiltInOnes() async throws {
        let flag = try await Binary.running(["check", "--offline", "--root", Repo.layout("drift"), "--runbooks", Repo.path("fixtures/runbooks-operator")])
        #expect(flag.stdout.contains("$ vault-sync --service Hub --service Core"), "\(flag.stdout)")
        let env = try await Binary.running(["runbook", "list"], environment: ["HUBDOCTOR_RUNBOOKS": Repo.path("fixtures/runbooks-operator")])
        // The listing wraps long lines; compare with the wrapping undone.
        let listing = env.stdout.replacingOccurrences(of: "\n    ", with: " ")
        #expect(listing.contains("from: \(Repo.path("fixtures/runbooks-operator"))/hub-401.yaml (replaces the built-in one)"), "\(env.stdout)")
        #expect(env.stdout.contains("core-placeholder"))
    }

    @Test func aBrokenOperatorRunbookIsAWarningAndRemediationStillPrints() async throws {
        let r = try await Binary.running(["check", "--offline", "--root", Repo.layout("drift"), "--runbooks", Repo.path("fixtures/runbooks-broken")])
        #expect(r.status == 1)
        #expect(r.stdout.contains("Fix (runbook hub-401):"))
        #expect(r.stdout.contains("! Every runbook loads  [source-unreadable]"))
        #expect(r.stdout.contains("unknown-variable.yaml:7:20: error: unknown variable `caller.fiel`"))
        let list = try await Binary.running(["runbook", "list", "--runbooks", Repo.path("fixtures/runbooks-broken")])
        #expect(list.status == 0)
        #expect(list.stderr.contains("unknown-cause.yaml:4:12: error: unknown cause"))
        #expect(list.stdout.contains("same-id"))
    }
}
