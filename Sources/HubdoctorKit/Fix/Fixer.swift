import Foundation

/// `hubdoctor fix`: the Hub 401 runbook's file fix. The key of one side (the service's unless
/// `--from caller`) is written into every file the other side reads in the mode, so that the other
/// side delivers the same key. What is wrong is decided by `KeyChecks`, as `check` decides it.
public enum Fixer {
    /// The checks whose failure this command repairs on the side being written.
    static let repairable: Set<Cause> = [.keyDrift, .callerKeyMissing, .serverKeyMissing, .placeholderKey, .keyWhitespace, .keyQuoted, .sourceUnreadable]

    public static func run(_ options: FixOptions) throws -> ChangeReport {
        let session = try ChangeSession(command: "fix", options: options)
        var work = try session.links.map { try plan($0, session) }
        try dropSharedWrites(&work)
        let report = ChangeReport(command: "fix", applied: false, links: work.map(\.change), interrupted: session.interrupted)
        return try session.apply(report, work.flatMap(\.plans), sideFiles: work.flatMap(\.sideFiles)) {
            var verified: [String: [String]] = [:]
            for w in work where !w.plans.isEmpty {
                verified[w.link.name] = try session.verify(w.link, keys: w.keyWritten, url: w.urlWritten)
            }
            return verified
        }
    }

    /// Links that share a side plan the same file: written once when they agree; refused when
    /// they would write different keys into it (`--from caller` with two callers that disagree).
    static func dropSharedWrites(_ work: inout [LinkWork]) throws {
        var seen: [String: (link: String, after: [UInt8])] = [:]
        for i in work.indices {
            work[i].plans = try work[i].plans.filter { plan in
                guard let first = seen[plan.write.path] else {
                    seen[plan.write.path] = (work[i].link.name, plan.write.after)
                    return true
                }
                guard first.after == plan.write.after else {
                    throw HubdoctorError(.usage, "links \(first.link) and \(work[i].link.name) would write different keys into \(plan.write.display); " +
                        "make their callers agree first, or fix from the shared service's side (--from service)")
                }
                return false
            }
        }
    }

    /// One link's part of the run: what the report says, and what is written.
    struct LinkWork {
        var link: LinkSpec
        var change: ChangeReport.LinkChange
        var plans: [FileChangePlan] = []
        var sideFiles: [SideFile] = []
        /// The sides whose files receive the key, and the key, for the re-read after writing.
        var keyWritten: [(Role, SecretValue)] = []
        var urlWritten = false
    }

