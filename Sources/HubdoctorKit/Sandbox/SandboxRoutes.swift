import Foundation

/// What the sandbox answers to one request: the Hub's routes behind its auth middleware, bent by
/// the fault modes.
struct SandboxRoutes: Sendable {
    let options: SandboxOptions

    enum Verdict {
        case accepted
        case refused(ListenerResponse)
    }

    /// The Hub's `middleware.Auth(cfg.APIKey)`: the header must be `Bearer <key>`, exactly.
    /// During a rotation the sandbox still accepts the old key.
    func authenticate(_ request: ListenerRequest) -> Verdict {
        let keys = [options.key, options.oldKey].compactMap { $0 }
        return HubAuthMiddleware.refusal(request, accepting: keys).map(Verdict.refused) ?? .accepted
    }

    func answer(_ request: ListenerRequest) -> ListenerResponse {
        let faults = options.faults
        if faults.contains(.redirectLoop) {
            // A proxy that adds the slash in front of an app that strips it.
            let path = request.path.hasSuffix("/") && request.path.count > 1 ? String(request.path.dropLast()) : request.path + "/"
            let query = request.target.dropFirst(request.path.count)
            return ListenerResponse(status: 301, headers: [ListenerHeader("Location", path + query)])
        }
        if request.path == "/health" {
            if faults.contains(.healthBehindAuth), case .refused(let r) = authenticate(request) { return r }
            return .json(200, #"{"status":"ok"}"#)
        }
        if request.path == "/auth/session", options.session {
            if case .refused(let r) = authenticate(request) { return r }
            return .json(200, sessionBody())
        }
        guard request.path == "/v1" || request.path.hasPrefix("/v1/") else {
            // Go's default mux answer: not JSON, which tells a prober it reached no Hub route.
            return .text(404, "404 page not found\n")
        }
        if faults.contains(.redirect) {
            let target = options.redirectTo.trimmingSuffix("/") + request.target
            return ListenerResponse(status: 307, headers: [ListenerHeader("Location", target)])
        }
        if faults.contains(.echoKey), let header = request.header("Authorization") {
            return SandboxEcho.answer(echoing: header)
        }
        if faults.contains(.throttled) {
            return .json(429, #"{"error":"Too Many Requests"}"#, headers: [ListenerHeader("Retry-After", String(options.retryAfterSeconds))])
        }
        if faults.contains(.authStoreDown) {
            return .json(503, #"{"error":"Service Unavailable"}"#)
        }
        if !faults.contains(.authNotEnforced) {
            if case .refused(let r) = authenticate(request) { return r }
            if faults.contains(.revoked) {
                return .json(401, #"{"error":"API key revoked","reason":"revoked"}"#, headers: [
                    ListenerHeader("WWW-Authenticate", #"Bearer realm="hub", error="invalid_token", error_description="The API key has been revoked""#),
                ])
            }
            if faults.contains(.forbidden) { return .json(403, #"{"error":"Forbidden"}"#) }
        }
        if SandboxHub.protectedRoutes.contains(request.path), request.method == "GET" {
            return .json(200, #"{"data":[]}"#)
        }
        return .json(404, #"{"error":"Not found"}"#)
    }

    /// Team Hub's `GET /auth/session`: who owns the token, and which API surfaces it may use.
    func sessionBody() -> String {
        let admin = options.faults.contains(.forbidden)
        let keyText = options.key.text
        let prefix = keyText.hasPrefix("hbk_") && keyText.count >= 12 ? "\"\(keyText.prefix(12))\"" : "null"
        return """
        {"user":{"id":"550e8400-e29b-41d4-a716-446655440000","name":"sandbox","role":"\(admin ? "admin" : "user")"},\
        "token":{"id":"660e8400-e29b-41d4-a716-446655440001","prefix":\(prefix)},\
        "capabilities":{"dataApi":\(!admin),"managementApi":\(admin),"llm":false}}
        """
    }

    func entry(for request: ListenerRequest, status: Int?) -> SandboxLogEntry {
        let header = request.header("Authorization")
        let keys = [options.key, options.oldKey].compactMap { $0 }.map(\.text).filter { !$0.isEmpty }
        let (shape, credential) = Self.shape(header, key: options.key.text, oldKey: options.oldKey?.text)
        return SandboxLogEntry(time: request.receivedAt, method: request.method, path: request.path, auth: shape,
                               carriesKey: header.map { h in keys.contains { h.contains($0) } } ?? false,
                               credentialFingerprint: credential.map { Fingerprint.of($0) }, status: status, remote: request.remote)
    }

    /// The credential's shape and the credential itself (for its fingerprint only).
    static func shape(_ header: String?, key: String, oldKey: String?) -> (SandboxLogEntry.AuthShape, String?) {
        guard let header, !header.isEmpty else { return (.none, nil) }
        guard let space = header.firstIndex(of: " ") else {
            return (header == key || header == oldKey ? .rawKey : .rawOther, header)
        }
        let scheme = header[..<space], token = String(header[header.index(after: space)...])
        guard scheme == "Bearer" else { return (.otherScheme, header) }
        if token.isEmpty { return (.bearerEmpty, nil) }
        if token == key { return (.bearerKey, token) }
        if token == oldKey { return (.bearerOldKey, token) }
        return (.bearerOther, token)
    }
}
