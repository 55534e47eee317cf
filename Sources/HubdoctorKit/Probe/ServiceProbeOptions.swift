import Foundation

/// Everything `hubdoctor probe URL` was asked to do.
public struct ServiceProbeOptions: Sendable {
    public var url: String
    /// Protected paths; empty means the built-in profile's.
    public var paths: [String] = []
    public var healthPath: String? = "/health"
    /// Tried with the key; nil tries `/auth/session` only for a Team Hub (`hbk_`) key.
    public var sessionPath: String?
    public var key: KeyInput?
    public var timeout: Double = 5
    public var noNegative = false
    /// Connections (requests at once) to the service; the rest wait their turn.
    public var maxConnections = HTTPClientRequest.defaultMaxConnections
    public var caFile: String?
    /// For a `ws://`/`wss://` URL: how the key is presented (default: seed 001's auth frame).
    public var webSocketAuth: WebSocketAuth?
    public var failOn: FailThreshold = .error
    public var environment: [String: String] = ProcessInfo.processInfo.environment

    public init(url: String) {
        self.url = url
    }
}
