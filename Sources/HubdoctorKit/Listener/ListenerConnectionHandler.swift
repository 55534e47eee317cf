import Foundation
import NIOCore
import NIOHTTP1
import NIOWebSocket

/// One connection's request assembly and answering. Runs on the connection's event loop; the
/// user's handler runs as a task elsewhere and its answer hops back here to be written.
final class ListenerConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    /// Its name in the pipeline, by which a WebSocket upgrade removes it.
    static let name = "hubdoctor.listener.http"

    private let limits: ListenerLimits
    private let registry: ListenerRegistry
    private let handler: HTTPListener.Handler
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    /// Set after a limit was hit: the rest of that request is ignored until the close completes.
    private var refused = false
    private var answering = false

    init(limits: ListenerLimits, registry: ListenerRegistry, handler: @escaping HTTPListener.Handler) {
        self.limits = limits
        self.registry = registry
        self.handler = handler
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        switch unwrapInboundIn(data) {
        case .head(let h):
            let size = h.uri.utf8.count + h.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 }
            if size > limits.maxHeaderBytes {
                refuse(context, status: .requestHeaderFieldsTooLarge)
                return
            }
            if let length = h.headers.first(name: "content-length").flatMap(Int.init), length > limits.maxBodyBytes {
                refuse(context, status: .payloadTooLarge)
                return
            }
            head = h
            body = []
        case .body(var buffer):
            guard body.count + buffer.readableBytes <= limits.maxBodyBytes else {
                refuse(context, status: .payloadTooLarge)
                return
            }
            body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            guard let h = head else { return }
            head = nil
            dispatch(context, h)
        }
    }

    private func dispatch(_ context: ChannelHandlerContext, _ h: HTTPRequestHead) {
        let request = ListenerRequest(
            method: h.method.rawValue, target: h.uri, version: "HTTP/\(h.version.major).\(h.version.minor)",
            headers: h.headers.map { ListenerHeader($0.name, $0.value) }, body: body,
            remote: context.channel.remoteAddress.map(Self.describe))
        body = []
        registry.count { $0.requests += 1 }
        answering = true
        let keepAlive = h.isKeepAlive
        let version = h.version
        let loop = context.eventLoop
        let bound = NIOLoopBound((self, context), eventLoop: loop)
        let handler = self.handler
        registry.track(on: loop) {
            let response = await handler(request)
            // `stop()` cancelled the handler after its grace: whatever it returns now is not sent.
            if Task.isCancelled { return }
            loop.execute {
                let (me, context) = bound.value
                me.answer(context, response, version: version, keepAlive: keepAlive)
            }
        }
    }

    private func answer(_ context: ChannelHandlerContext, _ response: ListenerResponse, version: HTTPVersion, keepAlive: Bool) {
        answering = false
        guard context.channel.isActive else { return }
        let close = !keepAlive || response.closeConnection || registry.draining || response.delivery != .complete
        switch response.delivery {
        case .closeWithoutAnswer:
            context.close(promise: nil)
            return
        case .complete, .truncated:
            break
        }
        var headers = HTTPHeaders(response.headers.map { ($0.name, $0.value) })
        headers.replaceOrAdd(name: "Content-Length", value: String(response.body.count))
        if close { headers.replaceOrAdd(name: "Connection", value: "close") }
        let status = HTTPResponseStatus(statusCode: response.status)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: status, headers: headers))), promise: nil)
        var bytes = response.body
        if case .truncated(let n) = response.delivery { bytes = Array(bytes.prefix(max(0, n))) }
        if !bytes.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: bytes)))), promise: nil)
        }
        if case .truncated = response.delivery {
            // No `.end`: the announced length is never reached, which is the point.
            context.flush()
            context.close(promise: nil)
            return
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if close {
            done.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }

    private func refuse(_ context: ChannelHandlerContext, status: HTTPResponseStatus) {
        refused = true
        registry.count { $0.oversized += 1 }
        let headers = HTTPHeaders([("Connection", "close"), ("Content-Length", "0")])
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent, !answering {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A refused WebSocket upgrade is reported as an error, then handed on as an ordinary
        // request: it is answered like any other, so the connection stays.
        if error is NIOWebSocketUpgradeError { return }
        // HTTPServerProtocolErrorHandler has already answered 400; the decoder closes the channel.
        if error is HTTPParserError { registry.count { $0.malformed += 1 } }
        context.close(promise: nil)
    }

    static func describe(_ address: SocketAddress) -> String {
        guard let ip = address.ipAddress, let port = address.port else { return address.description }
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}
