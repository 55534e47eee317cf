import Foundation

/// The sandbox's request log: the last entries in memory for in-process readers, and every
/// entry handed to the sink as it happens.
final class SandboxJournal: @unchecked Sendable {
    private let lock = NSLock()
    private var kept: [SandboxLogEntry] = []
    private let limit: Int
    private let sink: (@Sendable (SandboxLogEntry) -> Void)?

    init(limit: Int, sink: (@Sendable (SandboxLogEntry) -> Void)?) {
        self.limit = limit
        self.sink = sink
    }

    func record(_ entry: SandboxLogEntry) {
        lock.lock()
        kept.append(entry)
        if kept.count > limit { kept.removeFirst(kept.count - limit) }
        lock.unlock()
        sink?(entry)
    }

    var entries: [SandboxLogEntry] {
        lock.lock()
        defer { lock.unlock() }
        return kept
    }
}
