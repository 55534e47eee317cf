/// The stable check ids: what `--only`/`--skip`, suppressions, JUnit test names, SARIF rules and
/// Prometheus labels are keyed on. This enum is the one list of them (the source of
/// `hubdoctor checks`); code compares these cases, never the strings.
public enum CheckID: String, Codable, CaseIterable, Sendable, Comparable, CustomStringConvertible {
    case sourceCaller = "source.caller"
    case sourceService = "source.service"
    case keysCallerPresent = "keys.caller.present"
    case keysServicePresent = "keys.service.present"
    case keysCallerFormat = "keys.caller.format"
    case keysServiceFormat = "keys.service.format"
    case keysMatch = "keys.match"
    case keysDialect = "keys.dialect"
    case modeCompare = "mode.compare"
    case urlMode = "url.mode"
    case urlTransport = "url.transport"
    case processCaller = "process.caller"
    case processService = "process.service"
    case holdersCaller = "holders.caller"
    case holdersService = "holders.service"
    case copiesCaller = "copies.caller"
    case copiesService = "copies.service"
    case probeReach = "probe.reach"
    case probeHealth = "probe.health"
    case probeNoAuth = "probe.no-auth"
    case probeKey = "probe.key"
    case probeServiceKey = "probe.service-key"
    case probeShape = "probe.shape"
    case probeWrongKey = "probe.wrong-key"
    case probeSession = "probe.session"
    case probeRedirect = "probe.redirect"
    case probeWebsocket = "probe.websocket"
    case probeWebsocketWrongKey = "probe.websocket.wrong-key"
    case captureRequest = "capture.request"
    case captureUnlisted = "capture.unlisted"
    case captureMalformed = "capture.malformed"
    case captureNone = "capture.none"
    case logsScan = "logs.scan"
    case logsCallerKeyMissing = "logs.caller-key-missing"
    case logsHeaderShape = "logs.header-shape"
    case logsKeyDrift = "logs.key-drift"
    case logsKeyNotFound = "logs.key-not-found"
    case logsKeyRevoked = "logs.key-revoked"
    case logsMissingCapability = "logs.missing-capability"
    case logsNoProjectOrRootless = "logs.no-project-or-rootless"
    case logsForbiddenScope = "logs.forbidden-scope"
    case logsThrottled = "logs.throttled"
    case logsAuthStoreDown = "logs.auth-store-down"
    case rotationFiles = "rotation.files"
    case rotationReach = "rotation.reach"
    case rotationNewKey = "rotation.new-key"
    case rotationOldKey = "rotation.old-key"
    case rotationConsistent = "rotation.consistent"
    case runbookLoad = "runbook.load"

    public var description: String { rawValue }
    public static func < (lhs: CheckID, rhs: CheckID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The area a check belongs to (the part before the first dot): text output groups by it,
    /// and `--only keys` selects it.
    public var area: String { String(rawValue.prefix { $0 != "." }) }

    /// Does `pattern` (a check id or an area, as `--only`/`--skip`/suppressions take them) select
    /// this check?
    public func isSelected(by pattern: String) -> Bool {
        rawValue == pattern || rawValue.hasPrefix(pattern + ".")
    }

    /// Patterns that select no check at all: a typo that would otherwise turn a CI gate green.
    public static func unknownPatterns(_ patterns: [String]) -> [String] {
        patterns.filter { p in !allCases.contains { $0.isSelected(by: p) } }
    }

    /// Why `--only`/`--skip` cannot be used as given, naming the known ids; nil when every
    /// pattern selects at least one check.
    public static func selectionProblem(only: [String], skip: [String]) -> String? {
        var parts: [String] = []
        let badOnly = unknownPatterns(only), badSkip = unknownPatterns(skip)
        if !badOnly.isEmpty { parts.append("--only " + badOnly.joined(separator: ", ")) }
        if !badSkip.isEmpty { parts.append("--skip " + badSkip.joined(separator: ", ")) }
        guard !parts.isEmpty else { return nil }
        let areas = allCases.map(\.area).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        return "no check matches " + parts.joined(separator: "; ") + ". Known areas: " + areas.joined(separator: ", ")
            + ". Known check ids: " + allCases.map(\.rawValue).joined(separator: ", ") + " (`hubdoctor checks` lists them)."
    }

    public static func source(_ role: Role) -> CheckID { role == .caller ? .sourceCaller : .sourceService }
    public static func present(_ role: Role) -> CheckID { role == .caller ? .keysCallerPresent : .keysServicePresent }
    public static func format(_ role: Role) -> CheckID { role == .caller ? .keysCallerFormat : .keysServiceFormat }
    public static func process(_ role: Role) -> CheckID { role == .caller ? .processCaller : .processService }
    public static func holders(_ role: Role) -> CheckID { role == .caller ? .holdersCaller : .holdersService }
    public static func copies(_ role: Role) -> CheckID { role == .caller ? .copiesCaller : .copiesService }

    /// The side of the link a check is about, where it is about one.
    public var role: Role? {
        switch self {
        case .sourceCaller, .keysCallerPresent, .keysCallerFormat, .processCaller, .holdersCaller, .copiesCaller: return .caller
        case .sourceService, .keysServicePresent, .keysServiceFormat, .processService, .holdersService, .copiesService: return .service
        default: return nil
        }
    }
}

/// What `hubdoctor checks` says of one check: what it asserts, the causes it can report, and
/// where each is explained.
public struct CheckInfo: Sendable, Codable, Equatable {
    public var id: CheckID
    /// The healthy state the check asserts.
    public var title: String
    /// The commands that report it.
    public var commands: [String]
    public var causes: [Cause]
    /// The runbooks that explain its causes, in the order of `causes`, without repeats.
    public var runbooks: [String]

