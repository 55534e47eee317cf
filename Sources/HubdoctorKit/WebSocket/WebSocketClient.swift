import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOTLS
import NIOWebSocket

/// A WebSocket client for probes: one connection, one upgrade (RFC 6455 over NIOHTTP1's
/// upgrade), the key presented once (in an auth frame, a header or the query), then it reads
/// what the server says: the upgrade's status, the first frames, the close code and reason, each
/// with its time. It never retries, never follows a redirect, and always returns within the
/// request's timeout, whatever the server does (never answers, never closes, drops the line).
///
/// TLS (`wss:`) uses the same trust as the HTTP probes: the system's authorities, or only those
/// of `caFile`; the certificate must be valid for the host name.
public enum WebSocketClient {
    public static func run(_ request: WebSocketRequest) async -> WebSocketResult {
        let started = NIODeadline.now()
        let target: Target
        switch Target.parse(request.url) {
        case .failure(let f): return WebSocketResult(ending: .failed(f))
        case .success(let t): target = t
        }
        let key = request.key?.text ?? ""
        if case .header = request.auth, key.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) {
            return WebSocketResult(ending: .failed(TransportFailure(kind: .other, reason: "not sent: the key holds a line break or a NUL byte, which cannot go into an HTTP request")))
        }
        let sslContext: NIOSSLContext?
        switch tlsContext(target, caFile: request.caFile) {
        case .failure(let f): return WebSocketResult(ending: .failed(f))
        case .success(let c): sslContext = c
        }
        let plan = Plan(target: target, request: request, requestTarget: target.requestTarget(auth: request.auth, key: key),
                        headers: headers(for: request, target: target, key: key),
                        firstMessage: firstMessage(request, key: key), started: started)
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let promise = loop.makePromise(of: WebSocketResult.self)
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(.nanoseconds(Int64(request.connectTimeout * 1e9)))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let session = Session(plan: plan, promise: promise, channel: channel)
                    let bound = NIOLoopBound(session, eventLoop: channel.eventLoop)
                    let sync = channel.pipeline.syncOperations
                    if let sslContext {
                        try sync.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: target.sniHost))
                    }
                    let upgrader = NIOWebSocketClientUpgrader(maxFrameSize: 1 << 20, automaticErrorHandling: false) { channel, head in
                        channel.eventLoop.makeCompletedFuture {
                            let session = bound.value
                            session.upgraded(head)
                            try channel.pipeline.syncOperations.addHandler(FrameHandler(session: session))
                        }
                    }
                    try sync.addHTTPClientHandlers(leftOverBytesStrategy: .forwardBytes, withClientUpgrade: (
                        upgraders: [upgrader],
                        completionHandler: { context in
                            context.pipeline.syncOperations.removeHandler(name: UpgradeHandler.name, promise: nil)
                        }
                    ))
                    try sync.addHandler(UpgradeHandler(session: session), name: UpgradeHandler.name)
                    session.armDeadline()
                }
            }
        do {
            let channel = try await bootstrap.connect(host: target.host, port: target.port).get()
            let ip = channel.remoteAddress?.ipAddress
            var result = await withTaskCancellationHandler {
                (try? await promise.futureResult.get()) ?? WebSocketResult(ending: .failed(TransportFailure(kind: .cancelled, reason: "cancelled")))
            } onCancel: {
                channel.close(promise: nil)
            }
            result.remoteIP = ip
            return result
        } catch {
            let ms = Double((NIODeadline.now() - started).nanoseconds) / 1e6
            let failure = connectFailure(error, target: target, request: request, ms: ms)
            promise.succeed(WebSocketResult(ending: .failed(failure)))
            var result = WebSocketResult(ending: .failed(failure))
            result.timings.totalMs = ms
            return result
        }
    }

    /// The TLS client context for `wss:`: the system's authorities, or only `caFile`'s.
    static func tlsContext(_ target: Target, caFile: String?) -> Result<NIOSSLContext?, TransportFailure> {
        guard target.tls else { return .success(nil) }
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let caFile { configuration.trustRoots = .file(caFile) }
        do {
            return .success(try NIOSSLContext(configuration: configuration))
        } catch {
            let why = caFile.map { "cannot use the CA file \($0) (\(error))" } ?? "cannot set up TLS (\(error))"
            return .failure(TransportFailure(kind: .tlsHandshake, reason: why))
        }
    }

    static func headers(for request: WebSocketRequest, target: Target, key: String) -> [(String, String)] {
        var out: [(String, String)] = [("Host", target.hostHeader), ("User-Agent", "hubdoctor")]
        out += request.headers.map { ($0.name, $0.value) }
        if case .header = request.auth { out.append(("Authorization", "Bearer " + key)) }
        return out
    }

    static func firstMessage(_ request: WebSocketRequest, key: String) -> String? {
        guard case .message(let template) = request.auth else { return nil }
        return WebSocketAuth.fill(template, key: key)
    }

    static func connectFailure(_ error: Error, target: Target, request: WebSocketRequest, ms: Double) -> TransportFailure {
        let hostPort = target.hostPort
        let timings = HTTPEvidence.Timings(dnsMs: 0, connectMs: ms, tlsMs: 0, serverMs: 0, totalMs: ms)
        if let e = error as? ChannelError, case .connectTimeout = e {
            return TransportFailure(kind: .connectTimeout, reason: String(format: "connecting to \(hostPort) timed out after %.1f s: packets are " +
                "dropped on the way (a firewall, or a host that is down)", request.connectTimeout), timings: timings)
        }
        if let e = error as? NIOConnectionError {
            if e.dnsAError != nil || e.dnsAAAAError != nil, e.connectionErrors.isEmpty {
                return TransportFailure(kind: .dnsFailure, reason: "DNS cannot resolve \(target.host) (no such host name from this machine)", timings: timings)
            }
            if let first = e.connectionErrors.first { return connectFailure(first.error, target: target, request: request, ms: ms) }
            return TransportFailure(kind: .dnsFailure, reason: "DNS gives no address for \(target.host)", timings: timings)
        }
        if let e = error as? IOError {
            switch e.errnoCode {
            case ECONNREFUSED:
                return TransportFailure(kind: .connectionRefused, reason: "connection refused by \(hostPort): nothing listens on that port", timings: timings)
            case ENETUNREACH, EHOSTUNREACH:
                return TransportFailure(kind: .noRoute, reason: "no route to \(hostPort): the network or host is unreachable from this machine", timings: timings)
            case ETIMEDOUT:
                return TransportFailure(kind: .connectTimeout, reason: "connecting to \(hostPort) timed out", timings: timings)
            default:
                return TransportFailure(kind: .other, reason: "cannot connect to \(hostPort): \(e.description)", timings: timings)
            }
        }
        if error is SocketAddressError {
            return TransportFailure(kind: .dnsFailure, reason: "DNS cannot resolve \(target.host) (no such host name from this machine)", timings: timings)
        }
        return TransportFailure(kind: .other, reason: "cannot connect to \(hostPort): \(error)", timings: timings)
    }

    /// A TLS or protocol error on an open connection, in one sentence.
    static func streamFailure(_ error: Error, hostPort: String) -> TransportFailure {
        if let e = error as? NIOSSLExtraError, e == .failedToValidateHostname {
            return TransportFailure(kind: .tlsNameMismatch, reason: "TLS: the certificate of \(hostPort) was issued for another name")
        }
        if let e = error as? NIOSSLError {
            let text = String(describing: e)
            if text.contains("CERTIFICATE_VERIFY_FAILED") {
                return TransportFailure(kind: .tlsUntrusted, reason: "TLS: the certificate of \(hostPort) cannot be verified (not signed by an authority this machine trusts, or expired)")
            }
            if text.contains("WRONG_VERSION_NUMBER") || text.contains("HTTP_REQUEST") {
                return TransportFailure(kind: .tlsToPlainPort, reason: "TLS: \(hostPort) does not speak TLS (wss:// to a plain port; use ws://)")
            }
            return TransportFailure(kind: .tlsHandshake, reason: "TLS handshake with \(hostPort) failed")
        }
        if error is HTTPParserError {
            return TransportFailure(kind: .notHTTP, reason: "\(hostPort) answered the upgrade with something that is not HTTP/1.x (a TLS port spoken to with ws://, or another protocol)")
        }
        if let e = error as? NIOHTTPClientUpgradeError {
            switch e {
            case .upgraderDeniedUpgrade:
                return TransportFailure(kind: .notHTTP, reason: "\(hostPort) answered 101 without the Sec-WebSocket-Accept that RFC 6455 requires for this request")
            case .responseProtocolNotFound:
                return TransportFailure(kind: .notHTTP, reason: "\(hostPort) answered 101 but switched to another protocol than websocket")
            default:
                return TransportFailure(kind: .notHTTP, reason: "\(hostPort) broke the HTTP upgrade (\(e))")
            }
        }
        if error is NIOWebSocketError {
            return TransportFailure(kind: .notHTTP, reason: "\(hostPort) sent a frame that breaks RFC 6455 (\(error))")
        }
        return TransportFailure(kind: .other, reason: "the connection to \(hostPort) failed: \(error)")
    }

    // MARK: - The URL

    struct Target: Sendable {
        var tls: Bool
        var host: String
        var port: Int
        /// The path and query exactly as written (default `/`).
        var pathAndQuery: String
        var shownURL: String

        var hostPort: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

        var hostHeader: String {
            let h = host.contains(":") ? "[\(host)]" : host
            return port == (tls ? 443 : 80) ? h : "\(h):\(port)"
        }

        /// SNI only for a name: an IP address goes without, and is checked against the
        /// certificate's IP entries.
        var sniHost: String? {
            (try? SocketAddress(ipAddress: host, port: 0)) == nil ? host : nil
        }

        static func parse(_ url: String) -> Result<Target, TransportFailure> {
            let shown = Redact.url(url)
            guard let c = URLComponents(string: url), let scheme = c.scheme?.lowercased() else {
                return .failure(TransportFailure(kind: .malformedURL, reason: "\(shown) is not a valid URL"))
            }
            let tls: Bool
            switch scheme {
            case "ws", "http": tls = false
            case "wss", "https": tls = true
            default:
                return .failure(TransportFailure(kind: .unsupportedScheme, reason: "\(shown) uses the scheme \(scheme):; a WebSocket URL starts with ws:// or wss://"))
            }
            guard let host = c.host, !host.isEmpty else {
                return .failure(TransportFailure(kind: .malformedURL, reason: "\(shown) has no host name"))
            }
            let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
            var path = c.percentEncodedPath.isEmpty ? "/" : c.percentEncodedPath
            if let q = c.percentEncodedQuery { path += "?" + q }
            return .success(Target(tls: tls, host: bare, port: c.port ?? (tls ? 443 : 80), pathAndQuery: path, shownURL: shown))
        }

        /// The request target, with the key added as a query parameter in query mode.
        func requestTarget(auth: WebSocketAuth, key: String) -> String {
            guard case .query(let name) = auth else { return pathAndQuery }
            var allowed = CharacterSet.urlQueryAllowed
            allowed.remove(charactersIn: "&=+#")
            let value = key.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
            let n = name.addingPercentEncoding(withAllowedCharacters: allowed) ?? name
            return pathAndQuery + (pathAndQuery.contains("?") ? "&" : "?") + "\(n)=\(value)"
        }
    }

    // MARK: - One connection's state, confined to its event loop

    struct Plan: Sendable {
        var target: Target
        var request: WebSocketRequest
        var requestTarget: String
        var headers: [(String, String)]
        var firstMessage: String?
        var started: NIODeadline
    }

    final class Session {
        let plan: Plan
        let promise: EventLoopPromise<WebSocketResult>
        let channel: Channel
        var result = WebSocketResult(ending: .timedOut(.upgrade))
        var done = false
        var upgradedAt: Double?
        var sawErrorFrame = false
        var deadline: Scheduled<Void>?
        var settle: Scheduled<Void>?
        var frameContext: ChannelHandlerContext?
        var refusalEnded = false

        init(plan: Plan, promise: EventLoopPromise<WebSocketResult>, channel: Channel) {
            self.plan = plan
            self.promise = promise
            self.channel = channel
        }

        var now: Double { Double((NIODeadline.now() - plan.started).nanoseconds) / 1e6 }

        func armDeadline() {
            let at = plan.started + .nanoseconds(Int64(plan.request.timeout * 1e9))
            deadline = channel.eventLoop.assumeIsolated().scheduleTask(deadline: at) { [self] in timedOut() }
        }

        func connected() { result.timings.connectMs = now }

        func tlsDone() { result.timings.tlsMs = now - (result.timings.connectMs ?? 0) }

        func refusalHead(_ head: HTTPResponseHead) {
            result.upgradeStatus = Int(head.status.code)
            result.upgradeHeaders = head.headers.map { ($0.name, $0.value) }
            result.timings.upgradeMs = now
        }

        func refusalBody(_ buffer: ByteBuffer) {
            let room = HTTPClientRequest.defaultBodyLimit - result.refusalBody.count
            guard room > 0 else { return }
            result.refusalBody += buffer.getBytes(at: buffer.readerIndex, length: min(room, buffer.readableBytes)) ?? []
        }

        func upgraded(_ head: HTTPResponseHead) {
            result.upgradeStatus = Int(head.status.code)
            result.upgradeHeaders = head.headers.map { ($0.name, $0.value) }
            upgradedAt = now
            result.timings.upgradeMs = upgradedAt
        }

        /// The frame handler is in place: send the auth frame, if any.
        func ready(_ context: ChannelHandlerContext) {
            frameContext = context
            guard let message = plan.firstMessage else { return }
            let buffer = context.channel.allocator.buffer(string: message)
            let frame = WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: buffer)
            context.writeAndFlush(NIOAny(frame), promise: nil)
            result.sentAuthFrame = true
        }

        func frame(_ kind: WebSocketResult.Frame.Kind, _ data: ByteBuffer) {
            guard !done else { return }
            let at = now
            if result.timings.firstFrameMs == nil { result.timings.firstFrameMs = at }
            let bytes = data.getBytes(at: data.readerIndex, length: min(data.readableBytes, plan.request.frameLimit)) ?? []
            if result.frames.count < plan.request.maxFrames {
                result.frames.append(.init(kind: kind, payload: bytes, size: data.readableBytes, atMs: at))
            } else {
                result.framesNotKept += 1
            }
            if WebSocketReading.isErrorFrame(String(decoding: bytes, as: UTF8.self)) {
                sawErrorFrame = true
                settle?.cancel()
                settle = nil
            } else if !sawErrorFrame, settle == nil {
                // Not an error: if no close follows shortly, the server has accepted the key.
                let wait = Int64(max(0, plan.request.settle) * 1e9)
                settle = channel.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(wait)) { [self] in settled() }
            }
        }

        func closeReceived(_ data: ByteBuffer) {
            guard !done else { return }
            var d = data
            let code = d.readableBytes >= 2 ? d.readInteger(as: UInt16.self).map(Int.init) : nil
            let reason = d.readBytes(length: min(d.readableBytes, 1024)) ?? []
            result.close = .init(code: code, reason: reason, atMs: now, byServer: true)
            result.timings.closeMs = result.close?.atMs
            // RFC 6455 5.5.1: answer the close with a close, echoing the code.
            if let context = frameContext {
                var echo = context.channel.allocator.buffer(capacity: 2)
                if let code { echo.writeInteger(UInt16(truncatingIfNeeded: code)) }
                context.writeAndFlush(NIOAny(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: echo)), promise: nil)
            }
            finish(.closedByServer)
        }

        func ping(_ data: ByteBuffer) {
            guard let context = frameContext, !done else { return }
            context.writeAndFlush(NIOAny(WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: data)), promise: nil)
        }

        func settled() {
            guard !done else { return }
            result.close = .init(code: 1000, reason: [], atMs: now, byServer: false)
            sendClose(1000)
            finish(.settled)
        }

        func timedOut() {
            guard !done else { return }
            let phase: WebSocketResult.Phase
            if upgradedAt == nil {
                phase = .upgrade
            } else if sawErrorFrame {
                phase = .close
            } else {
                phase = .firstFrame
            }
            sendClose(1000)
            finish(.timedOut(phase))
        }

        func sendClose(_ code: UInt16) {
            guard let context = frameContext else { return }
            var data = context.channel.allocator.buffer(capacity: 2)
            data.writeInteger(code)
            context.writeAndFlush(NIOAny(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: data)), promise: nil)
        }

        func inactive() {
            guard !done else { return }
            if upgradedAt != nil {
                finish(.droppedWithoutClose)
            } else if result.upgradeStatus != nil {
                finish(.refused)
            } else {
                finish(.failed(TransportFailure(kind: .closedWithoutAnswer, reason: "\(plan.target.hostPort) closed the connection without answering the upgrade")))
            }
        }

        func failed(_ error: Error) {
            guard !done else { return }
            // A refusal whose body is cut short is still a refusal.
            if result.upgradeStatus != nil, upgradedAt == nil, !(error is NIOHTTPClientUpgradeError) {
                finish(.refused)
                return
            }
            finish(.failed(WebSocketClient.streamFailure(error, hostPort: plan.target.hostPort)))
        }

        func finish(_ ending: WebSocketResult.Ending) {
            guard !done else { return }
            done = true
            deadline?.cancel()
            settle?.cancel()
            result.ending = ending
            result.timings.totalMs = now
            if case .failed(var f) = ending {
                f.timings = HTTPEvidence.Timings(dnsMs: 0, connectMs: result.timings.connectMs ?? 0, tlsMs: result.timings.tlsMs ?? 0,
                                                 serverMs: 0, totalMs: result.timings.totalMs)
                result.ending = .failed(f)
            }
            promise.succeed(result)
            // Let a close frame just written leave before the socket goes.
            let channel = self.channel
            channel.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(50)) { channel.close(promise: nil) }
        }
    }

    // MARK: - Handlers

    /// Sends the upgrade request and reads a refusal; removed once the upgrade succeeds.
    final class UpgradeHandler: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPClientResponsePart
        typealias OutboundOut = HTTPClientRequestPart
        static let name = "hubdoctor.websocket.upgrade"

        let session: Session

        init(session: Session) { self.session = session }

        func channelActive(context: ChannelHandlerContext) {
            session.connected()
            let plan = session.plan
            var headers = HTTPHeaders()
            for (name, value) in plan.headers { headers.add(name: name, value: value) }
            let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: plan.requestTarget, headers: headers)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            context.fireChannelActive()
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if let e = event as? TLSUserEvent, case .handshakeCompleted = e { session.tlsDone() }
            context.fireUserInboundEventTriggered(event)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head): session.refusalHead(head)
            case .body(let buffer): session.refusalBody(buffer)
            case .end: session.finish(.refused)
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: Error) {
            session.failed(error)
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            session.inactive()
            context.fireChannelInactive()
        }
    }

    /// Reads frames after the upgrade.
    final class FrameHandler: ChannelInboundHandler {
        typealias InboundIn = WebSocketFrame
        typealias OutboundOut = WebSocketFrame

        let session: Session

        init(session: Session) { self.session = session }

        func handlerAdded(context: ChannelHandlerContext) {
            session.ready(context)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let frame = unwrapInboundIn(data)
            switch frame.opcode {
            case .text, .continuation: session.frame(.text, frame.unmaskedData)
            case .binary: session.frame(.binary, frame.unmaskedData)
            case .connectionClose: session.closeReceived(frame.unmaskedData)
            case .ping: session.ping(frame.unmaskedData)
            default: break
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: Error) {
            session.failed(error)
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            session.inactive()
            context.fireChannelInactive()
        }
    }
}
