import Foundation

/// The HTTP client the probes use: libcurl underneath, one request at a time per call, any
/// number of calls at once. Never follows a redirect, never forwards credentials anywhere, and
/// keeps at most `bodyLimit` bytes of an answer.
public enum HTTPClient {
    /// Sends `request`; a failure to get an HTTP answer is thrown with its precise reason.
    /// Returns within `request.timeout` (plus scheduling), whatever the server does.
    public static func send(_ request: HTTPClientRequest) async throws(TransportFailure) -> HTTPClientResponse {
        if let failure = precheck(request.url) { throw failure }
        guard let transfer = CurlTransfer(request) else {
            throw TransportFailure(kind: .other, reason: "libcurl could not create a handle (out of memory)")
        }
        if let failure = transfer.configure() { throw failure }
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                transfer.attach(continuation)
                CurlEngine.shared.start(transfer)
            }
        } onCancel: {
            CurlEngine.shared.cancel(transfer)
        }
        return try result.get()
    }

    /// `scheme://host:port`, with the default port made explicit, for comparing origins.
    public static func origin(of url: String) -> String? {
        guard let c = URLComponents(string: url), let scheme = c.scheme?.lowercased(), let host = c.host?.lowercased() else { return nil }
        return "\(scheme)://\(host):\(c.port ?? (scheme == "https" ? 443 : 80))"
    }

    /// The URL problems worth a sentence of their own, found before libcurl is involved.
    static func precheck(_ url: String) -> TransportFailure? {
        let shown = Redact.url(url)
        guard let c = URLComponents(string: url), let scheme = c.scheme else {
            return TransportFailure(kind: .malformedURL, reason: "\(shown) is not a valid URL")
        }
        guard ["http", "https"].contains(scheme.lowercased()) else {
            return TransportFailure(kind: .unsupportedScheme, reason: "\(shown) uses the scheme \(scheme):, which an HTTP client cannot call; use http:// or https://")
        }
        guard let host = c.host, !host.isEmpty else {
            return TransportFailure(kind: .malformedURL, reason: "\(shown) has no host name")
        }
        return nil
    }
}
