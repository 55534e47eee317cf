import Foundation
import Synchronization

/// Where in which cluster: the kubeconfig context and the namespace, as `--context` and `-n`.
/// Either may be left out: kubectl then takes the current context and its namespace.
public struct KubeScope: Sendable, Hashable {
    public var context: String?
    public var namespace: String?

    public init(context: String? = nil, namespace: String? = nil) {
        self.context = context
        self.namespace = namespace
    }

    var flags: [String] { (context.map { ["--context", $0] } ?? []) + (namespace.map { ["-n", $0] } ?? []) }

    /// `kubectl --context prod -n routing`: the start of every command shown to the user.
    public var command: String {
        (["kubectl"] + flags.map(ShellWord.quote)).joined(separator: " ")
    }

    /// `routing/` and ` (context prod)` around an object's name, for messages.
    func label(_ kind: String, _ name: String) -> String {
        var text = "\(kind) \(namespace.map { "\($0)/" } ?? "")\(name)"
        if let context { text += " (context \(context))" }
        return text
    }
}

/// Why kubectl could not give an answer. The reason is kubectl's own first line of complaint,
/// which never holds a Secret's value (kubectl prints no data on errors).
public struct KubeProblem: Error, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case notInstalled, timedOut, forbidden, notFound, noShell, unreachable, failed
    }
    public var kind: Kind
    public var reason: String
    /// For `exec`: the exit code of the command inside the container, when it ran and failed.
    public var exitCode: Int32?

    init(_ kind: Kind, _ reason: String, exitCode: Int32? = nil) {
        self.kind = kind
        self.reason = reason
        self.exitCode = exitCode
    }
}

/// The `kubectl` of the user's machine, run with the user's kubeconfig (`KUBECONFIG`, its
/// contexts) and a deadline. Arguments name objects and variables only, never a value: a key
/// never appears on a command line, and nothing is written to disk.
public struct Kubectl: Sendable {
    public var executable: String
    public var environment: [String: String]
    /// How long one request may take; the process gets a second more to start and stop.
    public var timeout: Double

    public static func locate(environment: [String: String], timeout: Double) -> Result<Kubectl, KubeProblem> {
        guard let path = Subprocess.find("kubectl", path: environment["PATH"]) else {
            return .failure(KubeProblem(.notInstalled, "`kubectl` is not installed (not found on PATH), so the cluster cannot be read"))
        }
        return .success(Kubectl(executable: path, environment: environment, timeout: timeout))
    }

    var requestTimeout: String { "--request-timeout=\(max(1, Int(timeout.rounded(.up))))s" }

    /// Which cluster a scope reaches: the kubeconfig and the context.
    func cluster(_ scope: KubeScope) -> String { "\(environment["KUBECONFIG"] ?? "~/.kube/config")\u{0}\(scope.context ?? "")" }

    /// Runs `kubectl FLAGS ARGS` and returns its standard output, or why it failed. A cluster
    /// that did not answer once is not asked again in this run: every later request would wait
    /// out the same timeout.
    func run(_ arguments: [String], scope: KubeScope) -> Result<[UInt8], KubeProblem> {
        if let dead = KubeClusters.shared.problem(cluster(scope)) { return .failure(dead) }
        let result = launch(arguments, scope: scope)
        if case .failure(let p) = result, p.kind == .timedOut || p.kind == .unreachable {
            KubeClusters.shared.markDown(cluster(scope), p)
        }
        return result
    }

    private func launch(_ arguments: [String], scope: KubeScope) -> Result<[UInt8], KubeProblem> {
        let args = scope.flags + [requestTimeout] + arguments
        switch Subprocess.run(executable, args, environment: environment, timeout: timeout + 1) {
        case .failure(let f):
            return .failure(KubeProblem(.failed, f.reason))
        case .success(let outcome):
            switch outcome.status {
            case .exited(0):
                return .success(outcome.stdout)
            case .timedOut:
                return .failure(KubeProblem(.timedOut, "the cluster did not answer within \(Seconds.text(timeout)) (\(scope.command) \(arguments.prefix(3).joined(separator: " ")))"))
            case .outputTooLarge:
                return .failure(KubeProblem(.failed, "kubectl printed more than 8 MiB"))
            case .signaled(let s):
                return .failure(KubeProblem(.failed, "kubectl was killed by signal \(s)"))
            case .exited(let code):
                return .failure(Self.classify(stderr: outcome.stderr, code: code))
            }
        }
    }

