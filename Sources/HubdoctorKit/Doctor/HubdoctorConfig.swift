import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Yams

/// A `hubdoctor.yaml` (version 1): links, each a caller and a service with their key sources.
///
/// Paths in the file are relative to the folder that holds it (like Compose and kustomize), so
/// the same config works from any working directory; an optional top-level `root:` moves that
/// base (itself relative to the config's folder). `-` means standard input. A config without
/// `links:` keeps the built-in HiveCFM profile (it may carry only `suppressions:`). Every mistake
/// is a `HubdoctorError` that names `file:line:col`.
public struct HubdoctorConfig: Sendable {
    public var path: String
    /// The folder that relative paths in the config are resolved against; nil for a config
    /// without links or `root:` (only suppressions), where `--root` and the built-in profile apply.
    public var root: String?
    /// Empty when the config only carries suppressions for the built-in profile.
    public var links: [LinkSpec]
    /// Findings the team lives with for a while, each with a reason and an expiry date.
    public var suppressions: [Suppression] = []

    /// The name a config read from standard input goes by in messages.
    public static let standardInputName = "<stdin>"

    public static func load(path: String) throws -> HubdoctorConfig {
        let cwd = FileManager.default.currentDirectoryPath
        let fromStdin = path == "-"
        let display = fromStdin ? standardInputName : path
        // A config on standard input has no folder of its own: its relative paths are resolved
        // against the working directory, as a shell user typing them would expect.
        let absolute = fromStdin ? URL(fileURLWithPath: cwd).appendingPathComponent(standardInputName).path
            : URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: cwd)).standardizedFileURL.path
        let bytes: [UInt8]
        if fromStdin {
            switch StandardInput.config {
            case .failure(let refusal): throw HubdoctorError(.config, "cannot read the config from standard input: \(refusal.reason)", location: display)
            case .success(let b): bytes = b
            }
            if let at = bytes.firstIndex(of: 0) {
                let line = bytes[..<at].reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
                throw HubdoctorError(.config, "the config is a binary file (a NUL byte at byte \(at + 1))", location: "\(display):\(line)")
            }
        } else {
            switch SourceFile.read(absolute, display: path) {
            case .failure(let problem):
                let at = problem.origin.line.map { "\(path):\($0)" } ?? path
                throw HubdoctorError(.config, "cannot read the config: \(problem.reason)", location: at)
            case .success(let b): bytes = b
            }
        }
        let docs: [Node]
        switch YAMLDocuments.parse(bytes) {
        case .failure(let f): throw HubdoctorError(.config, "the config: \(f.reason)", location: "\(display):\(f.line):\(f.column)")
        case .success(let d): docs = d.nodes
        }
        let reader = ConfigReader(display: display, folder: URL(fileURLWithPath: absolute).deletingLastPathComponent().path)
        guard docs.count == 1, let top = docs.first else {
            throw reader.error(docs.count > 1 ? docs[1] : nil, docs.isEmpty ? "the config is empty: it needs `version: 1` and `links:`" : "the config must be one YAML document, not \(docs.count)")
        }
        return try reader.config(top, path: absolute)
    }
}

/// Standard input, read once and bounded like a config file: a run may load `--config -` more
/// than once (each `--wait` round, both modes), and standard input can be read only once.
enum StandardInput {
    static let config: Result<[UInt8], ReadRefusal> = read(limit: SourceFile.maxBytes)

    static func read(limit: Int) -> Result<[UInt8], ReadRefusal> {
        if isatty(0) == 1 {
            return .failure(ReadRefusal(reason: "it is a terminal; pipe the config in (`hubdoctor check --config - < hubdoctor.yaml`)"))
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(0, $0.baseAddress, $0.count) }
            if n == 0 { return .success(bytes) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(ReadRefusal(reason: String(cString: strerror(errno))))
            }
            bytes += chunk[..<n]
            if bytes.count > limit { return .failure(ReadRefusal(reason: "is larger than \(limit >> 10) KiB")) }
        }
    }
}

