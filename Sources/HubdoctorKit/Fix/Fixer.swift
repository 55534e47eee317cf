import Foundation

/// `hubdoctor fix`: the Hub 401 runbook's file fix. The key of one side (the service's unless
/// `--from caller`) is written into every file the other side reads in the mode, so that the other
/// side delivers the same key. What is wrong is decided by `KeyChecks`, as `check` decides it.
public enum Fixer {
    /// The checks whose failure this command repairs on the side being written.
    static let repairable: Set<Cause> = [.keyDrift, .callerKeyMissing, .serverKeyMissing, .placeholderKey, .keyWhitespace, .keyQuoted, .sourceUnreadable]

    public static func run(_ options: FixOptions) throws -> ChangeReport {
        let session = try ChangeSession(command: "fix", options: options)
        var changes: [ChangeReport.LinkChange] = []
        var allPlans: [FileChangePlan] = []
        var sideFiles: [SideFile] = []
        var verifications: [(LinkSpec, Role, SecretValue)] = []
        for link in session.links {
            let readings = Doctor.read(link, options: session.checkOptions, resolver: session.resolver)
            var change = try decide(link, readings, session)
            guard change.verdict == .planned, let value = (options.from == .service ? readings.service : readings.caller).value else {
                changes.append(change)
                continue
            }
            let target = options.from == .service ? link.caller : link.service
            let targetReading = options.from == .service ? readings.caller : readings.service
            if ManualKeySteps.isEditable(target.key) {
                let targets = try KeyWritePlanner.targets(side: target, reading: targetReading, value: value, resolver: session.resolver)
                let plans = try KeyWritePlanner.plan(targets)
                if plans.isEmpty {
                    change.verdict = change.problems.isEmpty ? .nothingToDo : .blocked
                    if !change.problems.isEmpty {
                        change.blockers.append("Every file \(target.name) reads already holds this key, yet \(target.name) delivers another: its value comes from somewhere else than these files")
                    }
                } else if change.problems.isEmpty {
                    change.problems.append(ChangeReport.Problem(cause: nil, message: "Both sides deliver the same key, but " + plans.map(\.write.display).joined(separator: ", ")
                        + " also hold \(target.key.variableName) with another value, at a lower priority: a stale copy that comes back when the winning file changes, and that the other run mode may read"))
                }
                change.files = session.fileChanges(plans)
                allPlans += plans
                verifications.append((link, target.role, value))
            } else if change.problems.isEmpty {
                change.verdict = .nothingToDo
            } else {
                let valueFile = valueFilePath(target, session)
                if options.apply, let valueFile {
                    sideFiles.append(SideFile(path: valueFile, display: session.display(valueFile), bytes: ManualKeySteps.jsonString(value)))
                }
                change.manual = ManualKeySteps.steps(for: target, valueFile: options.apply ? valueFile : nil, resolver: session.resolver,
                                                     workingDirectory: options.workingDirectory)
            }
            changes.append(change)
        }
        var report = ChangeReport(command: "fix", applied: false, links: changes, interrupted: session.interrupted)
        guard options.apply, !allPlans.isEmpty || !sideFiles.isEmpty else { return report }
        var verified: [String: [String]] = [:]
        let backups = try session.write(allPlans, sideFiles: sideFiles) {
            for (link, role, value) in verifications {
                verified[link.name, default: []].append(try session.verifyLink(link, role: role, value: value))
                verified[link.name, default: []].append(try session.verifyMatch(link))
            }
        }
        report.applied = true
        for i in report.links.indices where report.links[i].verdict == .planned {
            report.links[i].verdict = .applied
            report.links[i].verified = verified[report.links[i].name] ?? []
            for j in report.links[i].files.indices { report.links[i].files[j].backup = backups[report.links[i].files[j].display].map(session.display) }
        }
        return report
    }

    /// What is wrong with `link`, and whether writing the source side's key fixes it.
    static func decide(_ link: LinkSpec, _ readings: LinkReadings, _ session: ChangeSession) throws -> ChangeReport.LinkChange {
        let from = session.options.from
        let to: Role = from == .service ? .caller : .service
        let source = from == .service ? link.service : link.caller
        let target = from == .service ? link.caller : link.service
        let targetReading = to == .caller ? readings.caller : readings.service
        let findings = KeyChecks.evaluate(readings)
        func bad(_ check: String) -> Finding? { findings.first { $0.check == check && ($0.status == .fail || $0.status == .warn) } }

        var change = ChangeReport.LinkChange(name: link.name, mode: link.mode, modeReason: link.modeReason, verdict: .planned, problems: [],
                                             blockers: [], summary: nil, files: [], manual: [], verified: [], restart: session.restart(link), next: [])
        for check in ["keys.\(to.rawValue).present", "keys.\(to.rawValue).format", "keys.match"] {
            if let f = bad(check), let cause = f.cause, repairable.contains(cause) { change.problems.append(.init(cause: cause, message: f.message)) }
        }
        if let f = bad("source.\(to.rawValue)") {
            if !targetReading.problems.isEmpty, targetReading.problems.allSatisfy(isMissingFile) {
                change.problems.append(.init(cause: f.cause, message: f.message))
            } else {
                change.blockers.append("\(target.name)'s key source cannot be read, so hubdoctor will not rewrite it:\n" + f.message)
            }
        }
        let sourceProblem = bad("source.\(from.rawValue)") ?? bad("keys.\(from.rawValue).present") ?? bad("keys.\(from.rawValue).format")
        if let f = sourceProblem {
            var text = "\(source.name)'s \(source.key.variableName) cannot be the key to copy [\(f.cause?.rawValue ?? f.status.rawValue)]:\n" + f.message
            let otherFine = bad("source.\(to.rawValue)") == nil && bad("keys.\(to.rawValue).present") == nil && bad("keys.\(to.rawValue).format") == nil
            if otherFine {
                text += "\nIf \(target.name)'s key is the right one, copy it the other way: \(session.commandLine("fix", "--from \(to.rawValue)")). Otherwise give both sides a new key: \(session.commandLine("rotate"))."
            } else {
                text += "\nNeither side holds a usable key: give both a new one with \(session.commandLine("rotate"))."
            }
            change.blockers.append(text)
        }
        if !change.blockers.isEmpty {
            change.verdict = .blocked
            return change
        }
        let value = (from == .service ? readings.service : readings.caller).value!
        change.summary = "Write \(source.name)'s \(source.key.variableName) (\(value.fingerprint), \(value.length) characters, from \(readings.reading(from).whereLabel)) into \(target.key.variableName), in every file \(target.name) reads in this mode."
        return change
    }

    static func isMissingFile(_ p: SourceProblem) -> Bool {
        p.reason == "no such file" || (p.reason.hasPrefix("none of ") && p.reason.hasSuffix(" exists"))
    }

    /// Where the JSON-encoded key for a hand-edited source goes: the temporary folder, mode 0600,
    /// and not next to the source, which usually sits in a Git repository where a plain-text key
    /// could be committed by accident.
    static func valueFilePath(_ side: SideSpec, _ session: ChangeSession) -> String? {
        let dir = (session.options.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp").trimmingSuffix("/")
        return dir + "/hubdoctor-\(session.id)-\(side.role.rawValue)-value.json"
    }
}

extension LinkReadings {
    func reading(_ role: Role) -> KeyReading { role == .caller ? caller : service }
}