    /// `runbook`: the one the check itself chooses for its causes, before the causes' defaults.
    init(_ id: CheckID, _ title: String, _ commands: [String], _ causes: [Cause], runbook: String? = nil, for chosen: Set<Cause> = []) {
        self.id = id
        self.title = title
        self.commands = commands
        self.causes = causes
        var seen: [String] = []
        for c in causes {
            let r = chosen.contains(c) ? (runbook ?? c.defaultRunbook) : c.defaultRunbook
            if !seen.contains(r) { seen.append(r) }
        }
        self.runbooks = seen
    }
}

extension CheckID {
    /// `holders.caller` / `holders.service`: what each running container holds.
    var holdersInfo: CheckInfo {
        let side = self == .holdersCaller ? "caller" : "service"
        return CheckInfo(self, "Every running container and pod of the \(side) holds the key a restart would give it", ["check"], [.staleProcessEnv, .sourceUnreadable])
    }

    /// Every probe answer can also be a throttle, a store that is down, or a server that fails.
    private static let serviceTrouble: [Cause] = [.hubUnreachable, .throttled, .authStoreDown]

    public var info: CheckInfo {
        let check = ["check"]
        switch self {
        case .sourceCaller: return CheckInfo(self, "The caller's key source can be read", check, [.sourceUnreadable, .sopsEncrypted])
        case .sourceService: return CheckInfo(self, "The service's key source can be read", check, [.sourceUnreadable, .sopsEncrypted])
        case .keysCallerPresent: return CheckInfo(self, "The caller's key is set", check, [.callerKeyMissing])
        case .keysServicePresent: return CheckInfo(self, "The service's key is set", check, [.serverKeyMissing])
        case .keysCallerFormat: return CheckInfo(self, "The caller's key looks like a real key", check, [.placeholderKey, .keyQuoted, .keyWhitespace])
        case .keysServiceFormat: return CheckInfo(self, "The service's key looks like a real key", check, [.placeholderKey, .keyQuoted, .keyWhitespace])
        case .keysMatch: return CheckInfo(self, "The caller's key matches the service's key", check, [.keyDrift])
        case .keysDialect: return CheckInfo(self, "Every reader of the key's files delivers the same key", check, [.dialectDisagreement])
        case .modeCompare: return CheckInfo(self, "Native and Docker modes read the keys alike", check, [.keyDrift, .callerKeyMissing, .serverKeyMissing, .dialectDisagreement])
        case .urlMode: return CheckInfo(self, "The caller's service URL fits the run mode", check, [.urlModeMismatch, .hubUnreachable])
        case .urlTransport: return CheckInfo(self, "The key does not travel in clear text", check, [.cleartextBearer])
        case .processCaller: return CheckInfo(self, "The caller's running process holds the key its files hold", check, [.staleProcessEnv, .sourceUnreadable])
        case .processService: return CheckInfo(self, "The service's running process holds the key its files hold", check, [.staleProcessEnv, .sourceUnreadable])
        case .holdersCaller, .holdersService: return holdersInfo
        case .copiesCaller: return CheckInfo(self, "Every copy of the caller's key (a live Secret) holds the key's value", check, [.copyDrift, .sourceUnreadable])
        case .copiesService: return CheckInfo(self, "Every copy of the service's key (a live Secret) holds the key's value", check, [.copyDrift, .sourceUnreadable])
        case .probeReach: return CheckInfo(self, "The service can be reached (DNS, TCP, TLS)", check + ["probe"], [.hubUnreachable])
        case .probeHealth: return CheckInfo(self, "The health endpoint answers 200 without credentials", check + ["probe"], [.healthNotPublic] + Self.serviceTrouble)
        case .probeNoAuth: return CheckInfo(self, "Protected paths refuse a request without credentials", check + ["probe"], [.authNotEnforced] + Self.serviceTrouble)
        case .probeKey: return CheckInfo(self, "The service accepts the caller's key", check + ["probe"],
                                         [.keyDrift, .keyRejected, .headerShape, .forbiddenScope, .missingCapability, .keyRevoked, .keyNotFound]
                                            + Self.serviceTrouble)
        case .probeServiceKey: return CheckInfo(self, "The running service holds its own file's key", check, [.keyRejected] + Self.serviceTrouble)
        case .probeShape: return CheckInfo(self, "The service refuses a key sent without `Bearer `", check + ["probe"], [.authNotEnforced] + Self.serviceTrouble)
        case .probeWrongKey: return CheckInfo(self, "The service refuses a key it cannot know", check + ["probe"], [.authNotEnforced] + Self.serviceTrouble)
        case .probeSession: return CheckInfo(self, "The key's account may use the data API", check + ["probe"], [.forbiddenScope])
        case .probeRedirect: return CheckInfo(self, "No protected path redirects to another origin, or in a loop", check + ["probe"], [.redirectDropsAuth, .hubUnreachable])
        case .probeWebsocket:
            let own: [Cause] = [.keyNotFound, .keyRevoked, .missingCapability, .keyRejected, .keyDrift, .headerShape]
            return CheckInfo(self, "The service's WebSocket accepts the caller's key", check + ["probe"], own + [.forbiddenScope] + Self.serviceTrouble,
                             runbook: WebSocketClassifier.runbook, for: WebSocketClassifier.ownCauses)
        case .probeWebsocketWrongKey: return CheckInfo(self, "The service's WebSocket refuses a key it cannot know", check + ["probe"], [.authNotEnforced] + Self.serviceTrouble)
        case .captureRequest: return CheckInfo(self, "A captured request carries the expected key as `Bearer <key>`", ["capture"],
                                               [.callerKeyMissing, .placeholderKey, .headerShape, .keyWhitespace, .keyQuoted, .keyDrift])
        case .captureUnlisted: return CheckInfo(self, "Requests beyond the listed ones carry the expected key", ["capture"],
                                                [.callerKeyMissing, .placeholderKey, .headerShape, .keyWhitespace, .keyQuoted, .keyDrift])
        case .captureMalformed: return CheckInfo(self, "Every connection sends a well-formed HTTP request", ["capture"], [.hubUnreachable])
        case .captureNone: return CheckInfo(self, "A caller reaches the listener", ["capture"], [.hubUnreachable])
        case .logsScan: return CheckInfo(self, "No auth failure in the logs", ["logs"], [])
        case .logsCallerKeyMissing: return CheckInfo(self, "Every request carries an Authorization header", ["logs"], [.callerKeyMissing])
        case .logsHeaderShape: return CheckInfo(self, "The Authorization header has the shape `Bearer <key>`", ["logs"], [.headerShape])
        case .logsKeyDrift: return CheckInfo(self, "The service accepts the key the caller sends", ["logs"], [.keyDrift])
        case .logsKeyNotFound: return CheckInfo(self, "The service's key store knows the caller's key", ["logs"], [.keyNotFound])
        case .logsKeyRevoked: return CheckInfo(self, "The caller's key has not been revoked", ["logs"], [.keyRevoked])
        case .logsMissingCapability: return CheckInfo(self, "The caller's key has the capability its route needs", ["logs"], [.missingCapability])
        case .logsNoProjectOrRootless: return CheckInfo(self, "Agents authenticate with a project_dir or as rootless agents", ["logs"], [.headerShape])
        case .logsForbiddenScope: return CheckInfo(self, "Valid keys stay within their role and scope (no 403)", ["logs"], [.forbiddenScope])
        case .logsThrottled: return CheckInfo(self, "No client is throttled for failed authentication (no 429)", ["logs"], [.throttled])
        case .logsAuthStoreDown: return CheckInfo(self, "The service's auth store is up (no 503)", ["logs"], [.authStoreDown])
        case .rotationFiles: return CheckInfo(self, "The files hold the new key on both sides", ["verify-rotation"], [.serverKeyMissing])
        case .rotationReach: return CheckInfo(self, "The service can be reached after the restarts", ["verify-rotation"], [.hubUnreachable])
        case .rotationNewKey: return CheckInfo(self, "The service accepts the new key", ["verify-rotation"], [.keyRejected] + Self.serviceTrouble)
        case .rotationOldKey: return CheckInfo(self, "The service refuses the old key", ["verify-rotation"], [.oldKeyAccepted, .throttled])
        case .rotationConsistent: return CheckInfo(self, "The rotation is consistent", ["verify-rotation"], [])
        case .runbookLoad: return CheckInfo(self, "Every runbook loads", ["check", "runbook"], [.sourceUnreadable])
        }
    }
}
