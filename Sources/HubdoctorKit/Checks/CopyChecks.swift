import Foundation

/// `copies:`: other stores that must hold the same value as a side's key (check `copies.caller`
/// / `copies.service`, one finding per copy). A live Secret that differs from the file in Git it
/// is deployed from is `copy-drift`: a hand change that the next sync or rebuild undoes, or a
/// change in Git that was never deployed.
enum CopyChecks {
    static func evaluate(_ r: LinkReadings, pods: [Role: [KubeHolders.Observation]], offline: Bool) async -> [Finding] {
        var findings: [Finding] = []
        let facts = r.facts
        for (role, side, key, copies) in [(Role.caller, r.link.caller, r.caller, r.callerCopies), (.service, r.link.service, r.service, r.serviceCopies)] {
            for (spec, copy) in zip(side.copies, copies) {
                findings.append(await compare(role: role, side: side, key: key, spec: spec, copy: copy, pods: pods[role] ?? [],
                                              resolver: r.resolver, link: r.link.name, facts: facts, offline: offline))
            }
        }
        return findings
    }

    static func compare(role: Role, side: SideSpec, key: KeyReading, spec: KeySource, copy: KeyReading, pods: [KubeHolders.Observation],
                        resolver: SourceResolver, link: String, facts: [String: String], offline: Bool) async -> Finding {
        let name = side.key.variableName
        let title = "Every copy of \(side.name)'s key holds the same value"
        func make(_ status: Status, _ cause: Cause?, _ message: String, _ evidence: [Evidence] = [], _ fix: [RemediationStep] = []) -> Finding {
            Finding(check: .copies(role), status: status, cause: cause, title: title, message: message, evidence: evidence,
                    remediation: fix, link: link, facts: facts)
        }
        let copyValue = copy.value ?? (copy.knownEmpty ? SecretValue("") : nil)
        if copyValue == nil, let problem = copy.problems.first {
            if offline, case .kube = spec { return make(.skip, nil, "--offline: \(spec) is in a live cluster, so it is not compared.") }
            return make(.warn, .sourceUnreadable, "hubdoctor cannot read the copy \(problem.description), so it cannot compare it with \(key.whereLabel).",
                        [Evidence(source: problem.origin.display, var: spec.variableName, detail: problem.reason)], problem.hint.map { [$0] } ?? [])
        }
        let keyValue = key.value ?? (key.knownEmpty ? SecretValue("") : nil)
        if keyValue == nil, !key.problems.isEmpty {
            return make(.skip, nil, "Cannot compare \(copy.whereLabel) with \(side.name)'s key: its source could not be read (see source.\(role.rawValue)).")
        }
        let keyHeld = KubeHolders.Held.of(keyValue), copyHeld = KubeHolders.Held.of(copyValue)
        let evidence = [Evidence.key(source: key.whereLabel, var: name, value: keyValue, file: key.origin?.display, line: key.origin?.line),
                        Evidence.key(source: copy.whereLabel, var: spec.variableName, value: copyValue,
                                     detail: copy.changed.map { "changed \(HolderChecks.time($0))" + (copy.changedBy.map { " by \($0)" } ?? "") })]
        if keyHeld.same(as: copyHeld) {
            return make(.pass, nil, "\(copy.whereLabel) holds \(describe(copyValue, spec.variableName)), as \(key.whereLabel) does.", evidence)
        }
        var message = "\(copy.whereLabel) holds \(describe(copyValue, spec.variableName))"
        if let changed = copy.changed { message += ", changed \(HolderChecks.time(changed))" + (copy.changedBy.map { " by \($0)" } ?? "") }
        message += "; \(key.whereLabel) holds \(describe(keyValue, name))."
        // Which way: the newer side is the change; a value beats an empty one.
        let fileChanged = key.changed ?? key.filesModified
        var copyIsNewer: Bool? = nil
        if let c = copy.changed, let f = fileChanged { copyIsNewer = c > f }
        if keyHeld.isEmpty, !copyHeld.isEmpty { copyIsNewer = true }
        if copyHeld.isEmpty, !keyHeld.isEmpty { copyIsNewer = false }
        switch copyIsNewer {
        case true?:
            message += " The copy was changed by hand (`kubectl patch`, `kubectl edit`) and not in \(key.whereLabel): the next sync, rotation or cluster rebuild brings back what the file holds."
        case false?:
            message += " \(key.whereLabel) changed and the copy was not updated: the change is not deployed yet."
        case nil:
            message += " One of them changed without the other."
        }
        let agreeCopy = pods.filter { $0.held.map { $0.same(as: copyHeld) } ?? false }.map(\.pod)
        let agreeKey = pods.filter { $0.held.map { $0.same(as: keyHeld) } ?? false }.map(\.pod)
        if !pods.isEmpty {
            var parts: [String] = []
            if !agreeCopy.isEmpty { parts.append("\(agreeCopy.joined(separator: ", ")) \(agreeCopy.count == 1 ? "holds" : "hold") the copy's value") }
            if !agreeKey.isEmpty { parts.append("\(agreeKey.joined(separator: ", ")) \(agreeKey.count == 1 ? "holds" : "hold") \(key.whereLabel)'s value") }
            let other = pods.filter { !agreeCopy.contains($0.pod) && !agreeKey.contains($0.pod) }.map(\.pod)
            if !other.isEmpty { parts.append("\(other.joined(separator: ", ")): \(other.count == 1 ? "holds neither or was" : "hold neither or were") not looked at") }
            message += " Running pods: " + parts.joined(separator: "; ") + "."
        }
        var fix: [RemediationStep] = []
        if copyIsNewer != false, !copyHeld.isEmpty, let step = intoGit(spec: spec, key: side.key, resolver: resolver) { fix.append(step) }
        if copyIsNewer != true, !keyHeld.isEmpty, case .kube(let secret, let k, let scope) = spec {
            fix.append(deploy(key: side.key, resolver: resolver, scope: scope))
            let consumers = await KubeHolders.blocking {
                Kubectl.locate(environment: resolver.environment, timeout: resolver.kubeTimeout).flatMap { $0.consumers(ofSecret: secret, key: k, scope: scope) }
            }
            if case .success(let workloads) = consumers {
                for w in workloads {
                    fix.append(RemediationStep(text: "Restart \(w), which takes \(k) from Secret \(secret), so that its pods read the deployed value",
                                               run: "\(scope.command) rollout restart \(w)"))
                }
            }
        }
        return make(.fail, .copyDrift, message, evidence, fix)
    }

