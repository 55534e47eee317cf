import Foundation
import Testing
@testable import HubdoctorKit

/// The built binary, run as scripts and engineers run it.
@Suite struct EndToEndTests {
    @Test func checkJSONIsOneContractDocumentWithTheRightExitCode() async throws {
        let (r, json) = try await Binary.jsonRunning(["check", "--offline", "--format", "json", "--root", Repo.layout("drift")])
        #expect(r.status == 1)
        #expect(json["schema"] as? String == "hubdoctor/report@1")
        #expect((json["tool"] as? [String: Any])?["name"] as? String == "hubdoctor")
        #expect(json["exitCode"] as? Int == 1)
        let summary = try #require(json["summary"] as? [String: Int])
        #expect(Set(summary.keys) == ["pass", "warn", "fail", "skip"])
        let findings = try #require(json["findings"] as? [[String: Any]])
        let drift = try #require(findings.first { $0["check"] as? String == "keys.match" })
        #expect(drift["status"] as? String == "fail")
        #expect(drift["cause"] as? String == "key-drift")
        let evidence = try #require(drift["evidence"] as? [[String: Any]])
        #expect(evidence.first?["source"] as? String == "hivecfm-core/.env:3")
        #expect(evidence.first?["var"] as? String == "HIVECFM_HUB_API_KEY")
        #expect(evidence.first?["present"] as? Bool == true)
        #expect((evidence.first?["fingerprint"] as? String)?.range(of: "^sha256:[0-9a-f]{12}$", options: .regularExpression) != nil)
        // pass findings carry an explicit null cause
        let pass = try #require(findings.first { $0["status"] as? String == "pass" })
        #expect(pass["cause"] is NSNull)
    }

    @Test func healthyLayoutExitsZero() async throws {
        let r = try await Binary.running(["check", "--offline", "--root", Repo.layout("healthy")])
        #expect(r.status == 0, "\(r.all)")
        #expect(r.stdout.contains("0 failed"))
    }

    @Test func textOutputTellsWhichFileAndLineToChange() async throws {
        let r = try await Binary.running(["check", "--offline", "--root", Repo.layout("drift-env-local")])
        #expect(r.status == 1)
        #expect(r.stdout.contains("✗ Core's HIVECFM_HUB_API_KEY matches Hub's API_KEY  [key-drift]"))
        #expect(r.stdout.contains("Edit hivecfm-core/.env.local:2"))
        #expect(r.stdout.contains("native mode (hivecfm-core/.env.local exists"))
        #expect(!r.stdout.contains("\u{1B}["), "no colour when NO_COLOR is set or stdout is not a terminal")
    }

