/// Compares what each running process holds with what its files say. Environment variables are
/// read once, at start: a process that started before the files changed (a Secret patched under
/// `envFrom`, an edited `.env`, a container restarted instead of re-created) keeps the old key
/// until it is restarted.
public enum ProcessChecks {
    public static func evaluate(_ r: LinkReadings) -> [Finding] {
        let sides: [(Role, SideSpec, KeyReading, KeyReading?, KeyReading)] = [
            (.caller, r.link.caller, r.caller, r.callerProcess, r.service),
            (.service, r.link.service, r.service, r.serviceProcess, r.caller),
        ]
        let facts = r.facts
        var findings: [Finding] = []
        for (role, side, files, process, other) in sides {
            guard let process, let pid = side.process, side.key != .keyStore else { continue }
            let name = process.source.variableName
            let check = CheckID.process(role)
            let title = "\(side.name)'s running process holds the key its files hold"
            func make(_ status: Status, _ cause: Cause?, _ message: String, _ evidence: [Evidence] = [], _ fix: [RemediationStep] = []) -> Finding {
                Finding(check: check, status: status, cause: cause, title: title, message: message, evidence: evidence,
                        remediation: fix, link: r.link.name, facts: facts)
            }
            if let problem = process.problems.first {
                findings.append(make(.warn, .sourceUnreadable,
                    "\(problem.description). hubdoctor cannot compare \(side.name)'s running key with its files: pass the PID of the running " +
                        "\(side.name) (`pgrep -f …`, or `docker inspect -f '{{.State.Pid}}' CONTAINER` for a container).",
                    [Evidence(source: problem.origin.display, var: name, detail: problem.reason)]))
                continue
            }
            let fileValue: SecretValue? = files.value ?? (files.knownEmpty ? SecretValue("") : nil)
            if fileValue == nil, !files.problems.isEmpty {
                findings.append(make(.skip, nil, "Cannot compare: \(side.name)'s key source could not be read (see source.\(role.rawValue))."))
                continue
            }
            let running = process.value
            let fileEvidence = Evidence.key(source: files.whereLabel, var: side.key.variableName, value: fileValue,
                                            file: files.origin?.display, line: files.origin?.line)
            let processEvidence = Evidence.key(source: "process \(pid)", var: name, value: running)
            if running == fileValue || (running?.isEmpty ?? true) && (fileValue?.isEmpty ?? true) {
                let state = running.map { "the same key (\($0.fingerprint), \($0.length) characters)" } ?? "no \(name) either"
                findings.append(make(.pass, nil, "Process \(pid) holds \(state) as \(files.whereLabel).", [fileEvidence, processEvidence]))
                continue
            }
            var message: String
            switch (running, fileValue) {
            case (nil, let f?):
                message = "Process \(pid) has no \(name) in its environment, but \(files.whereLabel) defines it (\(f.fingerprint), \(f.length) " +
                    "characters): the process started before the key was added."
            case (let p?, nil):
                message = "Process \(pid) holds \(name) (\(p.fingerprint), \(p.length) characters), but \(files.whereLabel) no longer defines it: after a restart the process has no key."
            case (let p?, let f?):
                message = "Process \(pid) holds \(name) = \(p.fingerprint) (\(p.length) characters), but \(files.whereLabel) holds \(f.fingerprint) " +
                    "(\(f.length) characters): the process started before the files changed and keeps the old value."
            default:
                message = ""
            }
            message += " Environment variables are read only when a process starts (Kubernetes `envFrom`/`env` do not follow a changed Secret; `docker " +
                "compose restart` keeps the old container environment)."
            if let o = other.usableValue {
                if let p = running, p == o {
                    message += " The running value matches \(otherName(r, role))'s key, so the link works now; restarting \(side.name) as its files " +
                        "stand would break it: fix \(files.whereLabel) first."
                } else if let f = fileValue, f == o {
                    message += " The files match \(otherName(r, role))'s key: a restart fixes the link."
                }
            }
            let step = side.restart.map { RemediationStep(text: "Restart \(side.name) so that it reads its configuration again.", run: $0) }
                ?? RemediationStep(text: "Restart \(side.name) (process \(pid)) so that it reads its configuration again.")
            findings.append(make(.fail, .staleProcessEnv, message, [fileEvidence, processEvidence], [step]))
        }
        return findings
    }

    static func otherName(_ r: LinkReadings, _ role: Role) -> String {
        role == .caller ? r.link.service.name : r.link.caller.name
    }
}