/// Reads the config's node tree strictly: an unknown key is an error (a typo must not silently
/// drop a check), and every error points at the node it is about.
struct ConfigReader {
    let display: String
    let folder: String

    /// `node`'s child `key`, which the caller already knows is there (it chose the source kind by it).
    func required(_ node: Node, _ key: String, _ what: String) throws -> Node {
        guard let child = node.child(key) else { throw error(node, "\(what) needs `\(key):`") }
        return child
    }

    func error(_ node: Node?, _ message: String) -> HubdoctorError {
        guard let mark = node?.mark else { return HubdoctorError(.config, message, location: display) }
        return HubdoctorError(.config, message, location: "\(display):\(mark.line):\(mark.column)")
    }

    func mapping(_ node: Node, _ what: String, allowed: [String]) throws -> Node {
        guard case .mapping(let m) = node else { throw error(node, "\(what) must be a mapping, not \(node.kindName)") }
        for pair in m {
            guard let key = pair.key.text else { throw error(pair.key, "\(what) has a key that is not a string") }
            if !allowed.contains(key) {
                throw error(pair.key, "unknown key `\(key)` in \(what) (expected one of: \(allowed.joined(separator: ", ")))")
            }
        }
        return node
    }

    func string(_ node: Node, _ what: String) throws -> String {
        guard case .scalar = node, !node.isNull, let text = node.text, !text.isEmpty else {
            throw error(node, "\(what) must be a non-empty string, not \(node.isNull ? "empty" : node.kindName)")
        }
        return text
    }

