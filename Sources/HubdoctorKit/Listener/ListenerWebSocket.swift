import Foundation
import NIOCore
import NIOHTTP1
import NIOWebSocket

/// WebSocket endpoints of an `HTTPListener`: which upgrade requests it accepts, and the session
/// that runs on each accepted connection. A refused upgrade goes to the HTTP handler as an
/// ordinary request, so it is answered (401, 404, …) exactly like any other.
public struct ListenerWebSocketRoute: Sendable {
    public typealias Session = @Sendable (ListenerRequest, ListenerWebSocket) async -> Void

    /// Decides on the upgrade request's head (its body is empty).
    public var accepts: @Sendable (ListenerRequest) -> Bool
    public var session: Session

    public init(accepts: @escaping @Sendable (ListenerRequest) -> Bool, session: @escaping Session) {
        self.accepts = accepts
        self.session = session
    }
}

/// One accepted WebSocket connection, seen from the server: the client's text frames as a
/// stream, and a way to send text and to close with a code and reason.
public final class ListenerWebSocket: Sendable {
    /// Text frames from the client, in order; ends when the client closes or the connection drops.
    public let messages: AsyncStream<String>
    private let channel: Channel
    private let outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>

    init(channel: Channel, outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>, messages: AsyncStream<String>) {
        self.channel = channel
        self.outbound = outbound
        self.messages = messages
    }

    /// Sends one text frame.
    public func send(_ text: String) async {
        try? await outbound.write(WebSocketFrame(fin: true, opcode: .text, data: channel.allocator.buffer(string: text)))
    }

    /// Sends a close frame with `code` and `reason`, then waits (at most `grace` seconds) for the
    /// client's close before the connection is closed from this side, as RFC 6455 asks.
    public func close(code: UInt16, reason: String, grace: Double = 1) async {
        var data = channel.allocator.buffer(capacity: 2 + reason.utf8.count)
        data.writeInteger(code)
        data.writeString(reason)
        try? await outbound.write(WebSocketFrame(fin: true, opcode: .connectionClose, data: data))
        let channel = self.channel
        let deadline = channel.eventLoop.scheduleTask(in: .nanoseconds(Int64(grace * 1e9))) { channel.close(promise: nil) }
        try? await channel.closeFuture.get()
        deadline.cancel()
    }

    /// Waits until the connection is gone (the client closed or dropped it).
    public func waitUntilClosed() async {
        try? await channel.closeFuture.get()
    }

    /// Reads the client's frames until it closes or the connection ends: text (reassembled from
    /// fragments) goes to `messages`, a ping is answered with a pong, and the client's close is
    /// echoed (its code only) before the connection is closed.
    static func relay(_ frames: NIOAsyncChannelInboundStream<WebSocketFrame>, to messages: AsyncStream<String>.Continuation,
                      replyingWith outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>, on channel: Channel) async {
        var fragments: [UInt8] = []
        do {
            reading: for try await frame in frames {
                switch frame.opcode {
                case .text, .continuation:
                    var payload = frame.unmaskedData
                    fragments += payload.readBytes(length: payload.readableBytes) ?? []
                    if frame.fin {
                        messages.yield(String(decoding: fragments, as: UTF8.self))
                        fragments = []
                    }
                case .connectionClose:
                    messages.finish()
                    var code = frame.unmaskedData
                    var echo = channel.allocator.buffer(capacity: 2)
                    if let c = code.readInteger(as: UInt16.self) { echo.writeInteger(c) }
                    try await outbound.write(WebSocketFrame(fin: true, opcode: .connectionClose, data: echo))
                    await ListenerConnection.finishWriting(channel)
                    break reading
                case .ping:
                    try await outbound.write(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData))
                default:
                    break
                }
            }
        } catch {
            // A protocol error (answered by WebSocketProtocolErrorHandler), a dropped connection,
            // or `stop()`: the connection ends all the same.
        }
        messages.finish()
        try? await channel.close()
    }
}

