/// Counters a listener keeps, so that tests and `capture` can tell what arrived that was not a
/// request it could hand to its handler.
public struct ListenerStats: Sendable, Equatable {
    /// Complete requests handed to the handler.
    public var requests = 0
    /// Byte streams that were not HTTP/1.1 requests; each was answered 400 and closed.
    public var malformed = 0
    /// Requests over a header or body limit; each was answered 431 or 413 and closed.
    public var oversized = 0
    /// Connections closed on accept because `maxConnections` were already open.
    public var rejectedConnections = 0
    /// Connections open right now.
    public var openConnections = 0

    public init() {}
}
