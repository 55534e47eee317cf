import Foundation

/// `hubdoctor rotate`: a new key on both sides of every link (one per service), all files or none.
///
/// The old key is needed once more, by `verify-rotation`, to prove that the restarted service
/// refuses it, and must not be printed. `rotate --apply` therefore writes the service's old key
/// (exactly as its reader delivered it) to a file next to the service's env file, mode 0600, named
/// after the run, and prints a command that loads it into a variable for `verify-rotation` without
/// echoing it: `OLD_API_KEY="$(cat FILE)" hubdoctor verify-rotation --old-key-env OLD_API_KEY`.
public enum Rotator {
    public static func run(_ options: FixOptions) throws -> ChangeReport {
        let session = try ChangeSession(command: "rotate", options: options)
        var keys: [String: SecretValue] = [:]
        var changes: [ChangeReport.LinkChange] = []
        var allPlans: [FileChangePlan] = []
        var sideFiles: [SideFile] = []
        var checks: [LinkSpec] = []
        // Links that share a service (the same key source) share its one new key, and each file
        // and variable is written once, by the first link that reaches it.
        var keyForService: [String: SecretValue] = [:]
        var planned = Set<String>()
        for link in session.links {
            // A dry run draws a key too, to prove that every file can take it; it is thrown away,
            // and the diff shows `‹new key›`, since `--apply` draws another.
            let serviceSource = link.service.key.description
            let key = keyForService[serviceSource] ?? KeyGenerator.generate()
            keyForService[serviceSource] = key
            SecretRegistry.shared.register(key)
            keys[link.name] = key
            let readings = Doctor.read(link, options: session.checkOptions, resolver: session.resolver)
            var change = ChangeReport.LinkChange(name: link.name, mode: link.mode, modeReason: link.modeReason, verdict: .planned, problems: [],
                                                 blockers: [], summary: nil, files: [], manual: [], verified: [],
                                                 restart: link.restartCommand, next: [])
            for (side, reading) in [(link.service, readings.service), (link.caller, readings.caller)] where KeyWritePlanner.readsFiles(side.key) {
                let unreadable = reading.problems.filter { !$0.isMissingFile }
                if !unreadable.isEmpty {
                    change.blockers.append("\(side.name)'s key source cannot be read, so hubdoctor will not rewrite it: " + unreadable.map(\.description).joined(separator: "; "))
                }
            }
            if !change.blockers.isEmpty {
                change.verdict = .blocked
                changes.append(change)
                continue
            }
            var targets: [KeyTarget] = []
            var sidesWritten = 0
            var serviceFile: String?
            for (side, reading) in [(link.service, readings.service), (link.caller, readings.caller)] {
                if let files = try KeyWritePlanner.targets(side: side, reading: reading, value: key, resolver: session.resolver) {
                    // A SOPS-encrypted file is never written in the clear: `sops set` steps instead.
                    let (plain, encrypted) = KeyWritePlanner.splitEncrypted(files)
                    if side.role == .service { serviceFile = plain.first?.path }
                    targets += plain.filter { planned.insert($0.path + "\u{0}" + $0.assignment.name).inserted }
                    if encrypted.isEmpty {
                        sidesWritten += 1
                    } else {
                        let valueFile = Fixer.valueFilePath(link, side, session)
                        if options.apply, let valueFile, !sideFiles.contains(where: { $0.path == valueFile }) {
                            sideFiles.append(SideFile(path: valueFile, display: session.display(valueFile), bytes: ManualKeySteps.jsonString(key)))
                        }
                        change.manual += ManualKeySteps.sopsDotenv(for: side, files: encrypted, valueFile: options.apply ? valueFile : nil,
                                                                   workingDirectory: options.workingDirectory)
                    }
                } else {
                    let valueFile = Fixer.valueFilePath(link, side, session)
                    if options.apply, let valueFile {
                        sideFiles.append(SideFile(path: valueFile, display: session.display(valueFile), bytes: ManualKeySteps.jsonString(key)))
                    }
                    change.manual += ManualKeySteps.steps(for: side, valueFile: options.apply ? valueFile : nil, resolver: session.resolver,
                                                          workingDirectory: options.workingDirectory)
                }
            }
            let plans = try KeyWritePlanner.plan(targets)
            change.summary = "One new key (\(KeyGenerator.byteCount) random bytes, URL-safe base64: \(key.length) characters) for "
                + "\(link.service.name)'s \(link.service.key.variableName) and \(link.caller.name)'s \(link.caller.key.variableName)"
                + (change.manual.isEmpty ? ", in every file each reads in this mode." : "; what hubdoctor does not write is listed under \"By hand\".")
            change.files = session.fileChanges(plans, label: options.apply ? nil : { _ in "‹new key›" })
            if let old = readings.service.usableValue, let oldKeyFile = oldKeyPath(link, serviceFile: serviceFile, session) {
                if options.apply, !sideFiles.contains(where: { $0.path == oldKeyFile }) {
                    sideFiles.append(SideFile(path: oldKeyFile, display: session.display(oldKeyFile), bytes: old.bytes))
                }
                change.next = nextSteps(oldKeyFile: options.apply ? oldKeyFile : nil, old: old, variable: "OLD_" + (readings.facts["key_env"] ?? "KEY"),
                                        backups: !plans.isEmpty, session: session)
            } else {
                change.next = [RemediationStep(text: "\(link.service.name) has no old key, so `verify-rotation` can only check that the new key works",
                                               run: session.commandLine("verify-rotation"))]
            }
            allPlans += plans
            if sidesWritten == 2 { checks.append(link) }
            changes.append(change)
        }
        var report = ChangeReport(command: "rotate", applied: false, links: changes, interrupted: session.interrupted)
        report = try session.apply(report, allPlans, sideFiles: sideFiles) {
            var verified: [String: [String]] = [:]
            for link in checks {
                guard let key = keys[link.name] else { continue }
                verified[link.name] = try session.verify(link, keys: [(.service, key), (.caller, key)], url: false)
            }
            return verified
        }
        for i in report.links.indices where report.links[i].verdict == .applied { report.links[i].newKey = keys[report.links[i].name] }
        return report
    }

