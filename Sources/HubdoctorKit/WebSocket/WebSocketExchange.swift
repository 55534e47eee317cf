import Foundation

/// One WebSocket handshake and authentication for `WebSocketClient`. The key lives only here and
/// in the bytes sent; nothing in the WebSocket layer logs or echoes it.
public struct WebSocketRequest: Sendable {
    /// `ws://` or `wss://` (also `http://`/`https://`), with the path and any query.
    public var url: String
    public var auth: WebSocketAuth
    /// The key to present; nil sends the upgrade (and the template, if any) with an empty key.
    public var key: SecretValue?
    /// Extra headers on the upgrade request.
    public var headers: [(name: String, value: String)]
    /// Seconds for DNS plus TCP plus TLS.
    public var connectTimeout: Double
    /// Seconds for the whole exchange: a server that never answers or never closes is given up
    /// on at this point, and the result says which step it was waiting for.
    public var timeout: Double
    /// After a frame that is not an error, how long to wait for a close before taking the
    /// connection as accepted and closing it (1000) from this side.
    public var settle: Double
    /// A PEM bundle of authorities to trust instead of the system's, for `wss:`.
    public var caFile: String?
    /// Frames kept (their first `frameLimit` bytes each); later ones are only counted.
    public var maxFrames: Int
    public var frameLimit: Int

    public init(url: String, auth: WebSocketAuth, key: SecretValue?, headers: [(name: String, value: String)] = [],
                connectTimeout: Double = 3, timeout: Double = 5, settle: Double = 0.5, caFile: String? = nil,
                maxFrames: Int = 8, frameLimit: Int = 4096) {
        self.url = url
        self.auth = auth
        self.key = key
        self.headers = headers
        self.connectTimeout = min(connectTimeout, timeout)
        self.timeout = timeout
        self.settle = settle
        self.caFile = caFile
        self.maxFrames = maxFrames
        self.frameLimit = frameLimit
    }
}

/// What a WebSocket exchange showed, step by step, each with the milliseconds since the start.
/// Texts are the server's raw words: `WebSocketReading` cleans them before they are shown.
public struct WebSocketResult: Sendable {
    /// The answer to the upgrade request: 101, or the status of a refusal.
    public var upgradeStatus: Int?
    public var upgradeHeaders: [(name: String, value: String)] = []
    /// The body of a refused upgrade (at most 64 KiB).
    public var refusalBody: [UInt8] = []
    public var frames: [Frame] = []
    /// Frames beyond `maxFrames`.
    public var framesNotKept = 0
    public var close: Close?
    /// Whether this side sent the auth frame (after the upgrade, in message mode).
    public var sentAuthFrame = false
    public var ending: Ending
    public var timings: Timings
    /// The address actually connected to.
    public var remoteIP: String?

    public struct Frame: Sendable {
        public enum Kind: String, Sendable { case text, binary }
        public var kind: Kind
        /// The payload's first bytes (all of it up to the request's `frameLimit`).
        public var payload: [UInt8]
        public var size: Int
        public var atMs: Double

        public var text: String { String(decoding: payload, as: UTF8.self) }
    }

    public struct Close: Sendable {
        /// nil when the close frame carried no code (1005 in RFC 6455's terms).
        public var code: Int?
        public var reason: [UInt8]
        public var atMs: Double
        /// True when the server sent the close first; false when this side closed (1000) after
        /// it took the connection as accepted.
        public var byServer: Bool

        public var reasonText: String { String(decoding: reason, as: UTF8.self) }
    }

    public enum Ending: Sendable {
        /// A close frame came from the server (`close` says what it held).
        case closedByServer
        /// This side closed after a frame that is not an error and `settle` without a close.
        case settled
        /// The TCP connection ended without a close frame (1006 in RFC 6455's terms).
        case droppedWithoutClose
        /// The upgrade was answered with another status than 101.
        case refused
        /// `timeout` ran out while waiting for `phase`.
        case timedOut(Phase)
        /// No exchange: the connection or the handshake failed.
        case failed(TransportFailure)
    }

    public enum Phase: String, Sendable {
        case upgrade = "the answer to the upgrade"
        case firstFrame = "a first frame or a close"
        case close = "the close after the error frame"
    }

    public struct Timings: Sendable, Equatable, Codable {
        /// DNS plus TCP.
        public var connectMs: Double?
        public var tlsMs: Double?
        /// When the answer to the upgrade came.
        public var upgradeMs: Double?
        public var firstFrameMs: Double?
        public var closeMs: Double?
        public var totalMs: Double

        public init(connectMs: Double? = nil, tlsMs: Double? = nil, upgradeMs: Double? = nil, firstFrameMs: Double? = nil,
                    closeMs: Double? = nil, totalMs: Double = 0) {
            self.connectMs = connectMs
            self.tlsMs = tlsMs
            self.upgradeMs = upgradeMs
            self.firstFrameMs = firstFrameMs
            self.closeMs = closeMs
            self.totalMs = totalMs
        }
    }

    public init(ending: Ending, timings: Timings = Timings()) {
        self.ending = ending
        self.timings = timings
    }

    public var failure: TransportFailure? {
        if case .failed(let f) = ending { return f }
        return nil
    }

    /// The refused upgrade as an HTTP answer, to be read exactly as the HTTP probes read one.
    public var refusal: HTTPClientResponse? {
        guard case .refused = ending, let status = upgradeStatus else { return nil }
        let t = HTTPEvidence.Timings(dnsMs: 0, connectMs: timings.connectMs ?? 0, tlsMs: timings.tlsMs ?? 0,
                                     serverMs: timings.upgradeMs ?? 0, totalMs: timings.totalMs)
        return HTTPClientResponse(status: status, headers: upgradeHeaders, body: refusalBody, timings: t, remoteIP: remoteIP)
    }
}
