import Dispatch
import Foundation
import Synchronization

/// Waiting for Ctrl-C or SIGTERM without dying of it, so a long-running command can stop its
/// listener cleanly.
enum SignalWait {
    static func untilInterrupted() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let once = Once(continuation)
            for sig in [SIGINT, SIGTERM] {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                // A signal source stops delivering once released: its handler holds it, so it
                // lives as long as the process (the handler is never replaced).
                source.setEventHandler { [source] in
                    withExtendedLifetime(source) { once.fire() }
                }
                source.resume()
            }
        }
    }

    /// Resumes the continuation on the first signal only.
    final class Once: Sendable {
        private let continuation: Mutex<CheckedContinuation<Void, Never>?>

        init(_ continuation: CheckedContinuation<Void, Never>) { self.continuation = Mutex(continuation) }

        func fire() {
            let c = continuation.withLock { c -> CheckedContinuation<Void, Never>? in
                defer { c = nil }
                return c
            }
            c?.resume()
        }
    }
}
