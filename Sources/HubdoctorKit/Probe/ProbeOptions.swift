/// How to probe.
public struct ProbeOptions: Sendable {
    /// Seconds per probe.
    public var timeout: Double = 5
    /// Do not send the wrong-shape and wrong-key probes.
    public var noNegative = false
    /// A PEM bundle to trust instead of the system's.
    public var caFile: String?
    /// Why the negative probes must not be sent this time, when the caller knows better than
    /// the answers (they already went to this service in this run).
    public var negativesSkipped: String?
    /// The run's requests, shared by every target of the run: each distinct request is sent once
    /// and its answer given to every link that asks it. Nil: every request is sent.
    public var requests: ProbeRequests?
    /// Requests at once (connections) to the service; the rest wait their turn.
    public var maxConnections = HTTPClientRequest.defaultMaxConnections

    public init(timeout: Double = 5, noNegative: Bool = false, caFile: String? = nil) {
        self.timeout = timeout
        self.noNegative = noNegative
        self.caFile = caFile
    }

    /// DNS plus TCP plus TLS gets at most 3 s: a healthy service connects in milliseconds, and an
    /// unreachable one should be reported without waiting for the whole probe timeout.
    public var connectTimeout: Double { min(timeout, 3) }
}
