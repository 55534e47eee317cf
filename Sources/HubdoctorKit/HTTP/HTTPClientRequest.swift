/// One request for `HTTPClient`. Header values may hold a key: nothing in the HTTP layer logs
/// or echoes them.
public struct HTTPClientRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    /// Seconds for DNS plus TCP plus TLS.
    public var connectTimeout: Double
    /// Seconds for the whole exchange.
    public var timeout: Double
    /// Stop after DNS, TCP and TLS: tells whether the origin can be reached at all, without
    /// sending a request.
    public var connectOnly: Bool
    /// Bytes of the answer's body kept; the transfer stops reading there.
    public var bodyLimit: Int
    /// A PEM bundle of authorities to trust instead of the system's (a private CA).
    public var caFile: String?
    /// A client certificate and its key (PEM files), for servers that require one (a Docker
    /// engine started with `--tlsverify`).
    public var clientCertificate: String?
    public var clientKey: String?
    /// False only where the user said so (a Docker context with SkipTLSVerify).
    public var verifyPeer = true
    /// Connect to this unix domain socket instead of the URL's host and port (the Docker
    /// Engine API); the URL still gives the path and the `Host` header.
    public var unixSocketPath: String?
    /// At most this many requests at once (so, connections) to this request's origin; the others
    /// wait for one of them to finish and reuse its connection. Their wait does not count
    /// against their timeouts.
    public var maxConnections: Int = HTTPClientRequest.defaultMaxConnections

    public static let defaultBodyLimit = 64 * 1024
    public static let defaultMaxConnections = 8

    public init(method: String = "GET", url: String, headers: [(name: String, value: String)] = [],
                connectTimeout: Double = 3, timeout: Double = 5, connectOnly: Bool = false,
                bodyLimit: Int = HTTPClientRequest.defaultBodyLimit, caFile: String? = nil, unixSocketPath: String? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.connectTimeout = min(connectTimeout, timeout)
        self.timeout = timeout
        self.connectOnly = connectOnly
        self.bodyLimit = bodyLimit
        self.caFile = caFile
        self.unixSocketPath = unixSocketPath
    }
}
