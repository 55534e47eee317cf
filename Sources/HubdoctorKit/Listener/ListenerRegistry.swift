import Foundation
import NIOCore
import Synchronization

/// The state a listener shares between its event loops, its serving task and `stop()`: open
/// connections, how many requests and WebSocket sessions are being answered, and the counters.
/// Behind one mutex because all sides touch it.
final class ListenerRegistry: Sendable {
    private struct State {
        var connections: [ObjectIdentifier: Channel] = [:]
        var answering = 0
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

    /// A handler (with the writing of its answer) or a WebSocket session begins: `stop()` waits
    /// for it during its grace period. Every call is paired with `endAnswering()`.
    func beginAnswering() {
        state.withLock { $0.answering += 1 }
    }

    func endAnswering() {
        state.withLock { $0.answering -= 1 }
    }

    /// Requests and WebSocket sessions being answered right now.
    var answeringCount: Int { state.withLock { $0.answering } }

    /// Stops admitting connections; returns whether this call was the first.
    func beginDraining() -> Bool {
        state.withLock { state in
            if state.isDraining { return false }
            state.isDraining = true
            return true
        }
    }

    /// The connections still open.
    var openChannels: [Channel] { state.withLock { Array($0.connections.values) } }
}
