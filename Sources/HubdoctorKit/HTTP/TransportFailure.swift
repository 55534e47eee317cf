/// Why an exchange produced no HTTP answer. Not a `HubdoctorError`: a service that cannot be
/// reached is a finding about the user's setup (`hub-unreachable`), so probes turn this into one.
public struct TransportFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        case malformedURL = "malformed-url"
        case unsupportedScheme = "unsupported-scheme"
        case dnsFailure = "dns"
        case proxyDNSFailure = "proxy-dns"
        case connectionRefused = "connection-refused"
        case noRoute = "no-route"
        case connectTimeout = "connect-timeout"
        case answerTimeout = "answer-timeout"
        case tlsUntrusted = "tls-untrusted"
        case tlsNameMismatch = "tls-name-mismatch"
        case tlsExpired = "tls-expired"
        case tlsToPlainPort = "tls-to-plain-port"
        case tlsHandshake = "tls-handshake"
        case closedWithoutAnswer = "closed-without-answer"
        case closedMidResponse = "closed-mid-response"
        case notHTTP = "not-http"
        case cancelled
        case other
    }

    public var kind: Kind
    /// One sentence an engineer can act on; names the host and port, never a header value.
    public var reason: String
    /// libcurl's own code and text, for the curious and for bug reports.
    public var curlCode: Int
    public var curlText: String
    public var timings: HTTPEvidence.Timings

    public init(kind: Kind, reason: String, curlCode: Int = 0, curlText: String = "", timings: HTTPEvidence.Timings = .zero) {
        self.kind = kind
        self.reason = reason
        self.curlCode = curlCode
        self.curlText = curlText
        self.timings = timings
    }

    public var description: String { reason }

    /// Failures that happen before any HTTP is spoken: every later request to the same origin
    /// would fail the same way.
    public var originUnreachable: Bool {
        switch kind {
        case .malformedURL, .unsupportedScheme, .dnsFailure, .proxyDNSFailure, .connectionRefused, .noRoute, .connectTimeout,
             .tlsUntrusted, .tlsNameMismatch, .tlsExpired, .tlsToPlainPort, .tlsHandshake:
            return true
        case .answerTimeout, .closedWithoutAnswer, .closedMidResponse, .notHTTP, .cancelled, .other:
            return false
        }
    }
}