    /// Next to the service's file that hubdoctor writes (where the next run finds it if this one is
    /// killed), or, for a key hubdoctor does not write (a Secret kept in Git), in the temporary folder.
    static func oldKeyPath(_ link: LinkSpec, serviceFile: String?, _ session: ChangeSession) -> String? {
        if let serviceFile {
            return URL(fileURLWithPath: serviceFile).resolvingSymlinksInPath().path + ".hubdoctor-old-key-" + session.id
        }
        return Fixer.valueFilePath(link, link.service, session, suffix: "old-key")
    }

    static func nextSteps(oldKeyFile: String?, old: SecretValue, variable: String, backups: Bool, session: ChangeSession) -> [RemediationStep] {
        guard let oldKeyFile else {
            return [RemediationStep(text: "With --apply, the service's old key (\(old.fingerprint)) is kept in a file only you can read (mode 0600) " +
                "for `verify-rotation`, and the command that uses it is printed here")]
        }
        let path = ShellWord.path(oldKeyFile, workingDirectory: session.options.workingDirectory)
        return [
            RemediationStep(text: "After the restart, prove that the service accepts the new key and refuses the old one (\(old.fingerprint)); the old " +
                "key is read from its 0600 file into a variable for this one command, never echoed",
                            run: "\(variable)=\"$(cat \(path))\" " + session.commandLine("verify-rotation", "--old-key-env \(variable)")),
            RemediationStep(text: "Once that passes, delete the old key" + (backups ? " (and the backups listed above, which hold it too)" : ""), run: "rm \(path)"),
        ]
    }
}
