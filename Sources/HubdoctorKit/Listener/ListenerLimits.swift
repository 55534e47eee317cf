/// What one client may cost a listener. A stand-in service faces whatever a misconfigured caller
/// sends, so every resource a request can hold is bounded.
public struct ListenerLimits: Sendable, Equatable {
    /// Request line plus all header lines. Larger requests get 431 and the connection is closed.
    public var maxHeaderBytes: Int
    /// Request body. Larger bodies get 413 and the connection is closed.
    public var maxBodyBytes: Int
    /// A connection that sends nothing for this long, with no request being answered, is closed.
    public var idleTimeout: Double
    /// Connections beyond this many open at once are closed as soon as they are accepted.
    public var maxConnections: Int

    public init(maxHeaderBytes: Int = 16 * 1024, maxBodyBytes: Int = 1024 * 1024, idleTimeout: Double = 30,
                maxConnections: Int = 128) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
    }
}
