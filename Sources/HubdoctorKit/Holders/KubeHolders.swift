import Foundation

/// `running:` `{kube: …}` entries: every pod of a workload, and what each container holds in its
/// environment, fingerprinted inside the container (only the hash leaves the pod) and compared
/// with what a restart would give it: the live Secret that its `envFrom` or `secretKeyRef` names.
enum KubeHolders {
    /// What a container holds: the SHA-256 of its value (hex, in memory only) and its length in
    /// bytes, or nothing.
    enum Held: Sendable, Equatable {
        case value(sha256: String, bytes: Int)
        case unset

        static func of(_ value: SecretValue?) -> Held {
            guard let value else { return .unset }
            return .value(sha256: Fingerprint.hex(value.bytes), bytes: value.bytes.count)
        }

        /// An empty value and no value start a client alike: without a token.
        var isEmpty: Bool {
            if case .value(_, let n) = self { return n == 0 }
            return true
        }

        func same(as other: Held) -> Bool { self == other || isEmpty && other.isEmpty }

        var fingerprint: String? {
            if case .value(let h, _) = self { return Fingerprint.of(sha256Hex: h) }
            return nil
        }

        /// Bytes held; 0 for none.
        var length: Int {
            if case .value(_, let n) = self { return n }
            return 0
        }

        /// Evidence about what a holder or a store holds: where, and how it looks.
        func evidence(_ source: String, _ name: String, detail: String?) -> Evidence {
            Evidence(source: source, var: name, present: self != .unset, length: length, fingerprint: fingerprint, detail: detail)
        }

        /// `an empty VAR`, `no VAR`, `VAR = sha256:… (40 bytes)`.
        func text(_ name: String) -> String {
            switch self {
            case .unset: return "no \(name)"
            case .value(_, 0): return "an empty \(name)"
            case .value(let h, let n): return "\(name) = \(Fingerprint.of(sha256Hex: h)) (\(n) bytes)"
            }
        }
    }

    /// One container of one pod, looked at.
    struct Observation: Sendable {
        var pod: String
        var container: String
        var held: Held?
    }

    /// Runs blocking work (a kubectl process) on its own thread, so that twenty pods are looked
    /// at at once without starving Swift's cooperative pool.
    static func blocking<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (c: CheckedContinuation<T, Never>) in
            let thread = Thread { c.resume(returning: work()) }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// The script that fingerprints `name` inside the container: the variable's name is in it,
    /// its value never leaves the container.
    static func script(_ name: String) -> String {
        "if [ -z \"${\(name)+x}\" ]; then echo hubdoctor-unset; else printf %s \"$\(name)\" | sha256sum; printf %s \"$\(name)\" | wc -c; fi"
    }

    /// What `container` of `pod` holds: hashed inside it with `sh` and `sha256sum`; without them,
    /// `printenv` output read into memory and hashed here.
    static func look(_ kubectl: Kubectl, pod: String, container: String, variable: String, scope: KubeScope) -> Result<Held, KubeProblem> {
        // The name goes into a shell script: only a shell variable name may (the config checks it
        // too; this guards every other caller).
        guard KubeHolderSpec.isShellName(variable) else {
            return .failure(KubeProblem(.failed, "`\(variable)` is not a shell variable name, so it cannot be looked up inside the container"))
        }
        let inside = kubectl.run(["exec", pod, "-c", container, "--", "sh", "-c", script(variable)], scope: scope)
        switch inside {
        case .success(let out):
            let text = String(decoding: out, as: UTF8.self)
            let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            if lines.first == "hubdoctor-unset" { return .success(.unset) }
            if lines.count >= 2, let hash = lines[0].split(separator: " ").first, hash.count == 64, hash.allSatisfy(\.isHexDigit),
               let n = Int(lines[1]) {
                return .success(.value(sha256: hash.lowercased(), bytes: n))
            }
            // A shell without sha256sum: fall through to printenv.
        case .failure(let p):
            // No shell, or no sha256sum: printenv may still be there.
            guard p.kind == .noShell || p.exitCode == 126 || p.exitCode == 127 else { return .failure(p) }
        }
        switch kubectl.run(["exec", pod, "-c", container, "--", "printenv", variable], scope: scope) {
        case .success(var out):
            if out.last == 0x0A { out.removeLast() }
            let value = SecretValue(bytes: out)
            SecretRegistry.shared.register(value)
            return .success(.of(value))
        case .failure(let p) where p.exitCode == 1:
            return .success(.unset)
        case .failure(let p):
            if p.kind == .noShell || p.exitCode == 126 || p.exitCode == 127 {
                return .failure(KubeProblem(.noShell, "the container has no shell with sha256sum and no printenv (a distroless image?): \(p.reason)"))
            }
            return .failure(p)
        }
    }