    static func plan(_ link: LinkSpec, _ session: ChangeSession) throws -> LinkWork {
        let options = session.options
        let readings = Doctor.read(link, options: session.checkOptions, resolver: session.resolver)
        let decision = try decide(link, readings, session)
        var work = LinkWork(link: link, change: decision.change)
        guard work.change.verdict == .planned, let value = decision.value else { return work }
        let target = link.side(options.from == .service ? .caller : .service)
        let keyProblems = !work.change.problems.isEmpty
        var targets: [KeyTarget] = []
        if decision.rewriteSource {
            let source = link.side(options.from)
            guard let files = try KeyWritePlanner.targets(side: source, reading: readings.reading(source.role), value: value, resolver: session.resolver) else {
                work.change.verdict = .blocked
                work.change.blockers.append("\(source.name)'s key must lose its stray characters where it is kept, which hubdoctor does not write: " +
                    "correct it there, then run \(session.commandLine("fix")) again")
                return work
            }
            targets += encryptedBySops(files, side: source, link: link, value: value, session: session, work: &work)
        }
        if let files = try KeyWritePlanner.targets(side: target, reading: readings.reading(target.role), value: value, resolver: session.resolver) {
            targets += encryptedBySops(files, side: target, link: link, value: value, session: session, work: &work)
        } else if keyProblems {
            let valueFile = valueFilePath(link, target, session)
            if options.apply, let valueFile {
                work.sideFiles.append(SideFile(path: valueFile, display: session.display(valueFile), bytes: ManualKeySteps.jsonString(value)))
            }
            work.change.manual = ManualKeySteps.steps(for: target, valueFile: options.apply ? valueFile : nil, resolver: session.resolver,
                                                      workingDirectory: options.workingDirectory)
        }
        if let (problem, urlTargets) = try urlRepair(link, readings, session) {
            work.change.problems.append(problem)
            targets += urlTargets
            work.urlWritten = true
        }
        work.plans = try KeyWritePlanner.plan(targets)
        if work.change.problems.isEmpty {
            if work.plans.isEmpty {
                work.change.verdict = .nothingToDo
            } else {
                let files = work.plans.map(\.write.display)
                work.change.problems.append(ChangeReport.Problem(cause: nil, message: "Both sides deliver the same key, but " + files.joined(separator: ", ")
                    + " also hold\(files.count == 1 ? "s" : "") \(target.key.variableName) with another value, at a lower priority: a stale copy that " +
                        "comes back when the winning file changes, and that the other run mode may read"))
            }
        } else if keyProblems, work.plans.isEmpty, work.change.manual.isEmpty {
            work.change.verdict = .blocked
            work.change.blockers.append("Every file \(target.name) reads already holds this key, yet \(target.name) delivers another: its value comes from somewhere else than these files")
        }
        var summary: [String] = []
        let from = link.side(options.from)
        let cleaned = decision.rewriteSource ? " without its stray characters (on both sides)" : ""
        let source = "\(from.name)'s \(from.key.variableName)\(cleaned) (\(value.fingerprint), \(value.length) characters, from \(readings.reading(options.from).whereLabel))"
        if !work.change.manual.isEmpty {
            summary.append("\(target.name)'s \(target.key.variableName) must become \(source): by hand, as below.")
        } else if work.plans.contains(where: { $0.edit.changes.contains { $0.isSecret } }) {
            summary.append("\(target.name)'s \(target.key.variableName) ← \(source), in every file \(target.name) reads in this mode.")
        }
        if let url = targets.first(where: { !$0.assignment.isSecret })?.assignment {
            summary.append("\(link.caller.name)'s \(url.name) ← \(Redact.url(url.value.text)), the URL for \(link.mode?.rawValue ?? "this") mode.")
        }
        work.change.summary = summary.isEmpty ? nil : summary.joined(separator: "\n  ")
        work.change.files = session.fileChanges(work.plans)
        return work
    }

    /// The files of `files` that hubdoctor writes itself. The SOPS-encrypted ones become `sops set`
    /// steps, with the key in a 0600 value file (written with --apply); the side is then re-read
    /// after writing only when none of its files is left to the engineer.
    static func encryptedBySops(_ files: [KeyTarget], side: SideSpec, link: LinkSpec, value: SecretValue, session: ChangeSession,
                                work: inout LinkWork) -> [KeyTarget] {
        let (plain, encrypted) = KeyWritePlanner.splitEncrypted(files)
        guard !encrypted.isEmpty else {
            work.keyWritten.append((side.role, value))
            return plain
        }
        let valueFile = valueFilePath(link, side, session)
        if session.options.apply, let valueFile {
            work.sideFiles.append(SideFile(path: valueFile, display: session.display(valueFile), bytes: ManualKeySteps.jsonString(value)))
        }
        work.change.manual += ManualKeySteps.sopsDotenv(for: side, files: encrypted, valueFile: session.options.apply ? valueFile : nil,
                                                        workingDirectory: session.options.workingDirectory)
        return plain
    }

    /// What is wrong with `link`, and the key to write: the source side's, or that key without
    /// the stray whitespace or quotes its reader keeps (then the source side is rewritten too).
    struct Decision {
        var change: ChangeReport.LinkChange
        var value: SecretValue?
        var rewriteSource = false
    }

