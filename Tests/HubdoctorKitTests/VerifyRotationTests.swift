import Foundation
import Testing
@testable import HubdoctorKit

/// `verify-rotation` against a real sandbox Hub on loopback: the layout's files hold the new key,
/// `OLD_API_KEY` the old one.
@Suite struct VerifyRotationTests {
    static let newKey = SecretValue("hk_5Jx9Qm2Rv8Tz4Wn7Lp3Yb6Ck")   // what fixtures/layouts/healthy holds
    static let oldKey = SecretValue("hk_Old0Rotated1Away2Yesterday")

    func options(_ url: String, wait: Double = 0) -> RotationVerifier.Options {
        var o = RotationVerifier.Options()
        o.oldKeyEnv = "OLD_API_KEY"
        o.check.root = Repo.layout("healthy")
        o.check.hubURL = url
        o.check.wait = wait
        o.check.timeout = 2
        o.check.environment = ["OLD_API_KEY": Self.oldKey.text]
        return o
    }

    func causes(_ r: Report) -> Set<String> { Set(r.findings.compactMap { $0.cause?.rawValue }) }

    @Test func aServiceRestartedWithTheNewKeyPasses() async throws {
        let hub = try await SandboxHub.start(SandboxOptions(key: Self.newKey))
        try await serving(hub) { hub in
            let report = try await RotationVerifier.verify(options(hub.baseURL))
            #expect(report.exitCode == 0, "\(report.findings.map(\.message))")
            #expect(report.findings.map(\.check) == [CheckID.rotationNewKey, CheckID.rotationOldKey, CheckID.rotationConsistent])
            // One request with each key: no needless failed attempts.
            #expect(hub.entries.filter { $0.auth == .bearerOther }.count == 1)
            #expect(hub.entries.filter { $0.auth == .bearerKey }.count == 1)
        }
    }

    @Test func aServiceLeftOnTheOldKeyIsKeyRejected() async throws {
        let hub = try await SandboxHub.start(SandboxOptions(key: Self.oldKey))
        try await serving(hub) { hub in
            let report = try await RotationVerifier.verify(options(hub.baseURL))
            #expect(report.exitCode == 1)
            let f = try #require(report.findings.first { $0.check == CheckID.rotationNewKey })
            #expect(f.cause == .keyRejected)
            #expect(f.message.contains("still accepts the old key"))
        }
    }

    @Test func aServiceThatAcceptsBothKeysIsOldKeyAccepted() async throws {
        var o = SandboxOptions(key: Self.newKey)
        o.oldKey = Self.oldKey
        let hub = try await SandboxHub.start(o)
        try await serving(hub) { hub in
            let report = try await RotationVerifier.verify(options(hub.baseURL))
            #expect(causes(report) == ["old-key-accepted"])
        }
    }

    @Test func waitingPollsUntilTheRestartedServiceComesUp() async throws {
        // The port is reserved by a first sandbox that holds the old key; after a moment it is
        // replaced by one with the new key, as a restart would.
        let before = try await SandboxHub.start(SandboxOptions(key: Self.oldKey))
        let port = before.port
        let restarted = Task {
            try await Task.sleep(nanoseconds: 1_500_000_000)
            await before.stop()
            return try await SandboxHub.restart(SandboxOptions(key: Self.newKey), on: port)
        }
        let report = try await RotationVerifier.verify(options("http://127.0.0.1:\(port)", wait: 20))
        let restart = await restarted.result
        await (try? restart.get())?.stop()
        if case .failure(let error) = restart { Issue.record("the restarted sandbox did not start: \(error)") }
        #expect(report.exitCode == 0, "\(report.findings.map(\.message))")
        let consistent = try #require(report.findings.first { $0.check == CheckID.rotationConsistent })
        #expect(consistent.message.hasPrefix("Consistent after "))
    }

    @Test func aThrottledServiceStopsTheVerificationAtOnce() async throws {
        var o = SandboxOptions(key: Self.newKey)
        o.faults = [.throttled]
        let hub = try await SandboxHub.start(o)
        try await serving(hub) { hub in
            let started = Date()
            let report = try await RotationVerifier.verify(options(hub.baseURL, wait: 30))
            #expect(causes(report).contains("throttled"))
            #expect(Date().timeIntervalSince(started) < Machine.allow(15), "it must not keep polling into a lockout")
            #expect(hub.entries.count == 1)
        }
    }

    @Test func theBinaryNeedsTheOldKeyInTheEnvironmentAndNeverPrintsEitherKey() async throws {
        let missing = try await Binary.running(["verify-rotation", "--root", Repo.layout("healthy"), "--old-key-env", "NO_SUCH_VAR_X"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("NO_SUCH_VAR_X"))
        let unreachable = try await Binary.running(["verify-rotation", "--root", Repo.layout("healthy"), "--old-key-env", "OLD_API_KEY",
                                          "--hub-url", "http://127.0.0.1:9", "--format", "json", "--timeout", "1"],
                                         environment: ["OLD_API_KEY": Self.oldKey.text])
        #expect(unreachable.status == 1)
        #expect(unreachable.stdout.contains("\"hub-unreachable\""))
        #expect(unreachable.stdout.contains("Authorization: Bearer $API_KEY"), "the curl line names the key by its variable")
        for k in [Self.newKey.text, Self.oldKey.text] { #expect(!unreachable.all.contains(k)) }
    }
}
