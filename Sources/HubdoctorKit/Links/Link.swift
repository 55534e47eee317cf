/// How the two services run: on the host (`pnpm dev`, `make run`) or as Compose containers.
public enum RunMode: String, Codable, Sendable, CaseIterable {
    case native, docker

    public var other: RunMode { self == .native ? .docker : .native }
}

/// `--mode`: a mode, or `auto` to infer it from the layout.
public enum ModeChoice: String, Sendable, CaseIterable {
    case native, docker, auto
}

public enum Role: String, Codable, Sendable {
    case caller, service
}

/// One side of a link: who it is, where its key lives, and how it is restarted.
public struct SideSpec: Sendable {
    public var role: Role
    /// Display name: "Core", "Hub", "routing".
    public var name: String
    public var key: KeySource
    /// The readers that read the key's file across run modes: if they disagree on the line that
    /// defines the key, switching modes changes the key (`dialect-disagreement`).
    public var readers: [Dialect]
    /// The running process, when known: its environment is compared with `key`.
    public var process: Int32?
    /// The variable in the process's environment that holds the key, when it is not the key
    /// source's own variable name.
    public var processVar: String?
    /// The command that restarts this side in the link's mode.
    public var restart: String?
    /// Its Docker Compose service name, when it runs under Compose (for `logs`/`exec` steps).
    public var composeService: String?
    /// `running:`: the containers that hold this side's key in their environment now.
    public var running: [HolderSpec] = []
    /// `copies:`: other stores that must hold the same value as `key` (the live Secret that a
    /// Git file is deployed as).
    public var copies: [KeySource] = []
    /// The built-in profile's own holders: looked at only when an engine answers and runs the
    /// service's containers; otherwise they say nothing (the layout may not be running here).
    public var runningIsOptional = false

    public init(role: Role, name: String, key: KeySource, readers: [Dialect] = [], process: Int32? = nil,
                processVar: String? = nil, restart: String? = nil, composeService: String? = nil) {
        self.role = role
        self.processVar = processVar
        self.name = name
        self.key = key
        self.readers = readers
        self.process = process
        self.restart = restart
        self.composeService = composeService
    }
}

/// A `running:` entry: where running code holds a side's key in its environment.
public enum HolderSpec: Sendable, Equatable, CustomStringConvertible {
    /// `{docker: {container: NAME, var: VAR}}`: one container, by name or id.
    case dockerContainer(name: String, `var`: String)
    /// `{docker: {service: NAME, var: VAR}}`: every container of a Compose service.
    case dockerService(service: String, `var`: String)
    /// `{kube: {deployment|statefulset|daemonset|pod|selector, container, var, namespace, context}}`:
    /// every pod of a workload.
    case kube(KubeHolderSpec)

    public var variableName: String {
        switch self {
        case .dockerContainer(_, let v), .dockerService(_, let v): return v
        case .kube(let k): return k.variable
        }
    }

    public var description: String {
        switch self {
        case .dockerContainer(let name, _): return "Docker container \(name)"
        case .dockerService(let service, _): return "Compose service \(service)"
        case .kube(let k): return k.description
        }
    }

    var isDocker: Bool {
        if case .kube = self { return false }
        return true
    }
}

/// A `running:` entry in a cluster: the pods of a workload, and the container and variable to
/// look at in each.
public struct KubeHolderSpec: Sendable, Equatable, CustomStringConvertible {
    public enum Target: Sendable, Equatable {
        case deployment(String), statefulset(String), daemonset(String), pod(String), selector(String)

        /// The kubectl resource name: `deployment`, …, `pod`, and `pods` for a selector.
        var resource: String {
            switch self {
            case .deployment: return "deployment"
            case .statefulset: return "statefulset"
            case .daemonset: return "daemonset"
            case .pod: return "pod"
            case .selector: return "pods"
            }
        }

        /// `deployment/routing`, `pod/routing-abc`, `pods -l app=routing`.
        public var reference: String {
            switch self {
            case .deployment(let n), .statefulset(let n), .daemonset(let n), .pod(let n): return "\(resource)/\(n)"
            case .selector(let s): return "pods -l \(s)"
            }
        }
    }

    public var target: Target
    /// The container to look at; nil: every container of the pod that takes `variable`.
    public var container: String?
    public var variable: String
    public var scope: KubeScope

    public init(target: Target, container: String? = nil, variable: String, scope: KubeScope = KubeScope()) {
        self.target = target
        self.container = container
        self.variable = variable
        self.scope = scope
    }

