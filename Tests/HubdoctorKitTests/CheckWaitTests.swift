import Foundation
import Testing
@testable import HubdoctorKit

/// `check --wait`: after restarts, retry what heals by itself until it passes or time is up.
@Suite struct CheckWaitTests {
    static let key = SecretValue("hk_5Jx9Qm2Rv8Tz4Wn7Lp3Yb6Ck")

    func options(_ url: String, wait: Double) -> CheckOptions {
        var o = CheckOptions()
        o.root = Repo.layout("healthy")
        o.hubURL = url
        o.wait = wait
        o.timeout = 1
        o.environment = [:]
        return o
    }

    @Test func aServiceThatComesUpWhileWaitingEndsInAPass() async throws {
        let placeholder = try await SandboxHub.start(SandboxOptions(key: Self.key))
        let port = placeholder.port
        await placeholder.stop()
        // The service comes up 1.5 s into the wait, on the port the check keeps asking.
        let late = Task {
            try await Task.sleep(nanoseconds: 1_500_000_000)
            return try await SandboxHub.restart(SandboxOptions(key: Self.key), on: port)
        }
        final class Lines: @unchecked Sendable { var all: [String] = []; let lock = NSLock() }
        let lines = Lines()
        var o = options("http://127.0.0.1:\(port)", wait: 20)
        o.progress = { line in lines.lock.lock(); lines.all.append(line); lines.lock.unlock() }
        let report = try await Doctor.check(o)
        await (try? late.value)?.stop()
        #expect(report.exitCode == 0, "\(report.findings.filter { $0.status != .pass }.map(\.message))")
        #expect(lines.all.contains { $0.contains("hub-unreachable") }, "it shows the current state while waiting")
        #expect(lines.all.last?.hasPrefix("consistent after") == true)
    }

    @Test func whatCannotHealIsNotWaitedFor() async throws {
        let hub = try await SandboxHub.start(SandboxOptions(key: Self.key))
        try await serving(hub) { hub in
            var o = options(hub.baseURL, wait: 30)
            o.root = Repo.layout("drift")
            let started = Date()
            let report = try await Doctor.check(o)
            #expect(report.exitCode == 1)
            #expect(Date().timeIntervalSince(started) < Machine.allow(10), "key drift in the files does not heal by waiting")
        }
    }

    @Test func theDeadlineEndsTheWaitWithTheLastState() async throws {
        final class Lines: @unchecked Sendable { var all: [String] = []; let lock = NSLock() }
        let lines = Lines()
        // Long enough that a first round slowed by a busy machine still leaves time to wait.
        let wait = Machine.allow(5)
        var o = options("http://127.0.0.1:9", wait: wait)
        o.progress = { line in lines.lock.lock(); lines.all.append(line); lines.lock.unlock() }
        let started = Date()
        let report = try await Doctor.check(o)
        #expect(report.findings.contains { $0.cause == .hubUnreachable })
        // It did wait (a closed port answers at once), and it stopped at the deadline.
        #expect(Date().timeIntervalSince(started) >= wait - 0.5)
        #expect(lines.all.contains { $0.hasPrefix("waiting (") })
        #expect(lines.all.last?.hasPrefix("still failing after") == true)
    }
}

extension CheckWaitTests {
    @Test func waitingOnARefusedKeyStopsBeforeTheServiceLocksItOut() async throws {
        let hub = try await SandboxHub.start(SandboxOptions(key: SecretValue("hk_Restarted0Never1Reloaded2x")))
        try await serving(hub) { hub in
            // A generous per-request timeout: a refusal that arrives late must count as a refusal,
            // not as an unreachable service that earns another round.
            var o = options(hub.baseURL, wait: 120)
            o.timeout = 10
            let report = try await Doctor.check(o)
            #expect(report.findings.contains { $0.cause == .keyRejected })
            // Each round sends the real key once per protected path (two in the built-in profile).
            let realKeyRequests = hub.entries.filter { $0.credentialFingerprint == Self.key.fingerprint }.count
            #expect(realKeyRequests > 0)
            #expect(realKeyRequests <= Doctor.maxKeyRefusalsWhileWaiting * 2, "at most \(Doctor.maxKeyRefusalsWhileWaiting) rounds, not two minutes of retries")
        }
    }
}
