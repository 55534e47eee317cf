import Foundation
import Testing
@testable import HubdoctorKit

/// `hubdoctor probe URL` and `hubdoctor sandbox`, run as built binaries.
@Suite struct ProbeCommandTests {
    static let key = SecretValue("hk_Probe0Command1Key2Value3q")

    func sandbox(_ faults: Set<SandboxFault> = []) async throws -> SandboxHub {
        var options = SandboxOptions(key: Self.key)
        options.faults = faults
        return try await SandboxHub.start(options)
    }

    @Test func theKeyComesFromAnEnvironmentVariableAFileOrStdinAndNeverShowsUp() async throws {
        let hub = try await sandbox()
        try await serving(hub) { hub in
            let viaEnv = try await Binary.running(["probe", hub.baseURL, "--key-env", "HUB_KEY"], environment: ["HUB_KEY": Self.key.text])
            #expect(viaEnv.status == 0, "\(viaEnv.all)")
            #expect(viaEnv.stdout.contains("✓ The service accepts the key from $HUB_KEY"))
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("hubdoctor-key-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: file) }
            try (Self.key.text + "\n").write(to: file, atomically: true, encoding: .utf8)
            let viaFile = try await Binary.running(["probe", hub.baseURL, "--key-file", file.path, "--format", "json", "-v"])
            #expect(viaFile.status == 0)
            #expect(viaFile.statusOf("probe.key") == "pass")
            let viaStdin = try await Binary.running(["probe", hub.baseURL, "--key-stdin", "--format", "json"], stdin: Self.key.text + "\n")
            #expect(viaStdin.statusOf("probe.key") == "pass")
            for run in [viaEnv, viaFile, viaStdin] {
                #expect(!run.all.contains(Self.key.text))
            }
            #expect(hub.entries.filter { $0.auth == .bearerKey }.count == 6)
        }
    }

    @Test func aRefusedKeyExitsOneAndUsageMistakesExitTwo() async throws {
        let hub = try await sandbox()
        try await serving(hub) { hub in
            let refused = try await Binary.running(["probe", hub.baseURL, "--key-env", "K", "--format", "json"], environment: ["K": "hk_Not0The1Key2Of3This4Hub5x"])
            #expect(refused.status == 1)
            #expect(refused.cause("probe.key") == "key-rejected")
            let unset = try await Binary.running(["probe", hub.baseURL, "--key-env", "HUBDOCTOR_SURELY_UNSET"])
            #expect(unset.status == 2)
            #expect(unset.stderr.contains("HUBDOCTOR_SURELY_UNSET is not set"))
            let twoSources = try await Binary.running(["probe", hub.baseURL, "--key-env", "A", "--key-stdin"])
            #expect(twoSources.status == 2)
            let onArgv = try await Binary.running(["probe", hub.baseURL, "--key", Self.key.text])
            #expect(onArgv.status == 2)
        }
    }

    @Test func repeatedPathsAreEachProbedAndBadURLsAreFindingsNotCrashes() async throws {
        let hub = try await sandbox()
        try await serving(hub) { hub in
            let run = try await Binary.running(["probe", hub.baseURL, "--path", "/v1/webhooks", "--path", "/v1/a", "--path", "/v1/b",
                                                 "--key-env", "K", "--format", "json"], environment: ["K": Self.key.text])
            #expect(run.status == 0)
            #expect((run.finding("probe.key")?["evidence"] as? [Any])?.count == 3)
            for url in ["http://exa mple:80", "ftp://example.com", "localhost:8090"] {
                let bad = try await Binary.running(["probe", url, "--format", "json"])
                #expect(bad.status == 1, "\(url): \(bad.all)")
                #expect(bad.cause("probe.reach") == "hub-unreachable")
            }
        }
    }

    @Test func theSandboxCommandPrintsItsURLLogsShapesAndStopsOnSIGTERM() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hubdoctor-sandbox-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = dir.appendingPathComponent("sandbox.log").path
        let keyFile = dir.appendingPathComponent("key").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Binary.url.path)
        process.arguments = ["sandbox", "--listen", "127.0.0.1:0", "--write-key", keyFile, "--log", log, "--fault", "slow", "--delay-ms", "10"]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let url = await Task.detached { () -> String in
            var line = ""
            while let byte = try? out.fileHandleForReading.read(upToCount: 1), let c = byte.first, c != 10 { line.append(Character(UnicodeScalar(c))) }
            return line
        }.value
        #expect(url.hasPrefix("http://127.0.0.1:"))
        let attributes = try FileManager.default.attributesOfItem(atPath: keyFile)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let key = try String(contentsOfFile: keyFile, encoding: .utf8)
        let probe = try await Binary.running(["probe", url, "--key-file", keyFile, "--format", "json"])
        #expect(probe.status == 0, "\(probe.all)")
        process.terminate()
        await Task.detached { process.waitUntilExit() }.value
        #expect(process.terminationStatus == 0)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(stderr.contains("sandbox Hub stopped after"))
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").compactMap { SandboxLogEntry.decode(String($0)) }
        #expect(lines.count == 7)
        #expect(lines.filter { $0.auth == .rawOther }.count == 1)
        #expect(lines.filter { $0.auth == .bearerOther }.count == 1)
        #expect(!lines.contains { $0.auth != .bearerKey && $0.carriesKey })
        for text in [stderr, probe.all, try String(contentsOfFile: log, encoding: .utf8)] {
            #expect(!text.contains(key))
        }
    }

    @Test func theSandboxRefusesToListenBeyondLoopback() async throws {
        let run = try await Binary.running(["sandbox", "--listen", "0.0.0.0:0"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("loopback only"))
    }
}
