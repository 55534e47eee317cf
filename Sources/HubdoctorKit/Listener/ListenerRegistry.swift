import Foundation
import NIOCore

/// The state a listener shares between its event loop and `stop()`: open connections, handler
/// tasks still running, and the counters. Guarded by a lock because both sides touch it.
final class ListenerRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var connections: [ObjectIdentifier: Channel] = [:]
    private var tasks: [Int: Task<Void, Never>] = [:]
    private var nextTask = 0
    private var counters = ListenerStats()
    private var isDraining = false

    var draining: Bool {
        lock.lock()
        defer { lock.unlock() }
        return isDraining
    }

    var stats: ListenerStats {
        lock.lock()
        defer { lock.unlock() }
        var s = counters
        s.openConnections = connections.count
        return s
    }

    /// Admits a new connection, or says no when the limit is reached or the listener is stopping.
    func admit(_ channel: Channel, limit: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard !isDraining, connections.count < limit else {
            counters.rejectedConnections += 1
            return false
        }
        connections[ObjectIdentifier(channel)] = channel
        return true
    }

    func remove(_ channel: Channel) {
        lock.lock()
        connections[ObjectIdentifier(channel)] = nil
        lock.unlock()
    }

    func count(_ update: (inout ListenerStats) -> Void) {
        lock.lock()
        update(&counters)
        lock.unlock()
    }

    /// Runs `work` as a task that `stop()` can cancel, on `loop` where the runtime allows.
    func track(on loop: EventLoop, _ work: @escaping @Sendable () async -> Void) {
        lock.lock()
        let id = nextTask
        nextTask += 1
        // `finish` waits for the lock, so the task is registered before it can remove itself.
        let body: @Sendable () async -> Void = { [weak self] in
            await work()
            self?.finish(id)
        }
        if #available(macOS 15.0, *) {
            tasks[id] = Task(executorPreference: ListenerExecutor(loop), operation: body)
        } else {
            tasks[id] = Task(operation: body)
        }
        lock.unlock()
    }

    private func finish(_ id: Int) {
        lock.lock()
        tasks[id] = nil
        lock.unlock()
    }

    var runningTasks: Int {
        lock.lock()
        defer { lock.unlock() }
        return tasks.count
    }

    /// Stops admitting connections; returns whether this call was the first.
    func beginDraining() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if isDraining { return false }
        isDraining = true
        return true
    }

    /// Cancels the handler tasks still running and returns the connections still open.
    func abandon() -> [Channel] {
        lock.lock()
        let running = Array(tasks.values)
        let open = Array(connections.values)
        lock.unlock()
        running.forEach { $0.cancel() }
        return open
    }
}
