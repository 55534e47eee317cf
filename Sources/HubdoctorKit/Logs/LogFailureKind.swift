/// The groups `hubdoctor logs` sorts auth failures into: one per cause, except the agent's
/// `no_project_or_rootless`, which has its own explanation. Each says what the lines mean and
/// what to do, in the words of the seed runbook, PR and incident they come from.
public enum LogFailureKind: String, CaseIterable, Sendable {
    case callerKeyMissing, headerShape, keyDrift, keyNotFound, keyRevoked, missingCapability, noProjectOrRootless
    case forbidden, throttled, storeDown

    public var cause: Cause {
        switch self {
        case .callerKeyMissing: return .callerKeyMissing
        case .headerShape, .noProjectOrRootless: return .headerShape
        case .keyDrift: return .keyDrift
        case .keyNotFound: return .keyNotFound
        case .keyRevoked: return .keyRevoked
        case .missingCapability: return .missingCapability
        case .forbidden: return .forbiddenScope
        case .throttled: return .throttled
        case .storeDown: return .authStoreDown
        }
    }

    public var check: CheckID {
        switch self {
        case .callerKeyMissing: return .logsCallerKeyMissing
        case .headerShape: return .logsHeaderShape
        case .keyDrift: return .logsKeyDrift
        case .keyNotFound: return .logsKeyNotFound
        case .keyRevoked: return .logsKeyRevoked
        case .missingCapability: return .logsMissingCapability
        case .noProjectOrRootless: return .logsNoProjectOrRootless
        case .forbidden: return .logsForbiddenScope
        case .throttled: return .logsThrottled
        case .storeDown: return .logsAuthStoreDown
        }
    }

    public var title: String {
        switch self {
        case .callerKeyMissing: return "Every request carries an Authorization header"
        case .headerShape: return "The Authorization header has the shape `Bearer <key>`"
        case .keyDrift: return "The service accepts the key the caller sends"
        case .keyNotFound: return "The service's key store knows the caller's key"
        case .keyRevoked: return "The caller's key has not been revoked"
        case .missingCapability: return "The caller's key has the capability its route needs"
        case .noProjectOrRootless: return "Agents authenticate with a project_dir or as rootless agents"
        case .forbidden: return "Valid keys stay within their role and scope (no 403)"
        case .throttled: return "No client is throttled for failed authentication (no 429)"
        case .storeDown: return "The service's auth store is up (no 503)"
        }
    }

    /// What the lines mean: why the service refused, in one paragraph.
    public var explanation: String {
        switch self {
        case .callerKeyMissing:
            return "The service received requests with no Authorization header at all. The caller's key is empty or unset, and its HTTP client adds " +
                "the header only when the key is non-empty (Core without HIVECFM_HUB_API_KEY; in the gitea-mcp incident, routing-secrets without " +
                "GITEA_MCP_TOKEN, where the client's only trace is `mcp http 401: unauthorized`). A `mcp http 401` line alone cannot tell an empty " +
                "token from a wrong one: `hubdoctor capture` shows what the client really sends."
        case .headerShape:
            return "The caller sends an Authorization header, but not as `Bearer <key>`: the raw key, another scheme, or `bearer` in another case (the " +
                "Go middleware compares the `Bearer ` prefix exactly, although RFC 9110 makes the scheme case-insensitive)."
        case .keyDrift:
            return "The service refused the key the caller sent without saying it was missing or malformed: the caller sends a key, but not the one " +
                "the service holds. For one shared key (Core's HIVECFM_HUB_API_KEY and the Hub's API_KEY), the two files drifted (key-drift); if both " +
                "files agree, the running service holds another key than its file (key-rejected: restart it). `hubdoctor check` tells which, by fingerprint."
        case .keyNotFound:
            return "The service's key store does not know the key: it was never issued there, belongs to another environment or hub, or is stale after " +
                "keys changed (`[agent] auth fail reason=invalid_api_key` is how the agent hub logs it; `reason=not_found` and close 4001 " +
                "`api_key_not_found` for supervisors). An older hub closes 4001 without a reason for every failure: its logs cannot tell not-found, revoked and missing capability apart."
        case .keyRevoked:
            return "The service knows the key and has revoked it (`reason=revoked`, close 4001 `api_key_revoked`). A revoked key never works again: the client needs a new key."
        case .missingCapability:
            return "The key is valid and not revoked, but lacks the capability the route needs (`reason=missing_capability`, close 4001 " +
                "`missing_supervisor_capability`): a supervisor connected with a key issued without the supervisor capability."
        case .noProjectOrRootless:
            return "An agent authenticated with neither a project_dir nor rootless_sessions enabled, and the hub rejected it " +
                "(`reason=no_project_or_rootless`). Its key may be fine: the authentication message lacks what the hub needs to place the session."
        case .forbidden:
            return "The key is valid, but its role or scope does not allow the request (403): an admin-role token on an entity route, a user-role " +
                "token on a management route, or a resource outside the user's access lists (tokens inherit their user's collectionAccess and environmentAccess)."
        case .throttled:
            return "The service throttles a client IP and token after too many failed attempts (Team Hub: 10 failures in 15 minutes block for 15 " +
                "minutes) and answers 429 with Retry-After. The throttle is a consequence: the failures before it have their own cause."
        case .storeDown:
            return "The service answered 503 on a protected route: its auth or throttle store (Redis for Team Hub) is unreachable and authentication " +
                "fails closed. No key change helps until the store is back."
        }
    }

