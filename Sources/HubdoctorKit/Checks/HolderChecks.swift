import Foundation

/// `running:` holders: compares what each running container holds in its environment with what
/// its side's files hold now (check `holders.caller` / `holders.service`, one finding per
/// container). A container's environment is fixed when it is created: an edited env file reaches
/// it only when it is re-created, never through `docker compose restart` or `docker restart`.
public enum HolderChecks {
    /// `offline`: an engine at a `tcp://` address is over the network, which `--offline` rules out
    /// (a unix socket is this machine's).
    public static func evaluate(_ r: LinkReadings, environment: [String: String], timeout: Double, offline: Bool = false) async -> [Finding] {
        await lookAll(r, environment: environment, timeout: timeout, offline: offline).findings
    }

    /// The findings, and what each pod's container was seen to hold (for `copies:`, which says
    /// which copy the running pods agree with).
    struct Results: Sendable {
        var findings: [Finding] = []
        var pods: [Role: [KubeHolders.Observation]] = [:]
    }

    static func lookAll(_ r: LinkReadings, environment: [String: String], timeout: Double, offline: Bool = false) async -> Results {
        var jobs: [(Int, Role, SideSpec, KeyReading, HolderSpec)] = []
        for (role, side, files) in [(Role.caller, r.link.caller, r.caller), (.service, r.link.service, r.service)] where side.key != .keyStore {
            for holder in side.running { jobs.append((jobs.count, role, side, files, holder)) }
        }
        guard !jobs.isEmpty else { return Results() }
        let facts = r.facts
        let linkName = r.link.name
        let resolver = r.resolver
        let copies: [Role: [KeyReading]] = [.caller: r.callerCopies, .service: r.serviceCopies]
        let needsEngine = jobs.contains { $0.4.isDocker }
        let engine = needsEngine ? DockerEngine.from(environment: environment, timeout: timeout) : .failure(DockerProblem("no Docker holder"))
        // Holders are independent: look at them all at once; a dead engine costs one timeout, not one per holder.
        let results = await withTaskGroup(of: (Int, [Finding], [KubeHolders.Observation]).self) { group in
            for (index, role, side, files, holder) in jobs {
                group.addTask {
                    let context = Context(role: role, side: side, files: files, holder: holder, link: linkName, facts: facts)
                    if case .kube(let spec) = holder {
                        // What a restart gives a pod when its spec names no readable source: the
                        // side's live copy in the cluster, else its key.
                        let live = zip(side.copies, copies[role] ?? []).first { if case .kube = $0.0 { return true }; return false }?.1
                        let fallback = live.map { ($0, $0.whereLabel) } ?? (files, files.whereLabel)
                        let (found, seen) = await KubeHolders.findings(spec, context, resolver: resolver, fallback: fallback, offline: offline)
                        return (index, found, seen)
                    }
                    switch engine {
                    case .failure(let problem): return (index, side.runningIsOptional ? [] : [context.cannotLook(problem)], [])
                    case .success(let engine):
                        if offline, case .http = engine.endpoint {
                            return (index, side.runningIsOptional ? [] : [context.make(.skip, nil,
                                "--offline: \(engine.display) is reached over the network, so \(holder) is not looked at.")], [])
                        }
                        return (index, await look(engine, context), [])
                    }
                }
            }
            return await group.reduce(into: [Int: ([Finding], [KubeHolders.Observation], Role)]()) { acc, item in
                acc[item.0] = (item.1, item.2, jobs[item.0].1)
            }
        }
        var out = Results()
        for i in jobs.indices {
            guard let (found, seen, role) = results[i] else { continue }
            out.findings += found
            out.pods[role, default: []] += seen
        }
        return out
    }

    static func look(_ engine: DockerEngine, _ c: Context) async -> [Finding] {
        switch c.holder {
        case .kube:
            return []
        case .dockerContainer(let name, _):
            switch await engine.inspect(name) {
            case .failure(let p): return [c.cannotLook(p)]
            case .success(let container): return [c.verdict(container)]
            }
        case .dockerService(let service, _):
            let ids: [String]
            switch await engine.containers(composeService: service) {
            case .failure(let p): return c.side.runningIsOptional && p.engineDown ? [] : [c.cannotLook(p)]
            case .success(let list): ids = list
            }
            guard !ids.isEmpty else {
                if c.side.runningIsOptional { return [] }
                return [c.cannotLook(DockerProblem("\(engine.display) runs no container of Compose service \(service) (`docker compose ps \(ShellWord.quote(service))`; is the project up?)"))]
            }
            return await withTaskGroup(of: (Int, Finding).self) { group in
                for (i, id) in ids.enumerated() {
                    group.addTask {
                        switch await engine.inspect(id) {
                        case .failure(let p): return (i, c.cannotLook(p))
                        case .success(let container): return (i, c.verdict(container))
                        }
                    }
                }
                let found = await group.reduce(into: [Int: Finding]()) { $0[$1.0] = $1.1 }
                return ids.indices.compactMap { found[$0] }
            }
        }
    }

    /// One holder of one side, and what its findings are built from.
    struct Context: Sendable {
        var role: Role
        var side: SideSpec
        var files: KeyReading
        var holder: HolderSpec
        var link: String
        var facts: [String: String]

