import Foundation
import NIOCore
import NIOHTTP1
import NIOWebSocket
import Synchronization

typealias HTTPConnectionChannel = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>
typealias WebSocketConnectionChannel = NIOAsyncChannel<WebSocketFrame, WebSocketFrame>

/// What the accept loop receives for each accepted connection, once its pipeline is set up.
enum ListenerAccepted: Sendable {
    /// Closed on accept: `maxConnections` were open, or the listener is stopping.
    case rejected
    /// Plain HTTP/1.1: the listener has no WebSocket route.
    case http(HTTPConnectionChannel, ListenerConnectionState)
    /// HTTP/1.1 whose first request may upgrade it to WebSocket; the future says which it became.
    case upgradable(Channel, EventLoopFuture<ListenerUpgraded>, ListenerConnectionState)

    /// The connection's channel; its task runs on the channel's event loop.
    var channel: Channel? {
        switch self {
        case .rejected: return nil
        case .http(let connection, _): return connection.channel
        case .upgradable(let channel, _, _): return channel
        }
    }
}

/// What an upgradable connection became after its first request.
enum ListenerUpgraded: Sendable {
    case http(HTTPConnectionChannel)
    /// The session's request is the upgrade request's head.
    case webSocket(WebSocketConnectionChannel, ListenerRequest)
}

/// What a connection's pipeline and its task share: whether a request is being answered, during
/// which an idle connection is not closed.
final class ListenerConnectionState: Sendable {
    private let busy = Mutex(false)

    var answering: Bool {
        get { busy.withLock { $0 } }
        set { busy.withLock { $0 = newValue } }
    }
}

/// How a listener serves its connections: the pipeline each one gets when accepted, then its
/// task, which reads its requests in order, hands each to the handler and writes the answer back
/// (or runs the WebSocket session it upgraded to). Every connection's task is a child of the
/// listener's one serving task.
struct ListenerConnection: Sendable {
    let limits: ListenerLimits
    let registry: ListenerRegistry
    let handler: HTTPListener.Handler
    let webSocket: ListenerWebSocketRoute?

    /// Sets up an accepted connection's pipeline, on its event loop, before it reads anything.
    func configure(_ channel: Channel) throws -> ListenerAccepted {
        let sync = channel.pipeline.syncOperations
        let state = ListenerConnectionState()
        try sync.addHandler(IdleStateHandler(readTimeout: .nanoseconds(Int64(limits.idleTimeout * 1e9))), name: ListenerGuard.idleName)
        guard let route = webSocket else {
            try sync.configureHTTPServerPipeline(withErrorHandling: true)
            try sync.addHandler(ListenerGuard(state: state, registry: registry), name: ListenerGuard.name)
            return .http(try HTTPConnectionChannel(wrappingChannelSynchronously: channel), state)
        }
        let decided = channel.eventLoop.makePromise(of: ListenerUpgraded.self)
        // Closed before its first request was decided on: nothing to serve. (A promise already
        // completed ignores this.)
        channel.closeFuture.whenComplete { _ in decided.fail(ChannelError.ioOnClosedChannel) }
        try sync.configureHTTPServerPipeline(withServerUpgrade: upgradeConfiguration(route, decided: decided), withErrorHandling: true)
        try sync.addHandler(ListenerGuard(state: state, registry: registry), name: ListenerGuard.name)
        try sync.addHandler(ListenerHTTPSwitch(decided: decided), name: ListenerHTTPSwitch.name)
        return .upgradable(channel, decided.futureResult, state)
    }

    /// Serves one connection until it closes, or until `stop()` cancels the listener's task.
    func serve(_ accepted: ListenerAccepted) async {
        switch accepted {
        case .rejected:
            return
        case .http(let connection, let state):
            await serveHTTP(connection, state)
        case .upgradable(let channel, let upgrade, let state):
            switch try? await upgrade.get() {
            case .http(let connection)?:
                await serveHTTP(connection, state)
            case .webSocket(let connection, let request)?:
                await serveWebSocket(connection, request)
            case nil:
                // Closed (or malformed, already answered and counted) before its first request.
                try? await channel.close()
            }
        }
    }

