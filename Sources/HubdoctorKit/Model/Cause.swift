/// The stable cause ids of the contract. Scripts match on the raw values: never rename one.
public enum Cause: String, Codable, CaseIterable, Sendable, Comparable {
    case keyDrift = "key-drift"
    case callerKeyMissing = "caller-key-missing"
    case serverKeyMissing = "server-key-missing"
    case placeholderKey = "placeholder-key"
    case keyWhitespace = "key-whitespace"
    case keyQuoted = "key-quoted"
    case dialectDisagreement = "dialect-disagreement"
    case sopsEncrypted = "sops-encrypted"
    case sourceUnreadable = "source-unreadable"
    case urlModeMismatch = "url-mode-mismatch"
    case hubUnreachable = "hub-unreachable"
    case healthNotPublic = "health-not-public"
    case authNotEnforced = "auth-not-enforced"
    case keyRejected = "key-rejected"
    case headerShape = "header-shape"
    case forbiddenScope = "forbidden-scope"
    case throttled = "throttled"
    case authStoreDown = "auth-store-down"
    case keyRevoked = "key-revoked"
    case keyNotFound = "key-not-found"
    case missingCapability = "missing-capability"
    case staleProcessEnv = "stale-process-env"
    case oldKeyAccepted = "old-key-accepted"
    case cleartextBearer = "cleartext-bearer"
    case redirectDropsAuth = "redirect-drops-auth"
    case copyDrift = "copy-drift"

    public static func < (lhs: Cause, rhs: Cause) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The built-in runbook that explains this cause. Operators may override the runbook by id.
    public var defaultRunbook: String {
        switch self {
        case .keyDrift, .callerKeyMissing, .serverKeyMissing, .headerShape, .urlModeMismatch:
            return "hub-401"
        case .placeholderKey, .keyWhitespace, .keyQuoted, .dialectDisagreement:
            return "key-format"
        case .sopsEncrypted, .sourceUnreadable, .copyDrift:
            return "config-sources"
        case .staleProcessEnv:
            return "stale-process-env"
        case .hubUnreachable, .cleartextBearer, .redirectDropsAuth:
            return "service-reachability"
        case .healthNotPublic, .authNotEnforced, .keyRejected:
            return "service-auth"
        case .forbiddenScope, .throttled, .authStoreDown:
            return "team-hub-auth"
        case .keyRevoked, .keyNotFound, .missingCapability:
            return "supervisor-auth"
        case .oldKeyAccepted:
            return "key-rotation"
        }
    }
}
