import Foundation
@testable import HubdoctorKit

extension HTTPListener {
    /// A listener whose handler answers `body` only after `seconds` (cancelled by `stop`).
    static func answering(after seconds: Double, with body: String = "late") async throws -> HTTPListener {
        try await start { _ in
            try? await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
            return .text(200, body)
        }
    }
}

/// Holds every request until `count` have arrived, then lets them all through: a server that
/// only answers a client that really sends them at once. Proves concurrency without a clock,
/// so a busy test run cannot make it flaky.
final class ArrivalBarrier: @unchecked Sendable {
    private let lock = NSLock()
    private var arrived = 0
    let count: Int

    init(count: Int) { self.count = count }

    /// True when all `count` requests arrived within `seconds`.
    func arriveAndWait(seconds: Double = 20) async -> Bool {
        lock.withLock { arrived += 1 }
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if lock.withLock({ arrived >= count }) { return true }
            try? await Task.sleep(nanoseconds: 5_000_000)
        }
        return false
    }
}