    /// Requests in order, each answered before the next is read. A parse error (answered 400 and
    /// counted by `ListenerGuard`), a dropped connection or `stop()` ends the loop, and the
    /// connection is closed on the way out.
    private func serveHTTP(_ connection: HTTPConnectionChannel, _ state: ListenerConnectionState) async {
        let channel = connection.channel
        let remote = channel.remoteAddress.map(Self.describe)
        try? await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            var body: [UInt8] = []
            for try await part in inbound {
                switch part {
                case .head(let h):
                    let size = h.uri.utf8.count + h.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 }
                    if size > limits.maxHeaderBytes {
                        try await refuse(.requestHeaderFieldsTooLarge, channel, outbound)
                        return
                    }
                    if let length = h.headers.first(name: "content-length").flatMap(Int.init), length > limits.maxBodyBytes {
                        try await refuse(.payloadTooLarge, channel, outbound)
                        return
                    }
                    head = h
                    body = []
                case .body(var buffer):
                    guard body.count + buffer.readableBytes <= limits.maxBodyBytes else {
                        try await refuse(.payloadTooLarge, channel, outbound)
                        return
                    }
                    body += buffer.readBytes(length: buffer.readableBytes) ?? []
                case .end:
                    guard let h = head else { continue }
                    head = nil
                    let request = ListenerRequest(
                        method: h.method.rawValue, target: h.uri, version: "HTTP/\(h.version.major).\(h.version.minor)",
                        headers: h.headers.map { ListenerHeader($0.name, $0.value) }, body: body, remote: remote)
                    body = []
                    guard try await answer(request, h, state, channel, outbound) else { return }
                }
            }
        }
    }

    /// Hands one request to the handler and writes its answer. Returns whether the connection
    /// stays open for the next request.
    private func answer(_ request: ListenerRequest, _ h: HTTPRequestHead, _ state: ListenerConnectionState, _ channel: Channel,
                        _ outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>) async throws -> Bool {
        registry.count { $0.requests += 1 }
        state.answering = true
        registry.beginAnswering()
        defer { registry.endAnswering() }
        let response = await handler(request)
        // `stop()` cancelled the handler after its grace: whatever it returns now is not sent.
        if Task.isCancelled { return false }
        let close = !h.isKeepAlive || response.closeConnection || registry.draining || response.delivery != .complete
        switch response.delivery {
        case .closeWithoutAnswer:
            return false
        case .complete, .truncated:
            break
        }
        var headers = HTTPHeaders(response.headers.map { ($0.name, $0.value) })
        headers.replaceOrAdd(name: "Content-Length", value: String(response.body.count))
        if close { headers.replaceOrAdd(name: "Connection", value: "close") }
        let status = HTTPResponseStatus(statusCode: response.status)
        var parts: [HTTPServerResponsePart] = [.head(HTTPResponseHead(version: h.version, status: status, headers: headers))]
        var bytes = response.body
        if case .truncated(let n) = response.delivery { bytes = Array(bytes.prefix(max(0, n))) }
        if !bytes.isEmpty {
            parts.append(.body(.byteBuffer(channel.allocator.buffer(bytes: bytes))))
        }
        // A truncated answer has no `.end`: the announced length is never reached, which is the point.
        if response.delivery == .complete { parts.append(.end(nil)) }
        try await outbound.write(contentsOf: parts)
        if close {
            await Self.finishWriting(channel)
            return false
        }
        state.answering = false
        return true
    }

    /// Answers a request over a header or body limit, without reading the rest of it; the
    /// connection is closed next.
    private func refuse(_ status: HTTPResponseStatus, _ channel: Channel, _ outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>) async throws {
        registry.count { $0.oversized += 1 }
        let headers = HTTPHeaders([("Connection", "close"), ("Content-Length", "0")])
        try await outbound.write(contentsOf: [.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers)), .end(nil)])
        await Self.finishWriting(channel)
    }

    /// Waits until what was written has left: closing the output completes only once the pending
    /// writes are done, so the full close that follows cannot cut an answer short.
    static func finishWriting(_ channel: Channel) async {
        try? await channel.close(mode: .output)
    }

    static func describe(_ address: SocketAddress) -> String {
        guard let ip = address.ipAddress, let port = address.port else { return address.description }
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}

/// What stays a channel handler, because an async channel sees neither user events nor the
/// errors raised before it exists: closes a connection that has been idle past the limit with
/// no request being answered, counts what the HTTP parser could not read (answered 400 by
/// `HTTPServerProtocolErrorHandler`), and closes on any other error. Removed on a WebSocket upgrade.
final class ListenerGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    static let name = "hubdoctor.listener.guard"
    static let idleName = "hubdoctor.listener.idle"

    private let state: ListenerConnectionState
    private let registry: ListenerRegistry

    init(state: ListenerConnectionState, registry: ListenerRegistry) {
        self.state = state
        self.registry = registry
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent, !state.answering {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A refused WebSocket upgrade is reported as an error, then handed on as an ordinary
        // request: it is answered like any other, so the connection stays.
        if error is NIOWebSocketUpgradeError { return }
        if error is HTTPParserError { registry.count { $0.malformed += 1 } }
        context.fireErrorCaught(error)
        context.close(promise: nil)
    }
}
