import NIOCore

/// Runs a listener's tasks (the accept loop, and each connection's with its handler calls and
/// WebSocket session) on an event loop instead of Swift's shared cooperative pool. That pool has
/// one thread per core; when code elsewhere in the process blocks those threads (a test waiting
/// on a subprocess, a blocking read), a server whose handlers need them stops answering. The
/// event loop's threads belong to the listener.
final class ListenerExecutor: TaskExecutor, Sendable {
    let loop: EventLoop

    init(_ loop: EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
