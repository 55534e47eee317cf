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
public final class HTTPListener: Sendable {
    public typealias Handler = @Sendable (ListenerRequest) async -> ListenerResponse

    /// The address actually bound.
    public let host: String
    public let port: Int
    public let limits: ListenerLimits
    private let serverChannel: Channel
    private let registry: ListenerRegistry

    private init(host: String, port: Int, limits: ListenerLimits, serverChannel: Channel, registry: ListenerRegistry) {
        self.host = host
        self.port = port
        self.limits = limits
        self.serverChannel = serverChannel
        self.registry = registry
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
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                guard registry.admit(channel, limit: limits.maxConnections) else {
                    return channel.close()
                }
                channel.closeFuture.whenComplete { _ in registry.remove(channel) }
                return channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(IdleStateHandler(readTimeout: .nanoseconds(Int64(limits.idleTimeout * 1e9))))
                    try sync.configureHTTPServerPipeline(withServerUpgrade: webSocket.map { upgrade($0, registry: registry) },
                                                         withErrorHandling: true)
                    try sync.addHandler(ListenerConnectionHandler(limits: limits, registry: registry, handler: handler),
                                        name: ListenerConnectionHandler.name)
                }
            }
        let channel: Channel
        do {
            channel = try await bootstrap.bind(host: host, port: port).get()
        } catch {
            throw HubdoctorError(.io, "cannot listen on \(host):\(port): \(Self.reason(error))")
        }
        let bound = channel.localAddress
        return HTTPListener(host: bound?.ipAddress ?? host, port: bound?.port ?? port, limits: limits,
                            serverChannel: channel, registry: registry)
    }

    /// The WebSocket upgrade: the route decides on the head; an accepted connection loses the
    /// HTTP handlers and gets a frame handler and a session task that `stop()` can cancel.
    static func upgrade(_ route: ListenerWebSocketRoute, registry: ListenerRegistry) -> NIOHTTPServerUpgradeSendableConfiguration {
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: 1 << 16,
            automaticErrorHandling: true,
            shouldUpgrade: { channel, head in
                let request = ListenerRequest(head: head, remote: channel.remoteAddress)
                return channel.eventLoop.makeSucceededFuture(route.accepts(request) ? HTTPHeaders() : nil)
            },
            upgradePipelineHandler: { channel, head in
                let request = ListenerRequest(head: head, remote: channel.remoteAddress)
                registry.count { $0.requests += 1 }
                let (stream, continuation) = AsyncStream.makeStream(of: String.self)
                let socket = ListenerWebSocket(channel: channel, messages: stream)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ListenerFrameHandler(continuation: continuation))
                    registry.track(on: channel.eventLoop) {
                        await route.session(request, socket)
                        try? await channel.close()
                    }
                }
            })
        return (upgraders: [upgrader], completionHandler: { context in
            context.pipeline.syncOperations.removeHandler(name: ListenerConnectionHandler.name, promise: nil)
        })
    }

    /// Stops accepting, lets running handlers finish for up to `grace` seconds, then cancels
    /// them and closes every connection. Safe to call more than once.
    public func stop(grace: Double = 2) async {
        guard registry.beginDraining() else { return }
        try? await serverChannel.close()
        let deadline = Date().addingTimeInterval(grace)
        while registry.runningTasks > 0, Date() < deadline {
            try? await Task.sleep(nanoseconds: 10_000_000)
        }
        for channel in registry.abandon() {
            try? await channel.close()
        }
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