    /// What a restart would give a container: the value its spec takes the variable from.
    struct Reference: Sendable {
        var held: Held
        /// `Secret routing/routing-secrets (context prod)`, `the pod spec's env value`.
        var label: String
        var changed: Date?
        var changeText: String?
        /// Set when the spec's source could not be read: then the comparison is with `fallback`.
        var note: String?
    }

    static func reference(for container: LiveContainer, variable: String, scope: KubeScope, resolver: SourceResolver,
                          fallback: (KeyReading, String)) -> Reference {
        let fromFallback = { (note: String?) -> Reference in
            let r = fallback.0
            let value = r.value ?? (r.knownEmpty ? SecretValue("") : nil)
            return Reference(held: .of(value), label: fallback.1, changed: r.changed, changeText: nil, note: note)
        }
        let sources = container.sources(of: variable)
        guard !sources.isEmpty else {
            return fromFallback("container \(container.name)'s spec does not name where \(variable) comes from")
        }
        var missing: [String] = []
        for source in sources {
            switch source {
            case .literal(let value):
                // A key written into the pod spec: scrubbed from output like any other key.
                SecretRegistry.shared.register(value)
                return Reference(held: .of(value), label: "the \(variable) value written in the pod spec")
            case .elsewhere(let what):
                return fromFallback("container \(container.name) takes \(variable) from \(what), which hubdoctor does not read")
            case .secretKey(let secret, let key), .secretAll(let secret, let key):
                switch resolver.liveSecret(secret, scope: scope) {
                case .failure(let p):
                    if case .secretAll = source, p.kind == .notFound { missing.append(secret); continue }
                    return fromFallback("\(scope.label("Secret", secret)) cannot be read: \(p.reason)")
                case .success(let live):
                    if let value = live.value(key) {
                        return Reference(held: .of(value), label: live.label + (key == variable ? "" : " (key \(key))"),
                                         changed: live.changed, changeText: live.changeText)
                    }
                    if case .secretKey = source {
                        return Reference(held: .unset, label: live.label + ", which has no key \(key)", changed: live.changed, changeText: live.changeText)
                    }
                    missing.append(live.label)
                }
            }
        }
        return Reference(held: .unset, label: "its envFrom Secrets (\(missing.joined(separator: ", "))), none of which has \(variable)")
    }

    /// `kubectl -n routing rollout restart deployment/routing`, or how to replace a bare pod.
    static func restart(_ pod: LivePod, target: KubeHolderSpec.Target, scope: KubeScope) -> (workload: String?, step: RemediationStep) {
        var workload: String?
        switch target {
        case .deployment, .statefulset, .daemonset: workload = target.reference
        case .pod, .selector:
            if let owner = pod.owners.first {
                switch owner.kind {
                case "ReplicaSet":
                    // A Deployment names its ReplicaSets NAME-HASH.
                    if let dash = owner.name.lastIndex(of: "-") { workload = "deployment/" + owner.name[..<dash] }
                case "StatefulSet": workload = "statefulset/\(owner.name)"
                case "DaemonSet": workload = "daemonset/\(owner.name)"
                default: break
                }
            }
        }
        if let workload {
            return (workload, RemediationStep(text: "Restart \(workload) so that its pods read the Secret again (envFrom and secretKeyRef are read " +
                "once, when a container starts; the rollout replaces the pods one by one)", run: "\(scope.command) rollout restart \(workload)"))
        }
        return (nil, RemediationStep(text: "Pod \(pod.name) belongs to no workload: delete it and apply its manifest again",
                                     run: "\(scope.command) delete pod \(ShellWord.quote(pod.name))"))
    }