    /// `kubectl --context prod -n routing rollout restart deployment/routing`: what gives the
    /// workload's pods a changed Secret (nil for a bare pod or a selector).
    public var restartCommand: String? {
        switch target {
        case .deployment, .statefulset, .daemonset: return "\(scope.command) rollout restart \(target.reference)"
        case .pod, .selector: return nil
        }
    }

    /// A name that a shell inside the container can expand (`$VAR`): the only kind of name that
    /// may go into the script `kubectl exec` runs.
    public static func isShellName(_ name: String) -> Bool {
        guard let first = name.first, first == "_" || first.isASCII && first.isLetter else { return false }
        return name.allSatisfy { $0 == "_" || $0.isASCII && ($0.isLetter || $0.isNumber) }
    }

    public var description: String {
        var text = target.reference
        if let ns = scope.namespace { text += " in namespace \(ns)" }
        if let c = scope.context { text += " (context \(c))" }
        return text
    }
}

/// The probes to run against a service.
public struct ProbePaths: Sendable, Equatable {
    public var health: String?
    public var protected: [String]
    /// An endpoint that describes the token (Team Hub's `/auth/session`). Without one, it is
    /// still tried when the key has Team Hub's `hbk_` format.
    public var session: String?
    /// A WebSocket endpoint that authenticates the caller's key (seed 001's agents and supervisors).
    public var websocket: WebSocketProbeSpec?

    public init(health: String? = "/health", protected: [String] = [], session: String? = nil, websocket: WebSocketProbeSpec? = nil) {
        self.health = health
        self.protected = protected
        self.session = session
        self.websocket = websocket
    }
}

/// `probes.websocket`: where the WebSocket is and how the caller presents its key there.
public struct WebSocketProbeSpec: Sendable, Equatable {
    /// A path on the service's URL (`/ws/agent`: http becomes ws, https wss), or a whole
    /// `ws://`/`wss://` URL.
    public var path: String
    public var auth: WebSocketAuth

    public init(path: String, auth: WebSocketAuth) {
        self.path = path
        self.auth = auth
    }

    /// The WebSocket URL for a service at `base`.
    public func url(base: String) -> String {
        let lower = path.lowercased()
        if lower.hasPrefix("ws://") || lower.hasPrefix("wss://") { return path }
        var b = base.trimmingSuffix("/")
        if b.lowercased().hasPrefix("https://") {
            b = "wss://" + b.dropFirst("https://".count)
        } else if b.lowercased().hasPrefix("http://") {
            b = "ws://" + b.dropFirst("http://".count)
        }
        return b + (path.hasPrefix("/") ? path : "/" + path)
    }
}

/// A caller→service link: two sides that must hold the same key, and the URL the caller uses.
public struct LinkSpec: Sendable {
    public var name: String
    public var caller: SideSpec
    public var service: SideSpec
    /// Where the caller's service URL comes from.
    public var url: KeySource?
    /// The address the service side itself declares it is served at (`service.url:`). The
    /// service's own key is sent only there, or to loopback: the caller's URL may name anything.
    public var serviceURL: KeySource?
    public var probes: ProbePaths
    /// The mode this link was read in (nil for config links, which have one reading).
    public var mode: RunMode?
    public var modeReason: String?
    /// The URL the caller should use in this mode, when the profile knows it.
    public var expectedURL: String?
    /// Host names that only resolve inside the Compose network.
    public var composeHosts: Set<String>
    /// One command that restarts both sides together (the runbook asks for one window).
    public var restartBoth: String?

    public init(name: String, caller: SideSpec, service: SideSpec, url: KeySource? = nil, serviceURL: KeySource? = nil, probes: ProbePaths = ProbePaths(),
                mode: RunMode? = nil, modeReason: String? = nil, expectedURL: String? = nil, composeHosts: Set<String> = [],
                restartBoth: String? = nil) {
        self.name = name
        self.caller = caller
        self.service = service
        self.url = url
        self.serviceURL = serviceURL
        self.probes = probes
        self.mode = mode
        self.modeReason = modeReason
        self.expectedURL = expectedURL
        self.composeHosts = composeHosts
        self.restartBoth = restartBoth
    }
}

extension LinkSpec {
    /// The one command (or instruction) that restarts both sides: the runbook asks for one window.
    public var restartCommand: String? {
        if let restartBoth { return restartBoth }
        let each = [service.restart, caller.restart].compactMap { $0 }
        return each.isEmpty ? nil : each.joined(separator: "; ")
    }
}
