import Foundation
import NIOCore
import Synchronization

/// The state a listener shares between its event loop and `stop()`: open connections, handler
/// tasks still running, and the counters. Behind one mutex because both sides touch it.
final class ListenerRegistry: Sendable {
    private struct State {
        var connections: [ObjectIdentifier: Channel] = [:]
        var tasks: [Int: Task<Void, Never>] = [:]
        var nextTask = 0
        var counters = ListenerStats()
        var isDraining = false
    }

    private let state = Mutex(State())

    var draining: Bool { state.withLock { $0.isDraining } }

    var stats: ListenerStats {
        state.withLock { state in
            var s = state.counters
            s.openConnections = state.connections.count
            return s
        }
    }

    /// Admits a new connection, or says no when the limit is reached or the listener is stopping.
    func admit(_ channel: Channel, limit: Int) -> Bool {
        state.withLock { state in
            guard !state.isDraining, state.connections.count < limit else {
                state.counters.rejectedConnections += 1
                return false
            }
            state.connections[ObjectIdentifier(channel)] = channel
            return true
        }
    }

    func remove(_ channel: Channel) {
        state.withLock { $0.connections[ObjectIdentifier(channel)] = nil }
    }

    func count(_ update: (inout ListenerStats) -> Void) {
        state.withLock { update(&$0.counters) }
    }

    /// Runs `work` as a task that `stop()` can cancel, on `loop`'s thread.
    func track(on loop: EventLoop, _ work: @escaping @Sendable () async -> Void) {
        // The task is created while the mutex is held and `finish` takes it too, so the task is
        // registered before it can remove itself.
        state.withLock { state in
            let id = state.nextTask
            state.nextTask += 1
            state.tasks[id] = Task(executorPreference: ListenerExecutor(loop)) { [weak self] in
                await work()
                self?.finish(id)
            }
        }
    }

    private func finish(_ id: Int) {
        state.withLock { $0.tasks[id] = nil }
    }

    var runningTasks: Int { state.withLock { $0.tasks.count } }

    /// Stops admitting connections; returns whether this call was the first.
    func beginDraining() -> Bool {
        state.withLock { state in
            if state.isDraining { return false }
            state.isDraining = true
            return true
        }
    }

    /// Cancels the handler tasks still running and returns the connections still open.
    func abandon() -> [Channel] {
        let (running, open) = state.withLock { (Array($0.tasks.values), Array($0.connections.values)) }
        running.forEach { $0.cancel() }
        return open
    }
}