        var title: String {
            if case .kube = holder { return "\(side.name)'s running pods hold the key their Secret holds" }
            return "\(side.name)'s running containers hold the key its files hold"
        }

        func make(_ status: Status, _ cause: Cause?, _ message: String, _ evidence: [Evidence] = [], _ fix: [RemediationStep] = []) -> Finding {
            var facts = facts
            if case .kube(let spec) = holder {
                facts["holder.kind"] = "kube"
                facts["holder.kubectl"] = spec.scope.command
            }
            return Finding(check: .holders(role), status: status, cause: cause, title: title, message: message, evidence: evidence,
                           remediation: fix, link: link, facts: facts)
        }

        func cannotLook(_ p: DockerProblem) -> Finding { cannotLook(p.reason) }

        func cannotLook(_ reason: String) -> Finding {
            make(.warn, .sourceUnreadable, "hubdoctor cannot look at \(holder) to compare the \(holder.variableName) it holds with \(files.whereLabel): \(reason).",
                 [Evidence(source: holder.description, var: holder.variableName, detail: reason)])
        }

        func verdict(_ container: DockerContainer) -> Finding {
            let name = holder.variableName
            SecretRegistry.shared.register(container.environment[name])
            let fileValue: SecretValue? = files.value ?? (files.knownEmpty ? SecretValue("") : nil)
            let who = "Container \(container.name)"
            if fileValue == nil, !files.problems.isEmpty {
                return make(.skip, nil, "Cannot compare \(who): \(side.name)'s key source could not be read (see source.\(role.rawValue)).")
            }
            let held = container.environment[name]
            let started = container.startedAt.map(HolderChecks.time)
            let startedText = started.map { " (started \($0))" } ?? ""
            let fileEvidence = Evidence.key(source: files.whereLabel, var: side.key.variableName, value: fileValue,
                                            file: files.origin?.display, line: files.origin?.line)
            var holderEvidence = Evidence.key(source: "container \(container.name)", var: name, value: held)
            holderEvidence.detail = started.map { "started \($0)" }
            let evidence = [fileEvidence, holderEvidence]
            let heldEmpty = held?.isEmpty ?? true, fileEmpty = fileValue?.isEmpty ?? true
            if held == fileValue || heldEmpty && fileEmpty {
                let state = held.map { $0.isEmpty ? "an empty \(name), as" : "the same key (\($0.fingerprint), \($0.length) characters) as" } ?? "no \(name), as"
                return make(.pass, nil, "\(who)\(startedText) holds \(state) \(files.whereLabel).", evidence)
            }
            var message: String
            switch (heldEmpty ? nil : held, fileEmpty ? nil : fileValue) {
            case (nil, let f?):
                message = "\(who)\(startedText) holds \(held == nil ? "no" : "an empty") \(name), but \(files.whereLabel) holds \(f.fingerprint) (\(f.length) characters)."
            case (let h?, nil):
                message = "\(who)\(startedText) holds \(name) = \(h.fingerprint) (\(h.length) characters), but \(files.whereLabel) holds none: after a re-create it has no key."
            case (let h?, let f?):
                message = "\(who)\(startedText) holds \(name) = \(h.fingerprint) (\(h.length) characters), but \(files.whereLabel) holds \(f.fingerprint) (\(f.length) characters)."
            default:
                message = ""
            }
            if let startedAt = container.startedAt, let changed = files.filesModified {
                if changed > startedAt {
                    message += " It started \(HolderChecks.time(startedAt)) and \(files.origin?.display ?? "the file") changed \(HolderChecks.time(changed)), " +
                        "after it: the container keeps the environment it was created with."
                } else {
                    message += " It started after \(files.origin?.display ?? "the file") last changed (\(HolderChecks.time(changed))): its value comes from elsewhere " +
                        "(a Compose `environment:` entry that overrides env_file, another env_file, or `docker run -e`)."
                }
            }
            message += " `docker compose restart` and `docker restart` keep a container's environment; only re-creating it reads the env files again."
            return make(.fail, .staleProcessEnv, message, evidence, [recreate(container)])
        }

        func recreate(_ container: DockerContainer) -> RemediationStep {
            if let service = container.composeService {
                var command = ""
                if let dir = container.labels["com.docker.compose.project.working_dir"] { command += "cd \(ShellWord.quote(dir)) && " }
                command += "docker compose"
                if let project = container.composeProject { command += " -p \(ShellWord.quote(project))" }
                command += " up -d --force-recreate \(ShellWord.quote(service))"
                return RemediationStep(text: "Re-create Compose service \(service) so that its containers read the env files again " +
                    "(`docker compose restart \(service)` or `docker restart \(container.name)` is not enough: both keep the old environment)", run: command)
            }
            return RemediationStep(text: "Re-create container \(container.name) with the same `docker run` command (`docker rm -f \(container.name)`, then run it again " +
                "with its --env-file): `docker restart \(container.name)` keeps the environment it was created with")
        }
    }

    /// `2026-12-01 06:06:00 UTC`: when a container started or a file changed.
    static func time(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        return f.string(from: date)
    }
}