    static func decide(_ link: LinkSpec, _ readings: LinkReadings, _ session: ChangeSession) throws -> Decision {
        let from = session.options.from
        let to: Role = from == .service ? .caller : .service
        let source = link.side(from), target = link.side(to)
        let targetReading = readings.reading(to)
        let findings = KeyChecks.evaluate(readings)
        func bad(_ check: CheckID) -> Finding? { findings.first { $0.check == check && ($0.status == .fail || $0.status == .warn) } }

        var decision = Decision(change: ChangeReport.LinkChange(name: link.name, mode: link.mode, modeReason: link.modeReason, verdict: .planned,
                                                                problems: [], blockers: [], summary: nil,
                                                                files: [], manual: [], verified: [],
                                                                restart: link.restartCommand, next: []),
                                value: readings.reading(from).value)
        for check in [CheckID.present(to), .format(to), .keysMatch] {
            if let f = bad(check), let cause = f.cause, repairable.contains(cause) { decision.change.problems.append(.init(cause: cause, message: f.message)) }
        }
        if let f = bad(.source(to)) {
            if !targetReading.problems.isEmpty, targetReading.problems.allSatisfy(\.isMissingFile) {
                decision.change.problems.append(.init(cause: f.cause, message: f.message))
            } else {
                decision.change.blockers.append("\(target.name)'s key source cannot be read, so hubdoctor will not rewrite it:\n" + f.message)
            }
        }
        let format = bad(.format(from))
        if let f = format, [.keyWhitespace, .keyQuoted].contains(f.cause), let value = decision.value, let clean = cleaned(value) {
            // The runbook's repair: the key is what is left without the stray characters.
            decision.change.problems.insert(.init(cause: f.cause, message: f.message), at: 0)
            decision.value = clean
            decision.rewriteSource = true
        } else if let f = bad(.source(from)) ?? bad(.present(from)) ?? format {
            var text = "\(source.name)'s \(source.key.variableName) cannot be the key to copy [\(f.cause?.rawValue ?? f.status.rawValue)]:\n" + f.message
            let otherFine = bad(.source(to)) == nil && bad(.present(to)) == nil && bad(.format(to)) == nil
            if otherFine {
                text += "\nIf \(target.name)'s key is the right one, copy it the other way: \(session.commandLine("fix", "--from \(to.rawValue)")). " +
                    "Otherwise give both sides a new key: \(session.commandLine("rotate"))."
            } else {
                text += "\nNeither side holds a usable key: give both a new one with \(session.commandLine("rotate"))."
            }
            decision.change.blockers.append(text)
        }
        if !decision.change.blockers.isEmpty { decision.change.verdict = .blocked }
        return decision
    }

    /// `value` without whitespace, a BOM, CR or LF at its ends and without one layer of matching
    /// quotes, when that leaves a key that passes every format check; otherwise nil.
    static func cleaned(_ value: SecretValue) -> SecretValue? {
        let clean = SecretValue(DotenvJSParser.jsTrim(KeyAnalysis.unquote(DotenvJSParser.jsTrim(value.text))))
        guard !clean.isEmpty, clean != value, KeyAnalysis.placeholderReason(clean) == nil, KeyAnalysis.edgeWhitespace(clean) == nil,
              KeyAnalysis.quoteReason(clean) == nil else { return nil }
        SecretRegistry.shared.register(clean)
        return clean
    }

    /// The runbook's other line: the caller's service URL for the mode (`url-mode-mismatch`), as
    /// `URLChecks` decides it. Any path on the configured URL is kept.
    static func urlRepair(_ link: LinkSpec, _ readings: LinkReadings, _ session: ChangeSession) throws -> (ChangeReport.Problem, [KeyTarget])? {
        guard let finding = URLChecks.evaluate(readings).first(where: { $0.check == .urlMode && $0.cause == .urlModeMismatch }),
              let expected = link.expectedURL, var fixed = URLComponents(string: expected),
              let source = link.url, let reading = readings.url, let current = reading.value else { return nil }
        let path = URLComponents(string: current.text)?.path ?? ""
        if !path.isEmpty, path != "/" { fixed.path = path }
        let value = SecretValue(fixed.string ?? expected)
        let side = SideSpec(role: .caller, name: link.caller.name, key: source, readers: link.caller.readers)
        guard var targets = try KeyWritePlanner.targets(side: side, reading: reading, value: value, resolver: session.resolver) else { return nil }
        for i in targets.indices { targets[i].assignment.isSecret = false }
        return (ChangeReport.Problem(cause: .urlModeMismatch, message: finding.message), targets)
    }

    /// Where the JSON-encoded key for a hand-edited source goes: the temporary folder, mode 0600,
    /// and not next to the source, which usually sits in a Git repository where a plain-text key
    /// could be committed by accident.
    /// `suffix`: `value.json` for the key to set by hand, `old-key` for the key a rotation replaced.
    static func valueFilePath(_ link: LinkSpec, _ side: SideSpec, _ session: ChangeSession, suffix: String = "value.json") -> String? {
        let dir = (session.options.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp").trimmingSuffix("/")
        let name = String(link.name.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
        return dir + "/hubdoctor-\(session.id)-\(name)-\(side.role.rawValue)-\(suffix)"
    }
}

extension LinkReadings {
    func reading(_ role: Role) -> KeyReading { role == .caller ? caller : service }
}

extension LinkSpec {
    func side(_ role: Role) -> SideSpec { role == .caller ? caller : service }
}
