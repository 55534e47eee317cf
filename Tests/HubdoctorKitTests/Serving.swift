import Foundation
@testable import HubdoctorKit

/// A server a test starts and must stop before it ends.
protocol StoppableServer: Sendable {
    func stop() async
}

extension SandboxHub: StoppableServer {}
extension HTTPListener: StoppableServer {
    func stop() async { await stop(grace: 2) }
}

/// Runs `body` with `server` and awaits the server's stop before returning or throwing: a
/// structured lifetime, so no test leaves a listener behind for the next one to compete with
/// (unlike `defer { Task { await server.stop() } }`, which stops it some time later, or never).
@discardableResult
func serving<Server: Sendable, Result>(_ server: Server, stop: (Server) async -> Void,
                                       _ body: (Server) async throws -> Result) async throws -> Result {
    let result: Result
    do {
        result = try await body(server)
    } catch {
        await stop(server)
        throw error
    }
    await stop(server)
    return result
}

@discardableResult
func serving<Server: StoppableServer, Result>(_ server: Server, _ body: (Server) async throws -> Result) async throws -> Result {
    try await serving(server, stop: { await $0.stop() }, body)
}

/// Runs blocking work (a subprocess, a sops decrypt, a wait on a file) on a thread of its own and
/// awaits it, so it never holds one of the cooperative pool's threads (one per core) that every
/// in-process server and every other test of a parallel run needs.
func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}

/// Wall-clock bounds for a machine that may be busy: `seconds` on an idle machine, stretched by
/// how far the run queue exceeds the cores (the 1-minute load average over the core count,
/// 1× to 6×). A bound still catches what it is for (a hang, a wait for a timeout that should not
/// happen, requests sent one after another) while a parallel test run on two cores does not
/// turn it into a coin toss.
enum Machine {
    static var slowdown: Double {
        var loads = [Double](repeating: 0, count: 3)
        guard getloadavg(&loads, 3) >= 1 else { return 1 }
        let cores = Double(max(1, ProcessInfo.processInfo.activeProcessorCount))
        return min(6, max(1, loads[0] / cores))
    }

    static func allow(_ seconds: Double) -> Double { seconds * slowdown }
}

extension SandboxHub {
    /// Starts a sandbox on `port`, which an earlier one in the test just gave up (a restart).
    /// In a parallel run another test's connection can hold that port for a moment as its local
    /// port; try again for a few seconds before giving up with the reason.
    static func restart(_ options: SandboxOptions, on port: Int) async throws -> SandboxHub {
        var o = options
        o.port = port
        let deadline = Date().addingTimeInterval(Machine.allow(5))
        while true {
            do {
                return try await SandboxHub.start(o)
            } catch {
                if Date() >= deadline { throw error }
                try await Task.sleep(nanoseconds: 50_000_000)
            }
        }
    }
}

/// Starts a Python fixture server (`python3 SCRIPT ARGS…`) and returns it with the first line it
/// prints (its `listening on …` announcement), read byte by byte because the server keeps the
/// pipe open. Blocking: call it off the cooperative pool.
func launchPythonFixture(_ script: String, _ arguments: [String], environment: [String: String]? = nil) throws -> (Process, String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", Repo.path(script)] + arguments
    if let environment { p.environment = environment }
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    try p.run()
    var line = Data()
    let handle = out.fileHandleForReading
    while true {
        let byte = handle.readData(ofLength: 1)
        if byte.isEmpty || byte == Data("\n".utf8) { break }
        line.append(byte)
    }
    return (p, String(decoding: line, as: UTF8.self))
}
