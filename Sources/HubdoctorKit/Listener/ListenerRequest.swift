import Foundation

/// One header line as it arrived: the name keeps its spelling, the value is not trimmed further
/// than HTTP/1.1 parsing trims it.
public struct ListenerHeader: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// A complete request, as the listener hands it to its handler.
public struct ListenerRequest: Sendable {
    public var method: String
    /// The request target exactly as sent (`/v1/webhooks?limit=1`).
    public var target: String
    /// `target` without its query string.
    public var path: String
    /// `HTTP/1.1`, `HTTP/1.0`.
    public var version: String
    /// In arrival order; a header sent twice appears twice.
    public var headers: [ListenerHeader]
    public var body: [UInt8]
    /// `host:port` of the client, when the socket knows it.
    public var remote: String?
    public var receivedAt: Date

    public init(method: String, target: String, version: String = "HTTP/1.1", headers: [ListenerHeader] = [],
                body: [UInt8] = [], remote: String? = nil, receivedAt: Date = Date()) {
        self.method = method
        self.target = target
        self.path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? target
        self.version = version
        self.headers = headers
        self.body = body
        self.remote = remote
        self.receivedAt = receivedAt
    }

    /// Every value of the header `name` (case-insensitive), in arrival order.
    public func values(of name: String) -> [String] {
        headers.filter { $0.name.caseInsensitiveCompare(name) == .orderedSame }.map(\.value)
    }

    /// The first value of the header `name` (case-insensitive).
    public func header(_ name: String) -> String? { values(of: name).first }
}
