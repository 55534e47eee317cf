/// What came back. Redirects are never followed, so this is the first origin's own answer.
public struct HTTPClientResponse: Sendable {
    /// 0 for a connect-only exchange.
    public var status: Int
    /// The final response's header lines, in order.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// The body went past `bodyLimit`; only its beginning was kept.
    public var bodyTruncated: Bool
    public var timings: HTTPEvidence.Timings
    /// The address actually connected to.
    public var remoteIP: String?

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = [], bodyTruncated: Bool = false,
                timings: HTTPEvidence.Timings = .zero, remoteIP: String? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.bodyTruncated = bodyTruncated
        self.timings = timings
        self.remoteIP = remoteIP
    }

    /// The first value of header `name`, case-insensitive.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

extension HTTPEvidence.Timings {
    public static let zero = HTTPEvidence.Timings(dnsMs: 0, connectMs: 0, tlsMs: 0, serverMs: 0, totalMs: 0)
}