    public var remediation: [RemediationStep] {
        switch self {
        case .callerKeyMissing:
            return [RemediationStep(text: "Give the caller its key (HIVECFM_HUB_API_KEY in hivecfm-core/.env, and .env.local in native dev, equal to " +
                "the Hub's API_KEY; or the caller's token in its Secret), then restart the caller.",
                                    run: "hubdoctor check --root ."),
                    RemediationStep(text: "Prove what the client sends: point its service URL at a stand-in listener and run its request once.",
                                    run: "hubdoctor capture --listen 127.0.0.1:8090 --count 1")]
        case .headerShape:
            return [RemediationStep(text: "Make the client send exactly `Authorization: Bearer <key>` and check it by hand.",
                                    run: "curl -i -H \"Authorization: Bearer $API_KEY\" http://localhost:8090/v1/feedback-records"),
                    RemediationStep(text: "See the header each request really carries.", run: "hubdoctor capture --listen 127.0.0.1:8090 --count 1")]
        case .keyDrift:
            return [RemediationStep(text: "Compare both sides' keys by fingerprint, and the running processes' keys with their files.",
                                    run: "hubdoctor check --root ."),
                    RemediationStep(text: "Write one value on both sides, then restart both services in the same window.",
                                    run: "docker compose restart hivecfm-hub-api hivecfm-core")]
        case .keyNotFound:
            return [RemediationStep(text: "Check that the client points at the right service, then issue a new key there and give it to the client; an " +
                "agent with a stale key keeps failing until it gets the new one.")]
        case .keyRevoked:
            return [RemediationStep(text: "Issue a new key for the client and replace the revoked one wherever the client reads it (its env file or Secret), then restart the client.")]
        case .missingCapability:
            return [RemediationStep(text: "Issue the supervisor a key that carries the supervisor capability (or grant it to this key), then reconnect it.")]
        case .noProjectOrRootless:
            return [RemediationStep(text: "Start the agent with a project_dir, or enable rootless_sessions for it, so its authentication message places the session.")]
        case .forbidden:
            return [RemediationStep(text: "Give the token's user the role or access list the route needs (an admin token only for /admin/*), or use a token whose user has it.",
                                    run: "team-hub user update <user-id> --collection-access '*'")]
        case .throttled:
            return [RemediationStep(text: "Fix the failing key first: every failure extends the block. The block lifts after Retry-After, or with the next successful authentication.")]
        case .storeDown:
            return [RemediationStep(text: "Bring the auth/throttle store back (Team Hub: the Redis of server.yaml) and check that it answers.",
                                    run: "redis-cli -h 127.0.0.1 -p 6380 ping")]
        }
    }
}