    /// How many containers are looked at at once (each look is one or two kubectl processes).
    static let maxConcurrentExecs = 32

    /// The findings of one `kube` holder: one per container of every pod it means.
    static func findings(_ spec: KubeHolderSpec, _ c: HolderChecks.Context, resolver: SourceResolver, fallback: (KeyReading, String),
                         offline: Bool) async -> (findings: [Finding], observations: [Observation]) {
        if offline {
            return ([c.make(.skip, nil, "--offline: \(spec) is in a live cluster, so it is not looked at.")], [])
        }
        let kubectl: Kubectl
        switch Kubectl.locate(environment: resolver.environment, timeout: resolver.kubeTimeout) {
        case .failure(let p): return ([c.cannotLook(p.reason)], [])
        case .success(let k): kubectl = k
        }
        let listed = await blocking { kubectl.pods(of: spec.target, scope: spec.scope) }
        let pods: [LivePod]
        switch listed {
        case .failure(let p): return ([c.cannotLook(p.reason)], [])
        case .success(let list): pods = list
        }
        guard !pods.isEmpty else {
            return ([c.make(.warn, .sourceUnreadable, "\(spec) has no pods: nothing holds \(spec.variable) (scaled to zero, or a selector that matches nothing?).")], [])
        }
        var pending: [(LivePod, LiveContainer)] = []
        for pod in pods {
            let chosen = spec.container.map { name in pod.containers.filter { $0.name == name } }
                ?? { let takers = pod.containers.filter { !$0.sources(of: spec.variable).isEmpty }; return takers.isEmpty ? pod.containers : takers }()
            if chosen.isEmpty, let name = spec.container {
                pending.append((pod, LiveContainer(spec: ["name": name])))
            }
            for container in chosen { pending.append((pod, container)) }
        }
        let jobs = pending
        @Sendable func one(_ i: Int) async -> (Int, Finding, Observation) {
            let (pod, container) = jobs[i]
            var podScope = spec.scope
            if podScope.namespace == nil { podScope.namespace = pod.namespace }
            let scope = podScope
            let ref = await blocking { reference(for: container, variable: spec.variable, scope: scope, resolver: resolver, fallback: fallback) }
            let known = pod.containers.contains { $0.name == container.name }
            let held: Result<Held, KubeProblem>
            if !known {
                held = .failure(KubeProblem(.notFound, "pod \(pod.name) has no container \(container.name) (it has \(pod.containers.map(\.name).joined(separator: ", ")))"))
            } else if pod.phase != "Running" || !container.running {
                held = .failure(KubeProblem(.failed, "pod \(pod.name) is \(pod.phase)" + (pod.phase == "Running" ? ", its container \(container.name) is \(container.state)" : "")))
            } else {
                held = await blocking { look(kubectl, pod: pod.name, container: container.name, variable: spec.variable, scope: scope) }
            }
            let finding = verdict(spec, c, pod: pod, container: container, scope: scope, held: held, reference: ref)
            return (i, finding, Observation(pod: pod.name, container: container.name, held: try? held.get()))
        }
        let jobCount = jobs.count
        let results = await withTaskGroup(of: (Int, Finding, Observation).self) { group in
            // Every pod at once, up to a bound: a DaemonSet on 500 nodes must not start 500
            // kubectl processes together.
            var next = 0
            while next < min(jobCount, maxConcurrentExecs) {
                let i = next
                group.addTask { await one(i) }
                next += 1
            }
            var done: [Int: (Finding, Observation)] = [:]
            while let (i, finding, observation) = await group.next() {
                done[i] = (finding, observation)
                if next < jobCount {
                    let j = next
                    group.addTask { await one(j) }
                    next += 1
                }
            }
            return done
        }
        let ordered = jobs.indices.compactMap { results[$0] }
        return (ordered.map(\.0), ordered.map(\.1))
    }