    @Test func badUsageAndUnknownRootExitTwo() async throws {
        #expect(try await Binary.running(["check", "--no-such-flag"]).status == 2)
        #expect(try await Binary.running(["check", "--mode", "sideways"]).status == 2)
        let missing = try await Binary.running(["check", "--offline", "--root", "/nonexistent/layout"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("/nonexistent/layout"))
        #expect(try await Binary.running(["--version"]).stdout.contains("0.1.0"))
        // Numbers that would overflow a timer are usage errors, not traps.
        #expect(try await Binary.running(["capture", "--timeout", "inf"]).status == 2)
        #expect(try await Binary.running(["sandbox", "--delay-ms", "99999999999999"]).status == 2)
        #expect(try await Binary.running(["probe", "http://127.0.0.1:9", "--key-stdin"], stdin: String(repeating: "k", count: 70_000)).status == 2)
    }

    @Test func envJSONShowsVariablesRedactedAndRefusalsAsErrors() async throws {
        let (r, json) = try await Binary.jsonRunning(["env", "--dialect", "godotenv", "--format", "json",
                                         Repo.layout("healthy") + "/hivecfm-hub/.env", Repo.layout("hub-env-bom") + "/hivecfm-hub/.env"])
        #expect(r.status == 1, "a file its reader refuses makes the exit code 1")
        #expect(json["schema"] as? String == "hubdoctor/env@1")
        let files = try #require(json["files"] as? [[String: Any]])
        #expect(files.count == 2)
        let vars = try #require(files[0]["variables"] as? [[String: Any]])
        #expect(vars.map { $0["name"] as? String } == ["PORT", "API_KEY", "DATABASE_URL"])
        #expect(vars[1]["line"] as? Int == 3)
        #expect(vars[1]["length"] as? Int == 27)
        #expect(files[0]["error"] is NSNull)
        #expect((files[1]["error"] as? String)?.hasPrefix("line 1: ") == true)
        #expect((files[1]["variables"] as? [Any])?.isEmpty == true)
        let disagreements = try #require(files[1]["disagreements"] as? [[String: Any]])
        #expect(disagreements.contains { $0["name"] as? String == "API_KEY" })
    }

    @Test func envTextNamesTheLineWhereReadersDisagree() async throws {
        let r = try await Binary.running(["env", Repo.layout("dialect") + "/hivecfm-hub/.env", "--dialect", "godotenv"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("line 3 API_KEY: next reads 13 chars"))
        #expect(r.stdout.contains("godotenv reads 26 chars"))
    }

    @Test func envOnAMissingFileOrADirectoryNamesThePathAndReason() async throws {
        let r = try await Binary.running(["env", "/nonexistent/.env", Repo.layout("hub-env-unreadable") + "/hivecfm-hub/.env"])
        #expect(r.status == 1)
        #expect(r.stdout.contains("/nonexistent/.env: no such file"))
        #expect(r.stdout.contains("is a directory"))
    }

    @Test func hugeAndBinaryFilesAreRefusedWithAReason() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hubdoctor-big-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("hivecfm-hub"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("hivecfm-core"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(repeating: 0x41, count: 2 << 20).write(to: dir.appendingPathComponent("hivecfm-hub/.env"))
        try Data([0x7F, 0x45, 0x4C, 0x46, 0, 0, 1]).write(to: dir.appendingPathComponent("hivecfm-core/.env"))
        let (r, json) = try await Binary.jsonRunning(["check", "--offline", "--format", "json", "--root", dir.path])
        #expect(r.status == 1)
        let messages = (json["findings"] as? [[String: Any]] ?? []).filter { $0["cause"] as? String == "source-unreadable" }.compactMap { $0["message"] as? String }
        #expect(messages.contains { $0.contains("hivecfm-hub/.env: is larger than 1024 KiB") })
        // The NUL is named with its line and byte, wherever it sits in the file.
        #expect(messages.contains { $0.contains("hivecfm-core/.env:1: is a binary file (a NUL byte at byte 5)") })
    }

    /// Every command that reads fixtures, in every format, on every fixture: each run ends with a
    /// finding code (0 or 1, never a crash or a usage error) and no output contains a fixture key.
    @Test func noCommandPrintsAFixtureKey() async throws {
        #expect(Repo.fixtureKeys.count >= 10, "the key scan of fixtures/layouts found too few keys")
        let layouts = try FileManager.default.contentsOfDirectory(atPath: Repo.path("fixtures/layouts")).sorted()
        var runs: [(String, Binary.Result)] = []
        func run(_ args: [String]) async throws { runs.append((args.joined(separator: " "), try await Binary.running(args))) }
        for layout in layouts {
            // A copy, so that a dry run that wrongly wrote could not damage the fixtures.
            let copy = TemporaryLayout()
            copy.copy(fixture: "fixtures/layouts/\(layout)", to: layout)
            let root = copy.path(layout)
            for format in ["text", "json", "junit", "github"] {
                try await run(["check", "--offline", "--root", root, "--format", format, "--verbose"])
            }
            for mode in ["native", "docker"] {
                try await run(["check", "--offline", "--root", root, "--format", "json", "--mode", mode])
            }
            if FileManager.default.fileExists(atPath: root + "/hubdoctor.yaml") {
                try await run(["check", "--offline", "--config", root + "/hubdoctor.yaml", "--format", "json"])
            }
            try await run(["fix", "--root", root])
            try await run(["rotate", "--root", root])
            for side in ["hivecfm-hub", "hivecfm-core"] {
                let dir = root + "/" + side
                let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).map { dir + "/" + $0 }
                for dialect in Dialect.allCases.map(\.rawValue) where !files.isEmpty {
                    try await run(["env", "--dialect", dialect] + files)
                    try await run(["env", "--dialect", dialect, "--format", "json"] + files)
                }
            }
        }
        let logs = try FileManager.default.contentsOfDirectory(atPath: Repo.path("fixtures/logs")).map { Repo.path("fixtures/logs/" + $0) }
        try await run(["logs"] + logs)
        try await run(["logs", "--format", "json"] + logs)
        for (args, result) in runs {
            #expect([0, 1].contains(result.status), "\(args) exited \(result.status): \(result.stderr)")
            if args.contains("json"), !args.hasPrefix("env") {
                #expect(result.json != nil, "\(args) did not print one JSON document")
            }
            expectNoSecrets(result.all, Repo.fixtureKeys)
        }
    }
}
