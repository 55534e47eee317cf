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
