import Foundation
import Testing

/// `fixtures/websocket/hub_ws_server.py`: seed 001's WebSocket auth on Python's `websockets`
/// library, a server that no hubdoctor code runs in. Its keys go in through its environment.
final class PythonWebSocketServer: Sendable {
    let process: Process
    let port: Int

    var base: String { "ws://127.0.0.1:\(port)" }
    var httpBase: String { "http://127.0.0.1:\(port)" }

    private init(process: Process, port: Int) {
        self.process = process
        self.port = port
    }

    /// Starts the server and waits for its `listening on PORT` line.
    /// `tls`: a PEM certificate and key; the server then speaks wss://.
    static func start(valid: String, revoked: String, noCapability: String, tls: (cert: String, key: String)? = nil) async throws -> PythonWebSocketServer {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try launch(valid: valid, revoked: revoked, noCapability: noCapability, tls: tls) })
            }.start()
        }
    }

    private static func launch(valid: String, revoked: String, noCapability: String, tls: (cert: String, key: String)?) throws -> PythonWebSocketServer {
        var env = ProcessInfo.processInfo.environment
        env["HUB_KEY_VALID"] = valid
        env["HUB_KEY_REVOKED"] = revoked
        env["HUB_KEY_NO_CAPABILITY"] = noCapability
        if let tls {
            env["HUB_TLS_CERT"] = tls.cert
            env["HUB_TLS_KEY"] = tls.key
        }
        let (p, text) = try launchPythonFixture("fixtures/websocket/hub_ws_server.py", ["0"], environment: env)
        guard text.hasPrefix("listening on "), let port = Int(text.dropFirst("listening on ".count)) else {
            p.terminate()
            throw ServerError(message: "the Python WebSocket server did not start (is the websockets package installed? scripts/setup installs it): \(text)")
        }
        return PythonWebSocketServer(process: p, port: port)
    }

    struct ServerError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// SIGTERM, then SIGKILL after 3 s; polled, since `waitUntilExit` spins on Linux.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(3)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        while process.isRunning { usleep(20_000) }
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}
