/// The Hub's `middleware.Auth(cfg.APIKey)` as the seed runbook describes it, so that a client
/// talking to `capture` behaves as it does in production: the same status and body for each
/// header (the bodies are the sandbox Hub's). It decides the answer only;
/// `AuthorizationClassifier` explains it.
public enum HubAuthMiddleware {
    /// Go's `Header.Get` (the first value), `strings.HasPrefix(h, "Bearer ")`, then a
    /// constant-time comparison of the rest with each accepted key. Nil means accepted.
    public static func refusal(_ request: ListenerRequest, accepting keys: [SecretValue]) -> ListenerResponse? {
        guard let header = request.header("Authorization"), !header.isEmpty else {
            return .json(401, SandboxHub.missingHeader)
        }
        guard header.hasPrefix("Bearer ") else {
            return .json(401, SandboxHub.invalidFormat)
        }
        let token = Array(header.utf8.dropFirst(7))
        return keys.contains { constantTimeEqual($0.bytes, token) } ? nil : .json(401, SandboxHub.invalidKey)
    }

    /// What `capture` answers: the refusal, or 200 `{}` on the expected key.
    public static func answer(_ request: ListenerRequest, key: SecretValue) -> ListenerResponse {
        refusal(request, accepting: [key]) ?? .json(200, "{}")
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
