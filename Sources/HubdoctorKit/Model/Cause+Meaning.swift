extension Cause {
    /// What the cause means, as the contract defines it: the first line of `hubdoctor explain`.
    public var meaning: String {
        switch self {
        case .keyDrift: return "Both sides hold a key, and the values that their readers deliver differ."
        case .callerKeyMissing: return "The caller's key is absent or empty, so its client sends no Authorization header."
        case .serverKeyMissing: return "The service's key is absent or empty."
        case .placeholderKey: return "A key is a placeholder: changeme, <api-key>, ----------, ${VAR}, undefined, …"
        case .keyWhitespace: return "A key carries whitespace, CR, LF, a BOM or a no-break space at an end."
        case .keyQuoted: return "A key keeps literal quote characters under its reader."
        case .dialectDisagreement: return "The line that defines a key is read differently by the readers involved."
        case .sopsEncrypted: return "A source is still SOPS-encrypted and could not be decrypted."
        case .sourceUnreadable: return "A source is missing, unreadable, or does not parse."
        case .urlModeMismatch: return "The caller's service URL fits another run mode (a Docker service name in native mode, localhost inside Docker)."
        case .hubUnreachable: return "DNS, connection, timeout or TLS failure on the way to the service."
        case .healthNotPublic: return "The health endpoint demands credentials."
        case .authNotEnforced: return "A protected path answers 2xx without credentials."
        case .keyRejected: return "The service refuses the key that both sides' files agree on: its running process holds another key."
        case .headerShape: return "The caller sends the key without the Bearer scheme, or in another wrong shape."
        case .forbiddenScope: return "403: the key is valid, but its role or scope does not allow the request."
        case .throttled: return "429: too many failed attempts; Retry-After says how long."
        case .authStoreDown: return "503: the service's auth or throttle store is down and it fails closed."
        case .keyRevoked: return "The service knows the key and has revoked it."
        case .keyNotFound: return "The service's key store does not know the key."
        case .missingCapability: return "The key lacks the capability that the route needs."
        case .staleProcessEnv: return "A running process's environment differs from its files: it needs a restart."
        case .copyDrift: return "A copy of the key (the live Secret deployed from a Git file) differs from its source: a hand change or an undeployed one."
        case .oldKeyAccepted: return "After a rotation, the service still accepts the old key."
        case .cleartextBearer: return "A bearer key travels over plain HTTP to a host other than loopback."
        case .redirectDropsAuth: return "A protected path redirects to another origin, where clients drop the Authorization header."
        }
    }
}
