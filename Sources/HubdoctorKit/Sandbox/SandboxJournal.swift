import Foundation
import Synchronization

/// The sandbox's request log: the last entries in memory for in-process readers, and every
/// entry handed to the sink as it happens.
final class SandboxJournal: Sendable {
    private let kept = Mutex<[SandboxLogEntry]>([])
    private let limit: Int
    private let sink: (@Sendable (SandboxLogEntry) -> Void)?

    init(limit: Int, sink: (@Sendable (SandboxLogEntry) -> Void)?) {
        self.limit = limit
        self.sink = sink
    }

    func record(_ entry: SandboxLogEntry) {
        kept.withLock { kept in
            kept.append(entry)
            if kept.count > limit { kept.removeFirst(kept.count - limit) }
        }
        sink?(entry)
    }

    var entries: [SandboxLogEntry] { kept.withLock { $0 } }
}