    static func verdict(_ spec: KubeHolderSpec, _ c: HolderChecks.Context, pod: LivePod, container: LiveContainer, scope: KubeScope,
                        held: Result<Held, KubeProblem>, reference ref: Reference) -> Finding {
        let name = spec.variable
        let who = "Pod \(pod.name) (container \(container.name)\(scope.namespace.map { ", namespace \($0)" } ?? ""))"
        let started = container.started ?? pod.started
        let startedClause = started.map { " started \(HolderChecks.time($0))" } ?? ""
        let startedText = startedClause.isEmpty ? "" : startedClause + " and"
        let (workload, restartStep) = restart(pod, target: spec.target, scope: scope)
        var facts = ["holder.pod": pod.name, "holder.container": container.name, "holder.restart": restartStep.run ?? "",
                     "holder.kubectl": scope.command]
        // The runbooks' generic restart steps must name this workload, not the side's.
        facts["\(c.role.rawValue).restart"] = restartStep.run ?? ""
        if let workload { facts["holder.workload"] = workload }
        func make(_ status: Status, _ cause: Cause?, _ message: String, _ evidence: [Evidence], _ fix: [RemediationStep] = []) -> Finding {
            var f = c.make(status, cause, message, evidence, fix)
            f.facts.merge(facts) { $1 }
            return f
        }
        let refEvidence = ref.held.evidence(ref.label, name, detail: ref.note ?? ref.changeText)
        let changedAfterStart: Bool? = started.flatMap { s in ref.changed.map { $0 > s } }
        let changeClause = ref.changeText.map { ", \($0)" } ?? ""
        let noteClause = ref.note.map { " (\($0))" } ?? ""
        switch held {
        case .success(let h):
            let holderEvidence = h.evidence("pod \(pod.name) container \(container.name)", name,
                                            detail: started.map { "started \(HolderChecks.time($0)); fingerprinted inside the container" })
            if h.same(as: ref.held) {
                return make(.pass, nil, "\(who)\(startedText) holds \(h.text(name)), as \(ref.label)\(noteClause) does.", [refEvidence, holderEvidence])
            }
            var message = "\(who)\(startedText) holds \(h.text(name)), but \(ref.label)\(changeClause) holds \(ref.held.isEmpty ? "none" : ref.held.text(name))\(noteClause)."
            if changedAfterStart == true {
                message += " The Secret changed after the container started: environment variables from envFrom and secretKeyRef are read once, at start."
            }
            if let workload { message += " Restarting \(workload) gives its pods the Secret's value." }
            return make(.fail, .staleProcessEnv, message, [refEvidence, holderEvidence], [restartStep])
        case .failure(let p):
            let why = p.kind == .forbidden ? "exec was refused (RBAC: \(p.reason))" : p.reason
            var evidence = [refEvidence, Evidence(source: "pod \(pod.name) container \(container.name)", var: name,
                                                  detail: "not looked at: \(why)" + (started.map { "; started \(HolderChecks.time($0))" } ?? ""))]
            evidence[1].present = nil
            var message = "hubdoctor cannot look at what \(who) holds: \(why)."
            switch changedAfterStart {
            case true?:
                message += " By the timestamps it is stale: it\(startedClause) before \(ref.label) last \(ref.changeText ?? "changed"), " +
                    "and envFrom and secretKeyRef are read once, at start, so it holds the value from before the change."
                return make(.warn, .staleProcessEnv, message, evidence, [restartStep])
            case false?:
                message += " By the timestamps it should hold the current value: it started after \(ref.label) last \(ref.changeText ?? "changed")."
            case nil:
                message += " The timestamps cannot tell either (no start time or no record of the Secret's last change)."
            }
            return make(.warn, .sourceUnreadable, message, evidence)
        }
    }
}