    /// Reads kubectl's complaint: its first non-empty line, and what kind of trouble it names.
    static func classify(stderr: [UInt8], code: Int32) -> KubeProblem {
        let text = String(decoding: stderr.prefix(4096), as: UTF8.self)
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var first = lines.first ?? "kubectl exited with code \(code) and said nothing"
        if first.count > 300 { first = String(first.prefix(300)) + "…" }
        let reason = SecretRegistry.shared.scrub(first)
        let lower = text.lowercased()
        let kind: KubeProblem.Kind
        if lower.contains("forbidden") {
            kind = .forbidden
        } else if lower.contains("executable file not found") || lower.contains("no such file or directory") && lower.contains("exec") {
            kind = .noShell
        } else if lower.contains("(notfound)") || lower.contains("\" not found") {
            kind = .notFound
        } else if lower.contains("unable to connect") || lower.contains("connection refused") || lower.contains("deadline exceeded")
            || lower.contains("the connection to the server")
            || lower.contains("i/o timeout") || lower.contains("client.timeout") || lower.contains("no such host") {
            kind = .unreachable
        } else {
            kind = .failed
        }
        // `command terminated with exit code N`: the command inside the container exited N; any
        // other failure is kubectl's own (it exits 1 for those too).
        var remote: Int32? = nil
        if let range = text.range(of: "command terminated with exit code ") {
            remote = Int32(text[range.upperBound...].prefix { $0.isNumber })
        }
        return KubeProblem(kind, reason, exitCode: remote)
    }

    /// `kubectl get KIND NAME -o json` (or a list with `-l`), parsed.
    func getJSON(_ arguments: [String], scope: KubeScope) -> Result<[String: Any], KubeProblem> {
        switch run(["get"] + arguments + ["-o", "json"], scope: scope) {
        case .failure(let p): return .failure(p)
        case .success(let bytes):
            guard let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else {
                return .failure(KubeProblem(.failed, "kubectl did not print a JSON object for `get \(arguments.joined(separator: " "))`"))
            }
            return .success(object)
        }
    }

    /// A live Secret, with `managedFields` (kubectl hides them unless asked).
    public func secret(_ name: String, scope: KubeScope) -> Result<LiveSecret, KubeProblem> {
        getJSON(["secret", name, "--show-managed-fields"], scope: scope).map { LiveSecret(json: $0, scope: scope) }
    }

    /// The pods a `running:` entry means, with the workload they belong to.
    func pods(of target: KubeHolderSpec.Target, scope: KubeScope) -> Result<[LivePod], KubeProblem> {
        switch target {
        case .pod(let name):
            return getJSON(["pod", name], scope: scope).map { [LivePod(json: $0)] }
        case .selector(let selector):
            return podList(selector: selector, scope: scope)
        case .deployment(let name), .statefulset(let name), .daemonset(let name):
            let workload: [String: Any]
            switch getJSON([target.resource, name], scope: scope) {
            case .failure(let p): return .failure(p)
            case .success(let w): workload = w
            }
            let uid = (workload["metadata"] as? [String: Any])?["uid"] as? String
            guard let selector = LabelSelector.text(((workload["spec"] as? [String: Any])?["selector"]) as? [String: Any]) else {
                return .failure(KubeProblem(.failed, "\(target.resource)/\(name) has no spec.selector"))
            }
            let pods: [LivePod]
            switch podList(selector: selector, scope: scope) {
            case .failure(let p): return .failure(p)
            case .success(let list): pods = list
            }
            guard let uid else { return .success(pods) }
            // Keep the pods this workload owns (another workload may share the labels). A
            // Deployment owns its pods through ReplicaSets.
            var owners: Set<String> = [uid]
            if case .deployment = target, case .success(let sets) = getJSON(["replicasets", "-l", selector], scope: scope) {
                for item in (sets["items"] as? [[String: Any]]) ?? [] {
                    let meta = item["metadata"] as? [String: Any]
                    let refs = (meta?["ownerReferences"] as? [[String: Any]]) ?? []
                    if refs.contains(where: { $0["uid"] as? String == uid }), let rsUID = meta?["uid"] as? String { owners.insert(rsUID) }
                }
            }
            let owned = pods.filter { pod in pod.ownerUIDs.contains { owners.contains($0) } }
            return .success(pods.allSatisfy { $0.ownerUIDs.isEmpty } ? pods : owned)
        }
    }

    func podList(selector: String, scope: KubeScope) -> Result<[LivePod], KubeProblem> {
        getJSON(["pods", "-l", selector], scope: scope).map { (($0["items"] as? [[String: Any]]) ?? []).map(LivePod.init(json:)) }
    }