extension ListenerConnection {
    /// The WebSocket upgrade, on NIO's HTTPServerUpgradeHandler: the route decides on the head.
    /// An accepted connection loses the HTTP handlers, its guard and its switch, and becomes an
    /// async channel of frames; a refused upgrade is handed on as an ordinary request (the typed
    /// upgrade handler would drop it), so it is answered (401, 404, …) exactly like any other.
    /// Either way `decided` says what the connection became.
    func upgradeConfiguration(_ route: ListenerWebSocketRoute, decided: EventLoopPromise<ListenerUpgraded>) -> NIOHTTPServerUpgradeSendableConfiguration {
        let registry = self.registry
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: 1 << 16,
            automaticErrorHandling: true,
            shouldUpgrade: { channel, head in
                let request = ListenerRequest(head: head, remote: channel.remoteAddress)
                return channel.eventLoop.makeSucceededFuture(route.accepts(request) ? HTTPHeaders() : nil)
            },
            upgradePipelineHandler: { channel, head in
                registry.count { $0.requests += 1 }
                do {
                    let connection = try WebSocketConnectionChannel(wrappingChannelSynchronously: channel)
                    decided.succeed(.webSocket(connection, ListenerRequest(head: head, remote: channel.remoteAddress)))
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    decided.fail(error)
                    return channel.eventLoop.makeFailedFuture(error)
                }
            })
        return (upgraders: [upgrader], completionHandler: { context in
            let sync = context.pipeline.syncOperations
            sync.removeHandler(name: ListenerHTTPSwitch.name, promise: nil)
            sync.removeHandler(name: ListenerGuard.name, promise: nil)
            sync.removeHandler(name: ListenerGuard.idleName, promise: nil)
        })
    }

    /// Runs the route's session next to the relay of the client's frames; both end once the
    /// connection does, and the session's end closes it. `stop()` waits for the session during
    /// its grace, like for a request being answered.
    func serveWebSocket(_ connection: WebSocketConnectionChannel, _ request: ListenerRequest) async {
        guard let route = webSocket else { return }
        let channel = connection.channel
        let registry = self.registry
        try? await connection.executeThenClose { inbound, outbound in
            let (messages, continuation) = AsyncStream.makeStream(of: String.self)
            let socket = ListenerWebSocket(channel: channel, outbound: outbound, messages: messages)
            await withDiscardingTaskGroup { group in
                group.addTask {
                    registry.beginAnswering()
                    await route.session(request, socket)
                    registry.endAnswering()
                    try? await channel.close()
                }
                await ListenerWebSocket.relay(inbound, to: continuation, replyingWith: outbound, on: channel)
            }
        }
    }
}

/// Where an upgradable connection's HTTP parts arrive once the upgrade handler has decided not
/// to upgrade (the first request asked for no upgrade, or the route refused it): turns the
/// connection into an HTTP async channel for its task, hands the part on to it, and leaves.
final class ListenerHTTPSwitch: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    static let name = "hubdoctor.listener.switch"

    private let decided: EventLoopPromise<ListenerUpgraded>

    init(decided: EventLoopPromise<ListenerUpgraded>) {
        self.decided = decided
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        do {
            decided.succeed(.http(try HTTPConnectionChannel(wrappingChannelSynchronously: context.channel)))
        } catch {
            decided.fail(error)
            context.close(promise: nil)
            return
        }
        context.fireChannelRead(data)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}

extension ListenerRequest {
    /// The request as an upgrade handler sees it: the head only.
    init(head: HTTPRequestHead, remote: SocketAddress?) {
        self.init(method: head.method.rawValue, target: head.uri, version: "HTTP/\(head.version.major).\(head.version.minor)",
                  headers: head.headers.map { ListenerHeader($0.name, $0.value) },
                  remote: remote.map(ListenerConnection.describe))
    }
}
