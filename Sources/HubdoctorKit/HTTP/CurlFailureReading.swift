import CCurl
import Foundation

/// Turns libcurl's code, the socket's errno, OpenSSL's verify result and libcurl's error text
/// into one precise reason. libcurl folds several causes into one code (60 is both an untrusted
/// certificate and a name mismatch; 35 covers https spoken to a plain-HTTP port), so the code
/// alone is not enough.
struct CurlFailureReading {
    var code: CURLcode
    var osErrno: Int
    var verifyResult: Int
    var text: String
    var request: HTTPClientRequest
    var connected: Bool
    var resolved: Bool
    var bodyBytes: Int
    var cancelled: Bool

    // OpenSSL X509_V_ERR_* values that libcurl reports through CURLINFO_SSL_VERIFYRESULT.
    static let certExpired = 10
    static let selfSigned = 18
    static let selfSignedInChain = 19
    static let unknownIssuer = 20
    static let leafNotVerifiable = 21
    static let hostnameMismatch = 62

    var host: String { URLComponents(string: request.url)?.host ?? request.url }

    var hostPort: String {
        if let socket = request.unixSocketPath { return "the unix socket \(socket)" }
        guard let c = URLComponents(string: request.url), let h = c.host else { return request.url }
        let port = c.port ?? (c.scheme?.lowercased() == "https" ? 443 : 80)
        return h.contains(":") ? "[\(h)]:\(port)" : "\(h):\(port)"
    }

    func explain() -> (TransportFailure.Kind, String) {
        let lower = text.lowercased()
        if cancelled || code == CURLE_ABORTED_BY_CALLBACK {
            return (.cancelled, "the request to \(hostPort) was cancelled")
        }
        switch code {
        case CURLE_URL_MALFORMAT:
            return (.malformedURL, "\(Redact.url(request.url)) is not a valid URL (\(text))")
        case CURLE_UNSUPPORTED_PROTOCOL:
            if connected {
                return (.notHTTP, "\(hostPort) answered with something that is not HTTP/1.x (an https-only port spoken to with http://, or another protocol)")
            }
            return (.unsupportedScheme, "\(Redact.url(request.url)) uses a scheme an HTTP client cannot call; use http:// or https://")
        case CURLE_COULDNT_RESOLVE_HOST:
            return (.dnsFailure, "DNS cannot resolve \(host) (no such host name from this machine)")
        case CURLE_COULDNT_RESOLVE_PROXY:
            return (.proxyDNSFailure, "DNS cannot resolve the HTTP proxy set in the environment (http_proxy/https_proxy): \(text)")
        case CURLE_COULDNT_CONNECT:
            switch Int32(osErrno) {
            case ECONNREFUSED:
                return (.connectionRefused, "connection refused by \(hostPort): nothing listens on \(request.unixSocketPath == nil ? "that port" : "it (a socket file left behind)")")
            case ENETUNREACH, EHOSTUNREACH:
                return (.noRoute, "no route to \(hostPort): the network or host is unreachable from this machine")
            case ETIMEDOUT:
                return (.connectTimeout, "connecting to \(hostPort) timed out: packets are dropped on the way (a firewall, or a host that is down)")
            default:
                return (.connectionRefused, "cannot connect to \(hostPort): \(text)")
            }
        case CURLE_OPERATION_TIMEDOUT:
            if !resolved {
                return (.dnsFailure, "DNS could not resolve \(host) within \(Seconds.text(request.connectTimeout))")
            }
            if !connected {
                return (.connectTimeout, "no connection to \(hostPort) within \(Seconds.text(request.connectTimeout)): packets are dropped on the way (a firewall, or a host that is down)")
            }
            if bodyBytes > 0 || lower.contains("bytes received") && !lower.contains("with 0 bytes") {
                return (.answerTimeout, "\(hostPort) started answering but stalled: the answer was not complete within \(Seconds.text(request.timeout))")
            }
            return (.answerTimeout, "\(hostPort) accepted the connection but sent no answer within \(Seconds.text(request.timeout)) (the service hangs)")
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE:
            if verifyResult == Self.hostnameMismatch || lower.contains("subject name") || lower.contains("does not match") {
                return (.tlsNameMismatch, "TLS: the certificate of \(hostPort) is not valid for the name \(host) (\(text))")
            }
            if verifyResult == Self.certExpired || lower.contains("expired") {
                return (.tlsExpired, "TLS: the certificate of \(hostPort) has expired")
            }
            if [Self.selfSigned, Self.selfSignedInChain, Self.unknownIssuer, Self.leafNotVerifiable].contains(verifyResult)
                || lower.contains("self-signed") || lower.contains("self signed") || lower.contains("issuer") {
                return (.tlsUntrusted, "TLS: the certificate of \(hostPort) is not signed by an authority this machine trusts (\(text))")
            }
            return (.tlsUntrusted, "TLS: the certificate of \(hostPort) cannot be verified (\(text))")
        case CURLE_SSL_CONNECT_ERROR:
            if lower.contains("wrong version number") || lower.contains("packet length too long") || lower.contains("http request") {
                return (.tlsToPlainPort, "https:// was used, but \(hostPort) speaks plain HTTP: use http:// or the service's TLS port")
            }
            return (.tlsHandshake, "TLS handshake with \(hostPort) failed: \(text)")
        case CURLE_GOT_NOTHING:
            return (.closedWithoutAnswer, "\(hostPort) closed the connection without answering")
        case CURLE_PARTIAL_FILE:
            return (.closedMidResponse, "\(hostPort) closed the connection in the middle of its answer (\(text))")
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR:
            if Int32(osErrno) == ECONNRESET || lower.contains("reset") {
                return (connected ? .closedMidResponse : .closedWithoutAnswer, "\(hostPort) reset the connection (\(text))")
            }
            return (.closedMidResponse, "the connection to \(hostPort) failed mid-exchange: \(text)")
        case CURLE_WEIRD_SERVER_REPLY:
            return (.notHTTP, "\(hostPort) answered with something that is not HTTP (an https-only port spoken to with http://, or another protocol): \(text)")
        default:
            return (.other, "request to \(hostPort) failed: \(text) (libcurl error \(code.rawValue))")
        }
    }
}