    func config(_ top: Node, path: String) throws -> HubdoctorConfig {
        let top = try mapping(top, "the config", allowed: ["version", "root", "links", "suppressions"])
        let suppressions = try top.child("suppressions").map { try Suppression.parse($0, display: display) } ?? []
        guard let version = top.child("version") else { throw error(top, "the config needs `version: 1`") }
        guard version.text == "1" else { throw error(version, "unsupported config version `\(version.text ?? version.kindName)`: this hubdoctor reads version 1") }
        var base = folder
        if let rootNode = top.child("root") {
            base = absolute(try string(rootNode, "root"), from: folder)
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: base, isDirectory: &isDir), isDir.boolValue else {
                throw error(rootNode, "root \(base) is not a directory")
            }
        }
        guard let linksNode = top.child("links") else {
            return HubdoctorConfig(path: path, root: top.child("root") == nil ? nil : base, links: [], suppressions: suppressions)
        }
        guard case .sequence(let items) = linksNode, !items.isEmpty else {
            throw error(linksNode, "links must be a non-empty list")
        }
        var links: [LinkSpec] = []
        for (index, item) in items.enumerated() {
            let link = try self.link(item, index: index + 1, base: base)
            if links.contains(where: { $0.name == link.name }) {
                throw error(item.child("name") ?? item, "two links are named \(link.name); names must be unique (findings carry them)")
            }
            links.append(link)
        }
        return HubdoctorConfig(path: path, root: base, links: links, suppressions: suppressions)
    }

    func link(_ node: Node, index: Int, base: String) throws -> LinkSpec {
        let node = try mapping(node, "link \(index)", allowed: ["name", "caller", "service", "probes", "restart"])
        let name = try node.child("name").map { try string($0, "name") } ?? "link-\(index)"
        if let nameNode = node.child("name"), !name.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0) }) {
            throw error(nameNode, "link name `\(name)` may only hold letters, digits, `-`, `_` and `.`")
        }
        let halves = name.components(separatedBy: "-to-")
        let defaults = halves.count == 2 ? (halves[0], halves[1]) : ("caller", "service")
        guard let callerNode = node.child("caller") else { throw error(node, "link \(name) needs a `caller:`") }
        guard let serviceNode = node.child("service") else { throw error(node, "link \(name) needs a `service:`") }
        let (caller, url) = try side(callerNode, role: .caller, defaultName: defaults.0, base: base)
        let (service, serviceURL) = try side(serviceNode, role: .service, defaultName: defaults.1, base: base)
        var probes = ProbePaths(health: "/health", protected: [])
        if let p = node.child("probes") {
            let p = try mapping(p, "probes", allowed: ["health", "protected", "websocket"])
            if let h = p.child("health") { probes.health = h.isNull ? nil : try urlPath(h, "probes.health") }
            if let list = p.child("protected") {
                switch list {
                case .sequence(let paths): probes.protected = try paths.map { try urlPath($0, "probes.protected") }
                case .scalar: probes.protected = [try urlPath(list, "probes.protected")]
                default: throw error(list, "probes.protected must be a list of paths")
                }
            }
            if let w = p.child("websocket") { probes.websocket = try webSocket(w) }
        }
        let restart = try node.child("restart").map { try string($0, "restart") }
        return LinkSpec(name: name, caller: caller, service: service, url: url, serviceURL: serviceURL, probes: probes, restartBoth: restart)
    }

    /// `probes.websocket: {path: /ws/agent, auth: {message: '…{{key}}…'} | {header: Authorization} | {query: token}}`.
    func webSocket(_ node: Node) throws -> WebSocketProbeSpec {
        let n = try mapping(node, "probes.websocket", allowed: ["path", "auth"])
        guard let pathNode = n.child("path") else { throw error(n, "probes.websocket needs `path:` (/ws/agent, or a whole ws:// URL)") }
        let path = try string(pathNode, "probes.websocket.path")
        let lower = path.lowercased()
        guard path.hasPrefix("/") || lower.hasPrefix("ws://") || lower.hasPrefix("wss://") else {
            throw error(pathNode, "probes.websocket.path must be a path that starts with `/`, or a ws:// or wss:// URL")
        }
        guard let authNode = n.child("auth") else {
            throw error(n, "probes.websocket needs `auth:`: {message: TEMPLATE with {{key}}}, {header: Authorization} or {query: NAME}")
        }
        let a = try mapping(authNode, "probes.websocket.auth", allowed: ["message", "header", "query"])
        let given = ["message", "header", "query"].compactMap { name in a.child(name).map { (name, $0) } }
        guard given.count == 1, let (kind, value) = given.first else {
            throw error(a, "probes.websocket.auth must name one way: message, header or query")
        }
        switch kind {
        case "message":
            let template = try string(value, "probes.websocket.auth.message")
            guard template.contains(WebSocketAuth.placeholder) else {
                throw error(value, "probes.websocket.auth.message must hold {{key}} where the key goes (the key itself is never written in the config)")
            }
            return WebSocketProbeSpec(path: path, auth: .message(template: template))
        case "header":
            let name = try string(value, "probes.websocket.auth.header")
            guard name.caseInsensitiveCompare("Authorization") == .orderedSame else {
                throw error(value, "probes.websocket.auth.header: only `Authorization` (with the Bearer scheme) is supported")
            }
            return WebSocketProbeSpec(path: path, auth: .header)
        default:
            return WebSocketProbeSpec(path: path, auth: .query(name: try string(value, "probes.websocket.auth.query")))
        }
    }

    func urlPath(_ node: Node, _ what: String) throws -> String {
        let text = try string(node, what)
        guard text.hasPrefix("/") else { throw error(node, "\(what) must be a path that starts with `/`") }
        return text
    }

    func side(_ node: Node, role: Role, defaultName: String, base: String) throws -> (SideSpec, KeySource?) {
        let what = role.rawValue
        let node = try mapping(node, what, allowed: ["name", "key", "url", "process", "restart", "running", "copies"])
        guard let keyNode = node.child("key") else {
            // A service that keeps its keys in a database: nothing to read, the probes judge.
            guard role == .service else { throw error(node, "\(what) needs a `key:` source") }
            if let p = node.child("process") { throw error(p, "service.process compares the process with `key:`; give a `key:` or drop `process:`") }
            if let r = node.child("running") { throw error(r, "service.running compares what runs with `key:`; give a `key:` or drop `running:`") }
            if let c = node.child("copies") { throw error(c, "service.copies compares copies with `key:`; give a `key:` or drop `copies:`") }
            var side = SideSpec(role: role, name: try node.child("name").map { try string($0, "\(what).name") } ?? defaultName, key: .keyStore)
            side.restart = try node.child("restart").map { try string($0, "\(what).restart") }
            if let u = node.child("url") {
                return (side, u.scalar != nil ? .literal(try string(u, "\(what).url")) : try source(u, "\(what).url", base: base))
            }
            return (side, nil)
        }
        if case .scalar = keyNode {
            throw error(keyNode, "\(what).key must say where the key is kept ({env: …}, {yaml: …}, {process: …} or {environment: …}); a key is never written in the config")
        }
        let key = try source(keyNode, "\(what).key", base: base)
        var url: KeySource? = nil
        if let u = node.child("url") {
            url = u.scalar != nil ? .literal(try string(u, "\(what).url")) : try source(u, "\(what).url", base: base)
        }
        var side = SideSpec(role: role, name: try node.child("name").map { try string($0, "\(what).name") } ?? defaultName, key: key)
        if case .env(_, _, let dialect) = key { side.readers = [dialect] }
        side.restart = try node.child("restart").map { try string($0, "\(what).restart") }
        if let p = node.child("process") {
            switch p {
            case .scalar:
                side.process = try pid(p, "\(what).process")
            default:
                let p = try mapping(p, "\(what).process", allowed: ["pid", "var"])
                guard let pidNode = p.child("pid") else { throw error(p, "\(what).process needs `pid:`") }
                side.process = try pid(pidNode, "\(what).process.pid")
                side.processVar = try p.child("var").map { try string($0, "\(what).process.var") }
            }
            if side.processVar == nil, case .yamlPath = key {
                throw error(p, "\(what).process: say which variable of the process holds the key ({pid: N, var: NAME}); a YAML path does not name one")
            }
        }
        if let r = node.child("running") { try running(r, what: "\(what).running", into: &side) }
        if side.restart == nil {
            // The workloads that `running:` names are what a restart must roll.
            let restarts = side.running.compactMap { holder -> String? in if case .kube(let k) = holder { return k.restartCommand }; return nil }
            if !restarts.isEmpty { side.restart = restarts.joined(separator: " && ") }
        }
        if let c = node.child("copies") {
            guard case .sequence(let items) = c, !items.isEmpty else {
                throw error(c, "\(what).copies must be a non-empty list of sources that must hold the same value as `key:` ({kube: {secret: …, var: …}}, {yaml: …})")
            }
            side.copies = try items.map { try source($0, "\(what).copies", base: base) }
        }
        return (side, url)
    }

    /// `running:`, a list of `{docker: {container: NAME | service: NAME, var: VAR}}` and
    /// `{process: PID, var: VAR}` (the same as the side's `process:`; one process per side).
    func running(_ node: Node, what: String, into side: inout SideSpec) throws {
        guard case .sequence(let items) = node, !items.isEmpty else { throw error(node, "\(what) must be a non-empty list of holders ({docker: …} or {process: PID, var: NAME})") }
        for item in items {
            guard case .mapping = item else { throw error(item, "\(what) entries must be mappings, not \(item.kindName)") }
            if item.child("process") != nil {
                let n = try mapping(item, what, allowed: ["process", "var"])
                guard side.process == nil else { throw error(item, "\(what): one process per side (it is already named by `process:` or another entry)") }
                side.process = try pid(try required(n, "process", what), "\(what).process")
                guard let v = n.child("var") else { throw error(n, "\(what) needs `var:`, the variable in the process's environment") }
                side.processVar = try string(v, "\(what).var")
                continue
            }
            if item.child("kube") != nil {
                side.running.append(.kube(try kubeHolder(item, what: what)))
                continue
            }
            guard item.child("docker") != nil else {
                throw error(item, "\(what) entries are {docker: {container: NAME | service: NAME, var: VAR}}, " +
                    "{kube: {deployment: NAME, container: NAME, var: VAR, namespace: NS}} or {process: PID, var: NAME}")
            }
            let outer = try mapping(item, what, allowed: ["docker"])
            let d = try mapping(try required(outer, "docker", what), "\(what).docker", allowed: ["container", "service", "var"])
            guard let v = d.child("var") else { throw error(d, "\(what).docker needs `var:`, the variable in the container's environment") }
            let variable = try string(v, "\(what).docker.var")
            switch (d.child("container"), d.child("service")) {
            case (let c?, nil): side.running.append(.dockerContainer(name: try string(c, "\(what).docker.container"), var: variable))
            case (nil, let s?): side.running.append(.dockerService(service: try string(s, "\(what).docker.service"), var: variable))
            default: throw error(d, "\(what).docker names either `container:` (a container name or id) or `service:` (a Compose service), one of them")
            }
        }
    }

    /// `{kube: {deployment|statefulset|daemonset|pod|selector: …, container, var, namespace, context}}`.
    func kubeHolder(_ item: Node, what: String) throws -> KubeHolderSpec {
        let outer = try mapping(item, what, allowed: ["kube"])
        let targets = ["deployment", "statefulset", "daemonset", "pod", "selector"]
        let k = try mapping(try required(outer, "kube", what), "\(what).kube", allowed: targets + ["container", "var", "namespace", "context"])
        let named = targets.filter { k.child($0) != nil }
        guard named.count == 1, let kind = named.first, let node = k.child(kind) else {
            throw error(k, "\(what).kube names one of deployment, statefulset, daemonset, pod or selector (a label selector such as app=routing)")
        }
        let name = try string(node, "\(what).kube.\(kind)")
        let target: KubeHolderSpec.Target
        switch kind {
        case "deployment": target = .deployment(name)
        case "statefulset": target = .statefulset(name)
        case "daemonset": target = .daemonset(name)
        case "pod": target = .pod(name)
        default: target = .selector(name)
        }
        guard let v = k.child("var") else { throw error(k, "\(what).kube needs `var:`, the variable in the container's environment") }
        let variable = try shellVariable(v, "\(what).kube.var")
        return KubeHolderSpec(target: target, container: try k.child("container").map { try string($0, "\(what).kube.container") },
                              variable: variable, scope: try kubeScope(k, "\(what).kube"))
    }

    func kubeScope(_ node: Node, _ what: String) throws -> KubeScope {
        KubeScope(context: try node.child("context").map { try string($0, "\(what).context") },
                  namespace: try node.child("namespace").map { try string($0, "\(what).namespace") })
    }

    /// A variable that a shell inside the container can name (`$VAR`): kubectl exec runs
    /// `sh -c` with the name in the script.
    func shellVariable(_ node: Node, _ what: String) throws -> String {
        let name = try string(node, what)
        guard KubeHolderSpec.isShellName(name) else { throw error(node, "\(what) `\(name)` is not a variable name (letters, digits and _, not starting with a digit)") }
        return name
    }

    func pid(_ node: Node, _ what: String) throws -> Int32 {
        guard let text = node.text, let n = Int32(text), n > 0 else { throw error(node, "\(what) must be a process id (a positive integer)") }
        return n
    }

    func source(_ node: Node, _ what: String, base: String) throws -> KeySource {
        guard case .mapping = node else { throw error(node, "\(what) must be a source mapping, not \(node.kindName)") }
        let kinds = ["env", "yaml", "process", "environment", "compose", "kube"].filter { node.child($0) != nil }
        guard kinds.count == 1 else {
            throw error(node, kinds.isEmpty ? "\(what) must name one source: env, yaml, process, environment, compose or kube"
                                            : "\(what) names several sources (\(kinds.joined(separator: ", "))); give one")
        }
        switch kinds[0] {
        case "env":
            let n = try mapping(node, what, allowed: ["env", "var", "dialect"])
            let filesNode = try required(n, "env", what)
            let files: [String]
            if case .sequence(let items) = filesNode {
                guard !items.isEmpty else { throw error(filesNode, "\(what).env must name at least one file") }
                files = try items.map { try string($0, "\(what).env") }
            } else {
                files = [try string(filesNode, "\(what).env")]
            }
            guard let v = n.child("var") else { throw error(n, "\(what) needs `var:`, the variable name") }
            var dialect = Dialect.dotenv
            if let d = n.child("dialect") {
                guard let parsed = Dialect(rawValue: try string(d, "\(what).dialect")) else {
                    throw error(d, "unknown dialect `\(d.text ?? "")` (expected next, dotenv, godotenv or compose)")
                }
                dialect = parsed
            }
            return .env(files: files.map { absolute($0, from: base) }, var: try string(v, "\(what).var"), dialect: dialect)
        case "yaml":
            let n = try mapping(node, what, allowed: ["yaml", "secret", "var", "path"])
            let file = absolute(try string(try required(n, "yaml", what), "\(what).yaml"), from: base)
            if let s = n.child("secret") {
                guard n.child("path") == nil else { throw error(n.child("path"), "\(what): give `secret:` and `var:`, or `path:`, not both") }
                guard let v = n.child("var") else { throw error(n, "\(what) needs `var:`, the key inside Secret \(s.text ?? "")") }
                return .yamlSecret(file: file, secret: try string(s, "\(what).secret"), key: try string(v, "\(what).var"))
            }
            guard let p = n.child("path") else { throw error(n, "\(what) needs `secret:` and `var:` (a Kubernetes Secret) or `path:` (a dotted path)") }
            if n.child("var") != nil { throw error(n.child("var"), "\(what): `var:` goes with `secret:`; a plain map takes `path:` alone") }
            return .yamlPath(file: file, path: try string(p, "\(what).path"))
        case "process":
            let n = try mapping(node, what, allowed: ["process", "var"])
            guard let v = n.child("var") else { throw error(n, "\(what) needs `var:`, the variable in the process's environment") }
            return .process(pid: try pid(try required(n, "process", what), "\(what).process"), var: try string(v, "\(what).var"))
        case "kube":
            let outer = try mapping(node, what, allowed: ["kube"])
            let k = try mapping(try required(outer, "kube", what), "\(what).kube", allowed: ["secret", "var", "namespace", "context"])
            guard let s = k.child("secret") else { throw error(k, "\(what).kube needs `secret:`, the Secret's name") }
            guard let v = k.child("var") else { throw error(k, "\(what).kube needs `var:`, the key inside the Secret") }
            return .kube(secret: try string(s, "\(what).kube.secret"), var: try string(v, "\(what).kube.var"), scope: try kubeScope(k, "\(what).kube"))
        case "environment":
            let n = try mapping(node, what, allowed: ["environment"])
            return .environment(name: try string(try required(n, "environment", what), "\(what).environment"))
        default:
            let n = try mapping(node, what, allowed: ["compose", "service", "var"])
            guard let s = n.child("service") else { throw error(n, "\(what) needs `service:`, the Compose service") }
            guard let v = n.child("var") else { throw error(n, "\(what) needs `var:`") }
            return .compose(file: absolute(try string(try required(n, "compose", what), "\(what).compose"), from: base),
                            service: try string(s, "\(what).service"), var: try string(v, "\(what).var"))
        }
    }

    func absolute(_ path: String, from base: String) -> String {
        if path == "-" || path.hasPrefix("/") { return path }
        return URL(fileURLWithPath: base).appendingPathComponent(path).standardizedFileURL.path
    }
}