    /// The Deployments, StatefulSets and DaemonSets of a namespace whose pod template takes
    /// `key` of Secret `secret` (envFrom, or env valueFrom secretKeyRef): the workloads a
    /// changed key must restart.
    func consumers(ofSecret secret: String, key: String, scope: KubeScope) -> Result<[String], KubeProblem> {
        getJSON(["deployments,statefulsets,daemonsets"], scope: scope).map { list in
            var names: [String] = []
            for item in (list["items"] as? [[String: Any]]) ?? [] {
                guard let kind = item["kind"] as? String, let name = (item["metadata"] as? [String: Any])?["name"] as? String else { continue }
                let podSpec = ((item["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any]
                let containers = ((podSpec?["containers"] as? [[String: Any]]) ?? []) + ((podSpec?["initContainers"] as? [[String: Any]]) ?? [])
                let uses = containers.map(LiveContainer.init(spec:)).contains { $0.takes(secret: secret, key: key) }
                if uses { names.append("\(kind.lowercased())/\(name)") }
            }
            return names
        }
    }
}

/// Clusters that did not answer in this run, by kubeconfig and context.
final class KubeClusters: Sendable {
    static let shared = KubeClusters()
    private let down = Mutex<[String: KubeProblem]>([:])

    func problem(_ cluster: String) -> KubeProblem? { down.withLock { $0[cluster] } }
    func markDown(_ cluster: String, _ problem: KubeProblem) { down.withLock { $0[cluster] = problem } }
    /// A new run (`check --wait` tries again) asks every cluster afresh.
    func reset() { down.withLock { $0.removeAll() } }
}

/// `spec.selector` as a `-l` argument: matchLabels and matchExpressions.
enum LabelSelector {
    static func text(_ selector: [String: Any]?) -> String? {
        guard let selector else { return nil }
        var parts: [String] = []
        for (k, v) in ((selector["matchLabels"] as? [String: Any]) ?? [:]).sorted(by: { $0.key < $1.key }) {
            parts.append("\(k)=\(v)")
        }
        for e in (selector["matchExpressions"] as? [[String: Any]]) ?? [] {
            guard let key = e["key"] as? String, let op = e["operator"] as? String else { continue }
            let values = ((e["values"] as? [String]) ?? []).joined(separator: ",")
            switch op {
            case "In": parts.append("\(key) in (\(values))")
            case "NotIn": parts.append("\(key) notin (\(values))")
            case "Exists": parts.append(key)
            case "DoesNotExist": parts.append("!\(key)")
            default: continue
            }
        }
        return parts.isEmpty ? nil : parts.joined(separator: ",")
    }
}

/// A Secret as the cluster holds it now, and when its data last changed.
public struct LiveSecret: Sendable {
    public var name: String
    public var scope: KubeScope
    /// `data`, base64-decoded. Never printed.
    var data: [String: SecretValue]
    /// The newest managedFields entry that touched `data` or `stringData` (else the newest
    /// entry, else the creation time), and the manager that wrote it.
    public var changed: Date?
    public var changedBy: String?

    init(json: [String: Any], scope: KubeScope) {
        let meta = json["metadata"] as? [String: Any]
        name = (meta?["name"] as? String) ?? "?"
        var scope = scope
        if scope.namespace == nil { scope.namespace = meta?["namespace"] as? String }
        self.scope = scope
        var data: [String: SecretValue] = [:]
        for (k, v) in (json["data"] as? [String: Any]) ?? [:] {
            guard let text = v as? String, let bytes = Data(base64Encoded: text) else { continue }
            data[k] = SecretValue(bytes: [UInt8](bytes))
        }
        // Only the API server turns stringData into data; a Secret object read back never has it,
        // but a stand-in or a dry-run output may.
        for (k, v) in (json["stringData"] as? [String: Any]) ?? [:] {
            if let text = v as? String { data[k] = SecretValue(text) }
        }
        self.data = data
        var newest: (Date, String?)? = nil, newestData: (Date, String?)? = nil
        for entry in (meta?["managedFields"] as? [[String: Any]]) ?? [] {
            guard let time = RFC3339.date(entry["time"]) else { continue }
            let manager = entry["manager"] as? String
            if newest.map({ time > $0.0 }) ?? true { newest = (time, manager) }
            let fields = entry["fieldsV1"] as? [String: Any]
            if fields?["f:data"] != nil || fields?["f:stringData"] != nil, newestData.map({ time > $0.0 }) ?? true { newestData = (time, manager) }
        }
        let chosen = newestData ?? newest
        changed = chosen?.0 ?? RFC3339.date(meta?["creationTimestamp"])
        changedBy = chosen?.1
        for value in data.values { SecretRegistry.shared.register(value) }
    }

    public func value(_ key: String) -> SecretValue? { data[key] }

    /// `Secret routing/routing-secrets (context prod)`.
    public var label: String { scope.label("Secret", name) }

    /// `changed 2026-05-18 07:10:00 UTC by kubectl-patch`.
    var changeText: String? {
        changed.map { "changed \(HolderChecks.time($0))" + (changedBy.map { " by \($0)" } ?? "") }
    }
}

/// A pod: where it runs, who owns it, and what each container takes from where.
struct LivePod: Sendable {
    var name: String
    var namespace: String?
    var phase: String
    var started: Date?
    var ownerUIDs: [String]
    var owners: [(kind: String, name: String)]
    var containers: [LiveContainer]

    init(json: [String: Any]) {
        let meta = json["metadata"] as? [String: Any]
        name = (meta?["name"] as? String) ?? "?"
        namespace = meta?["namespace"] as? String
        let refs = (meta?["ownerReferences"] as? [[String: Any]]) ?? []
        ownerUIDs = refs.compactMap { $0["uid"] as? String }
        owners = refs.compactMap { r in (r["kind"] as? String).flatMap { k in (r["name"] as? String).map { (k, $0) } } }
        let status = json["status"] as? [String: Any]
        phase = (status?["phase"] as? String) ?? "Unknown"
        started = RFC3339.date(status?["startTime"])
        let statuses = (status?["containerStatuses"] as? [[String: Any]]) ?? []
        let specs = ((json["spec"] as? [String: Any])?["containers"] as? [[String: Any]]) ?? []
        containers = specs.map { spec in
            var c = LiveContainer(spec: spec)
            if let s = statuses.first(where: { $0["name"] as? String == c.name }), let state = s["state"] as? [String: Any] {
                if let running = state["running"] as? [String: Any] {
                    c.running = true
                    c.started = RFC3339.date(running["startedAt"])
                } else if let waiting = state["waiting"] as? [String: Any] {
                    c.state = "waiting" + ((waiting["reason"] as? String).map { " (\($0))" } ?? "")
                } else if let done = state["terminated"] as? [String: Any] {
                    c.state = "terminated" + ((done["reason"] as? String).map { " (\($0))" } ?? "")
                }
            }
            return c
        }
    }
}

/// Where a container's variable comes from, as the kubelet builds its environment at start:
/// `envFrom` sources in order (a later one wins), then `env` entries (which win over all).
struct LiveContainer: Sendable {
    enum Source: Sendable, Equatable {
        case literal(SecretValue)
        case secretKey(secret: String, key: String)
        /// A Secret that envFrom names; it gives the variable if it holds `key`.
        case secretAll(secret: String, key: String)
        case elsewhere(String)
    }

    var name: String
    /// The sources that may define each variable, in the kubelet's order (last wins).
    var env: [(name: String, source: Source)] = []
    var envFrom: [(prefix: String, secret: String?, configMap: String?)] = []
    var running = false
    var started: Date?
    var state = "not running"

    init(spec: [String: Any]) {
        name = (spec["name"] as? String) ?? "?"
        for e in (spec["envFrom"] as? [[String: Any]]) ?? [] {
            let prefix = (e["prefix"] as? String) ?? ""
            envFrom.append((prefix, (e["secretRef"] as? [String: Any])?["name"] as? String, (e["configMapRef"] as? [String: Any])?["name"] as? String))
        }
        for e in (spec["env"] as? [[String: Any]]) ?? [] {
            guard let n = e["name"] as? String else { continue }
            if let valueFrom = e["valueFrom"] as? [String: Any] {
                if let ref = valueFrom["secretKeyRef"] as? [String: Any], let s = ref["name"] as? String, let k = ref["key"] as? String {
                    env.append((n, .secretKey(secret: s, key: k)))
                } else if let ref = valueFrom["configMapKeyRef"] as? [String: Any] {
                    env.append((n, .elsewhere("ConfigMap \((ref["name"] as? String) ?? "?")")))
                } else {
                    env.append((n, .elsewhere("a fieldRef or resourceFieldRef")))
                }
            } else {
                env.append((n, .literal(SecretValue((e["value"] as? String) ?? ""))))
            }
        }
    }

    /// The candidate sources of `variable`, strongest first: the last `env` entry, then envFrom
    /// Secrets from last to first (each gives it only if it holds the key).
    func sources(of variable: String) -> [Source] {
        if let e = env.last(where: { $0.name == variable }) { return [e.source] }
        var out: [Source] = []
        for from in envFrom.reversed() where variable.hasPrefix(from.prefix) {
            let key = String(variable.dropFirst(from.prefix.count))
            if let s = from.secret { out.append(.secretAll(secret: s, key: key)) }
            if let c = from.configMap { out.append(.elsewhere("ConfigMap \(c)")) }
        }
        return out
    }

    /// Does this container take `key` of Secret `secret` into its environment?
    func takes(secret: String, key: String) -> Bool {
        env.contains { if case .secretKey(let s, let k) = $0.source { return s == secret && k == key }; return false }
            || envFrom.contains { $0.secret == secret }
    }
}
