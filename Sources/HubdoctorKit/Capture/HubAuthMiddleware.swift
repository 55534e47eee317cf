/// The Hub's `middleware.Auth(cfg.APIKey)` as the seed runbook describes it, so that a client
/// talking to `capture` behaves as it does in production: the same status and body for each
/// header. It decides the answer only; `AuthorizationClassifier` explains it.
public enum HubAuthMiddleware {
    public static let missingHeader = #"{"error":"Missing Authorization header"}"#
    public static let invalidFormat = #"{"error":"Invalid Authorization header format. Expected: Bearer <api-key>"}"#
    public static let invalidKey = #"{"error":"Invalid API key"}"#

    /// Go's `Header.Get` (the first value), `strings.HasPrefix(h, "Bearer ")`, then a
    /// constant-time comparison of the rest with the key.
    public static func answer(_ request: ListenerRequest, key: SecretValue) -> ListenerResponse {
        guard let header = request.header("Authorization"), !header.isEmpty else {
            return .json(401, missingHeader)
        }
        guard header.hasPrefix("Bearer ") else {
            return .json(401, invalidFormat)
        }
        let token = Array(header.utf8.dropFirst(7))
        return constantTimeEqual(token, key.bytes) ? .json(200, "{}") : .json(401, invalidKey)
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
