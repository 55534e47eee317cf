import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// A small HTTP/1.1 server: binds `host:port` (port 0 picks a free one), hands each complete
/// request to an async handler and writes the answer back. The sandbox Hub and `capture` are
/// built on it.
///
///     let listener = try await HTTPListener.start(host: "127.0.0.1", port: 0) { request in
///         .json(200, #"{"status":"ok"}"#)
///     }
///     print(listener.baseURL)   // http://127.0.0.1:53117
///     await listener.stop()
///
/// Requests on one connection are answered in order. Malformed requests are answered 400 and
/// counted, oversized ones 413/431; neither reaches the handler nor stops the listener.
///
/// Built on NIO's async channels: one serving task accepts and runs each connection as a child
/// task (`ListenerConnection`), which reads its requests with `for try await` and writes its
/// answers through the channel's outbound writer; `stop()` ends that task and awaits it.
public final class HTTPListener: Sendable {
    public typealias Handler = @Sendable (ListenerRequest) async -> ListenerResponse

    /// The address actually bound.
    public let host: String
    public let port: Int
    public let limits: ListenerLimits
    private let serverChannel: Channel
    private let registry: ListenerRegistry
    /// The one task that owns the listener: it accepts, serves every connection in a child task,
    /// and ends once the server channel is closed and every connection has ended.
    private let serving: Task<Void, Never>

    private init(host: String, port: Int, limits: ListenerLimits, serverChannel: Channel, registry: ListenerRegistry, serving: Task<Void, Never>) {
        self.host = host
        self.port = port
        self.limits = limits
        self.serverChannel = serverChannel
        self.registry = registry
        self.serving = serving
    }

    /// `http://host:port`, with an IPv6 host in brackets.
    public var baseURL: String { "http://\(hostForURL):\(port)" }

    /// `host:port`, with an IPv6 host in brackets.
    public var address: String { "\(hostForURL):\(port)" }

    private var hostForURL: String { host.contains(":") ? "[\(host)]" : host }

    public var stats: ListenerStats { registry.stats }

    /// True once `stop()` was called: a handler that waits for something can give up early.
    public var isStopping: Bool { registry.draining }

    /// Binds and starts serving. Throws `HubdoctorError(.io)` when the address cannot be bound.
    /// `webSocket`, when given, upgrades the requests it accepts to WebSocket sessions; the
    /// others (and every refused upgrade) go to `handler`.
    public static func start(host: String = "127.0.0.1", port: Int = 0, limits: ListenerLimits = ListenerLimits(),
                             webSocket: ListenerWebSocketRoute? = nil, handler: @escaping Handler) async throws -> HTTPListener {
        let registry = ListenerRegistry()
        let connections = ListenerConnection(limits: limits, registry: registry, handler: handler, webSocket: webSocket)
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
        let server: NIOAsyncChannel<ListenerAccepted, Never>
        do {
            server = try await bootstrap.bind(host: host, port: port) { channel in
                guard registry.admit(channel, limit: limits.maxConnections) else {
                    channel.close(promise: nil)
                    return channel.eventLoop.makeSucceededFuture(.rejected)
                }
                channel.closeFuture.whenComplete { _ in registry.remove(channel) }
                do {
                    return channel.eventLoop.makeSucceededFuture(try connections.configure(channel))
                } catch {
                    // A failed initializer would leave the connection open and unserved.
                    channel.close(promise: nil)
                    return channel.eventLoop.makeSucceededFuture(.rejected)
                }
            }
        } catch {
            throw HubdoctorError(.io, "cannot listen on \(host):\(port): \(Self.reason(error))")
        }
        let serving = Task(executorPreference: ListenerExecutor(server.channel.eventLoop)) {
            await Self.serve(server, connections)
        }
        let bound = server.channel.localAddress
        return HTTPListener(host: bound?.ipAddress ?? host, port: bound?.port ?? port, limits: limits,
                            serverChannel: server.channel, registry: registry, serving: serving)
    }

    /// Accepts until the server channel is closed, serving each connection in a child task that
    /// runs on the connection's event loop; returns once every connection has ended.
    private static func serve(_ server: NIOAsyncChannel<ListenerAccepted, Never>, _ connections: ListenerConnection) async {
        try? await server.executeThenClose { accepted in
            await withDiscardingTaskGroup { group in
                do {
                    for try await connection in accepted {
                        guard let channel = connection.channel else { continue }
                        group.addTask(executorPreference: ListenerExecutor(channel.eventLoop)) {
                            await connections.serve(connection)
                            // Serving closes the connection, but a close that `stop()` started first
                            // completes later: the connection has ended once its close has.
                            try? await channel.closeFuture.get()
                        }
                    }
                } catch {
                    // The accept stream failed or `stop()` cancelled it: no more connections come;
                    // the ones being served end as they do.
                }
            }
        }
    }

    /// Stops accepting, lets running handlers (and WebSocket sessions) finish for up to `grace`
    /// seconds, then cancels them, closes every connection and waits until all have ended (a
    /// handler that ignores cancellation holds it until it returns). Idle keep-alive connections
    /// do not hold it. Safe to call more than once; a second call returns at once.
    public func stop(grace: Double = 2) async {
        guard registry.beginDraining() else { return }
        try? await serverChannel.close()
        let deadline = Date().addingTimeInterval(grace)
        while registry.answeringCount > 0, Date() < deadline {
            try? await Task.sleep(nanoseconds: 10_000_000)
        }
        serving.cancel()
        for channel in registry.openChannels {
            try? await channel.close()
            try? await channel.closeFuture.get()
        }
        await serving.value
    }

    static func reason(_ error: Error) -> String {
        if let e = error as? IOError {
            switch e.errnoCode {
            case EADDRINUSE: return "the address is already in use"
            case EACCES: return "permission denied (ports below 1024 need privileges)"
            case EADDRNOTAVAIL: return "this machine has no such address"
            default: return e.description
            }
        }
        return String(describing: error)
    }
}
