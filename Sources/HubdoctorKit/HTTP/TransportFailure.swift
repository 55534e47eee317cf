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

    /// The kind in a few words ("connection refused"), for a line that points elsewhere for more.
    public var summary: String {
        switch kind {
        case .malformedURL: return "malformed URL"
        case .unsupportedScheme: return "unsupported URL scheme"
        case .dnsFailure: return "DNS failure"
        case .proxyDNSFailure: return "proxy DNS failure"
        case .connectionRefused: return "connection refused"
        case .noRoute: return "no route to host"
        case .connectTimeout: return "connect timeout"
        case .answerTimeout: return "no answer in time"
        case .tlsUntrusted: return "untrusted TLS certificate"
        case .tlsNameMismatch: return "TLS certificate for another name"
        case .tlsExpired: return "expired TLS certificate"
        case .tlsToPlainPort: return "https:// to a plain-HTTP port"
        case .tlsHandshake: return "TLS handshake failure"
        case .closedWithoutAnswer: return "connection closed without an answer"
        case .closedMidResponse: return "connection closed mid-answer"
        case .notHTTP: return "an answer that is not HTTP"
        case .cancelled: return "cancelled"
        case .other: return "transport failure"
        }
    }

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
