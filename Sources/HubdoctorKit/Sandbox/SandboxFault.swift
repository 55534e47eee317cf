/// Ways the sandbox Hub can misbehave, each one a situation from the runbooks.
public enum SandboxFault: String, CaseIterable, Sendable {
    /// `/v1/*` answers 429 with `Retry-After`, as Team Hub does once a client is blocked.
    case throttled
    /// `/v1/*` answers 503: the auth/throttle store is down and the service fails closed.
    case authStoreDown = "auth-store-down"
    /// `/v1/*` answers 200 to anyone: the auth middleware is not mounted.
    case authNotEnforced = "auth-not-enforced"
    /// `/health` goes through the auth middleware too.
    case healthBehindAuth = "health-behind-auth"
    /// Every answer waits `delayMs` first.
    case slow
    /// No answer, ever: connections are accepted and left hanging.
    case hanging
    /// No connection, ever: the port drops connection attempts like a firewall (Linux).
    case blackhole
    /// `/v1/*` redirects to another origin (`redirectTo`), where clients drop `Authorization`.
    case redirect
    /// The key is valid but its account may not use `/v1/*` (403, a Team Hub admin token).
    case forbidden
    /// The key is known but revoked (401 with an RFC 6750 `invalid_token` challenge).
    case revoked
    /// The WebSocket endpoints accept the upgrade and then never send a frame nor close.
    case wsSilent = "ws-silent"
    /// `/v1/*` refuses every credential with 401 and echoes it back in every way services are
    /// seen to: a prefix, base64 (standard and URL-safe), percent-encoded, `\u`-escaped in JSON,
    /// as XML character references, in `Retry-After` and in the challenge.
    case echoKey = "echo-key"
    /// Every path, `/health` too, redirects to itself with a slash added or removed, and back:
    /// a loop no client gets out of.
    case redirectLoop = "redirect-loop"

    public var summary: String {
        switch self {
        case .throttled: return "/v1/* answers 429 with Retry-After"
        case .authStoreDown: return "/v1/* answers 503: the auth store is down"
        case .authNotEnforced: return "/v1/* answers 200 without credentials"
        case .healthBehindAuth: return "/health demands the key too"
        case .slow: return "every answer is delayed by --delay-ms"
        case .hanging: return "connections are accepted and never answered"
        case .blackhole: return "connection attempts are dropped, as by a firewall; Linux only"
        case .redirect: return "/v1/* redirects to another origin, --redirect-to"
        case .forbidden: return "a valid key gets 403: its account may not use /v1/*"
        case .revoked: return "a valid key gets 401: the key was revoked"
        case .wsSilent: return "/ws/* accepts the upgrade, then never sends a frame nor closes"
        case .echoKey: return "/v1/* answers 401 and echoes the credential it got, plain, as a prefix, base64, percent-encoded, JSON- and XML-escaped, in Retry-After"
        case .redirectLoop: return "every path redirects to itself with a trailing slash added or removed: a redirect loop"
        }
    }
}