    static func describe(_ value: SecretValue?, _ name: String) -> String {
        guard let value else { return "no \(name)" }
        return value.isEmpty ? "an empty \(name)" : "\(name) = \(value.fingerprint) (\(value.length) characters)"
    }

    /// The step that writes a live Secret's value into the SOPS-encrypted file in Git, piped
    /// from kubectl into `sops set --value-stdin`: the value is never on a command line.
    static func intoGit(spec: KeySource, key: KeySource, resolver: SourceResolver) -> RemediationStep? {
        guard case .kube(let secret, let k, let scope) = spec, case .yamlSecret(let file, let gitSecret, let gitKey) = key else { return nil }
        let field = gitField(file: file, secret: gitSecret, key: gitKey)
        let display = resolver.display(file)
        // data holds base64, as the cluster does; stringData the text itself. printf "%q" quotes it
        // as the JSON string that `sops set` reads.
        let template = field == "data" ? "{{index .data \"\(k)\" | printf \"%q\"}}" : "{{index .data \"\(k)\" | base64decode | printf \"%q\"}}"
        let command = "\(scope.command) get secret \(ShellWord.quote(secret)) -o go-template=\(ShellWord.quote(template)) | " +
            "sops set --value-stdin \(ShellWord.quote(display)) \(ShellWord.quote("[\"\(field)\"][\"\(gitKey)\"]"))"
        return RemediationStep(text: "Put the live value into \(display) (SOPS-encrypted, in Git) so that it survives the next sync, rotation and cluster " +
                               "rebuild; then commit the file", run: command)
    }

    /// `data` or `stringData`: where the Secret in the Git file keeps its keys.
    static func gitField(file: String, secret: String, key: String) -> String {
        guard case .success(let bytes) = SourceFile.read(file), case .success(let docs) = YAMLDocuments.parse(bytes),
              case .found(let s, _) = KubernetesSecret.find(secret, key: key, in: docs.nodes) else { return "stringData" }
        if let entry = s.entry(key) { return entry.field }
        return s.node.child("stringData") == nil && s.node.child("data") != nil ? "data" : "stringData"
    }

    /// The step that deploys the key's source to the cluster.
    static func deploy(key: KeySource, resolver: SourceResolver, scope: KubeScope) -> RemediationStep {
        if case .yamlSecret(let file, _, _) = key {
            let display = ShellWord.quote(resolver.display(file))
            if ManualKeySteps.isSOPSEncrypted(resolver.absolute(file)) {
                return RemediationStep(text: "Deploy the Secret from Git the way the cluster is managed (a GitOps sync), or apply the decrypted file",
                                       run: "sops decrypt \(display) | \(scope.command) apply -f -")
            }
            return RemediationStep(text: "Deploy the Secret from Git the way the cluster is managed (a GitOps sync), or apply the file",
                                   run: "\(scope.command) apply -f \(display)")
        }
        return RemediationStep(text: "Deploy \(key.description) to the cluster the way it is managed (a GitOps sync, or `kubectl apply`)")
    }
}
