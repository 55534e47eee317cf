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
