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

    init(channel: Channel, messages: AsyncStream<String>) {
        self.channel = channel
        self.messages = messages
    }

    /// Sends one text frame.
    public func send(_ text: String) async {
        let frame = WebSocketFrame(fin: true, opcode: .text, data: channel.allocator.buffer(string: text))
        try? await channel.writeAndFlush(frame)
    }

    /// Sends a close frame with `code` and `reason`, then waits (at most `grace` seconds) for the
    /// client's close before the connection is closed from this side, as RFC 6455 asks.
    public func close(code: UInt16, reason: String, grace: Double = 1) async {
        var data = channel.allocator.buffer(capacity: 2 + reason.utf8.count)
        data.writeInteger(code)
        data.writeString(reason)
        try? await channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .connectionClose, data: data))
        let channel = self.channel
        channel.eventLoop.scheduleTask(in: .nanoseconds(Int64(grace * 1e9))) { channel.close(promise: nil) }
        try? await channel.closeFuture.get()
    }

    /// Waits until the connection is gone (the client closed or dropped it).
    public func waitUntilClosed() async {
        try? await channel.closeFuture.get()
    }
}

/// Feeds a connection's frames to its `ListenerWebSocket` after the upgrade.
final class ListenerFrameHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let continuation: AsyncStream<String>.Continuation
    private var fragments: [UInt8] = []
    private var closing = false

    init(continuation: AsyncStream<String>.Continuation) {
        self.continuation = continuation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .continuation:
            var payload = frame.unmaskedData
            fragments += payload.readBytes(length: payload.readableBytes) ?? []
            if frame.fin {
                continuation.yield(String(decoding: fragments, as: UTF8.self))
                fragments = []
            }
        case .connectionClose:
            continuation.finish()
            guard !closing else { return }
            closing = true
            // Echo the client's close (its code only), then end the connection.
            var code = frame.unmaskedData
            var echo = context.channel.allocator.buffer(capacity: 2)
            if let c = code.readInteger(as: UInt16.self) { echo.writeInteger(c) }
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: echo)))
                .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        case .ping:
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        continuation.finish()
        context.close(promise: nil)
    }
}

extension ListenerRequest {
    /// The request as an upgrade handler sees it: the head only.
    init(head: HTTPRequestHead, remote: SocketAddress?) {
        self.init(method: head.method.rawValue, target: head.uri, version: "HTTP/\(head.version.major).\(head.version.minor)",
                  headers: head.headers.map { ListenerHeader($0.name, $0.value) },
                  remote: remote.map(ListenerConnectionHandler.describe))
    }
}
