import Foundation

/// What `fix` and `rotate` share: the links to work on, the interrupted runs found before
/// planning, and the one transaction that writes every file of every link, verifies the result by
/// reading it back, and rolls everything back when that fails.
final class ChangeSession {
    let command: String
    let options: FixOptions
    let resolver: SourceResolver
    let checkOptions: CheckOptions
    let links: [LinkSpec]
    /// The transaction's id, known in advance so that side files can be named after it.
    let id = FileTransaction.newID()
    private(set) var interrupted: [String] = []

    init(command: String, options: FixOptions) throws {
        self.command = command
        self.options = options
        checkOptions = options.checkOptions
        let setup = try Doctor.setup(checkOptions)
        resolver = setup.resolver
        links = setup.links
        if let link = links.first(where: { $0.service.key == .keyStore }) {
            throw HubdoctorError(.usage, "link \(link.name): \(link.service.name) keeps its keys in its own store (its config has no service.key), " +
                "which \(command) cannot write. Issue or re-issue the key with \(link.service.name)'s own tools, then install it in \(link.caller.name)'s \(link.caller.key.variableName)")
        }
        // Before anything is read: with --apply, put back what an interrupted run left half-done,
        // so that the plan starts from a layout that is wholly as it was.
        for run in try InterruptedRun.find(in: directories) {
            if options.apply {
                interrupted += try run.recover()
            } else {
                interrupted += run.describe() + ["(--apply does this first; the plan below is against the files as they are now)"]
            }
        }
    }

    /// Every folder a run of this layout may write in, where an interrupted run's files are
    /// looked for: the layout root (where the journal goes), the folder of every key file of any
    /// link on either side, the folders of the env files a Compose service reads (its `env_file:`s
    /// and the project `.env`, which its key source does not name), and for each of these files
    /// behind a symbolic link, the folder of its target (where the new version is written).
    var directories: [String] {
        var out: [String] = [resolver.root]
        func add(_ file: String) {
            let path = resolver.absolute(file)
            for p in [path, URL(fileURLWithPath: path).resolvingSymlinksInPath().path] {
                let dir = (p as NSString).deletingLastPathComponent
                if !out.contains(dir) { out.append(dir) }
            }
        }
        for link in links {
            for source in [link.caller.key, link.service.key] + (link.url.map { [$0] } ?? []) {
                for file in source.files { add(file) }
                if case .compose(let file, let service, _) = source { composeEnvFiles(file, service).forEach(add) }
            }
            if link.mode == .native { HiveCFMProfile.nextFiles().forEach(add) }
        }
        return out
    }

    /// The env files of a Compose service, and the project `.env`: absolute paths.
    func composeEnvFiles(_ file: String, _ service: String) -> [String] {
        guard case .success(let project) = ComposeProject.load(file: file, resolver: resolver) else { return [] }
        var out = project.projectEnvOrigin.path.map { [$0] } ?? []
        if let node = project.service(service) {
            for entry in project.envFiles(node) {
                if case .success(let path) = project.resolvedPath(entry, resolver: resolver) { out.append(path) }
            }
        }
        return out
    }

    func display(_ path: String) -> String { resolver.display(path) }

    /// A command line that repeats this run's `--root`, `--config` and `--mode`.
    func commandLine(_ sub: String, _ extra: String = "") -> String {
        var parts = ["hubdoctor", sub]
        if !extra.isEmpty { parts.append(extra) }
        if options.root != "." { parts += ["--root", ShellWord.quote(options.root)] }
        if let c = options.configPath { parts += ["--config", ShellWord.quote(c)] }
        if options.mode != .auto { parts += ["--mode", options.mode.rawValue] }
        return parts.joined(separator: " ")
    }


    func fileChanges(_ plans: [FileChangePlan], label: ((SecretValue) -> String)? = nil) -> [ChangeReport.FileChange] {
        plans.map { p in
            ChangeReport.FileChange(display: p.write.display, reasons: p.reasons,
                                    diff: RedactedDiff.render(display: p.write.display, edit: p.edit, created: p.created, newLabel: label),
                                    created: p.created, symlinkTarget: p.symlinkTarget.map(display), backup: nil,
                                    lineEnding: EnvFileEditor.usesCRLF(p.edit.original) ? "CRLF" : "LF", notes: p.edit.notes)
        }
    }

    /// With `--apply`: writes, verifies (`verify` returns what it checked, by link name) and marks
    /// every planned link applied, with the backup of each file. Without it, `report` as it is.
    func apply(_ report: ChangeReport, _ plans: [FileChangePlan], sideFiles: [SideFile], verify: () throws -> [String: [String]]) throws -> ChangeReport {
        guard options.apply, !plans.isEmpty || !sideFiles.isEmpty else { return report }
        var verified: [String: [String]] = [:]
        let backups = try write(plans, sideFiles: sideFiles) { verified = try verify() }
        var out = report
        out.applied = true
        for i in out.links.indices where out.links[i].verdict == .planned {
            out.links[i].verdict = .applied
            out.links[i].verified = verified[out.links[i].name] ?? []
            for j in out.links[i].files.indices { out.links[i].files[j].backup = backups[out.links[i].files[j].display].map(display) }
        }
        return out
    }

    /// Writes every planned file in one transaction, re-reads each one with its readers and runs
    /// `verify` (which re-reads the links); on any failure, restores every file and rethrows.
    /// Returns the backup of each file, by display name.
    func write(_ plans: [FileChangePlan], sideFiles: [SideFile], verify: () throws -> Void) throws -> [String: String] {
        let tx = FileTransaction(command: command, writes: plans.map(\.write), sideFiles: sideFiles,
                                 faults: FaultInjection.from(environment: options.environment), id: id,
                                 journalDirectory: resolver.root)
        try tx.preflight()
        try tx.stage()
        try tx.commit()
        do {
            try verifyOnDisk(plans)
            try verify()
        } catch {
            do {
                try tx.rollBack()
            } catch let rollback {
                throw HubdoctorError(.io, "the written files did not verify (\(error)), and restoring them failed too: \(rollback)")
            }
            throw HubdoctorError(.io, "the written files did not verify, so every file was restored as it was: \(error)")
        }
        tx.finish()
        var backups: [String: String] = [:]
        for w in tx.writes { if let b = tx.backupPath(w) { backups[w.display] = b } }
        return backups
    }

    /// Each file on disk is the planned content, and every reader of it delivers the key.
    func verifyOnDisk(_ plans: [FileChangePlan]) throws {
        for p in plans {
            guard let now = try FileState.read(p.write.path, display: p.write.display), now.bytes == p.write.after else {
                throw HubdoctorError(.io, "does not hold the content that was written", location: p.write.display)
            }
            for reader in p.readers {
                let doc = reader.parse(now.bytes)
                if doc.error != nil, reader != p.readers[0] { continue }
                for a in p.assignments where doc.value(of: a.name)?.value != a.value {
                    throw HubdoctorError(.io, "\(reader.readerName) does not read the new \(a.name) from it", location: p.write.display)
                }
            }
        }
    }

    /// Re-reads `link` once after writing, as `check` reads it: each written side must deliver its
    /// value, the keys must match when a key was written, and the URL must fit the mode when it was
    /// written. Returns what was confirmed, in words.
    func verify(_ link: LinkSpec, keys: [(Role, SecretValue)], url: Bool) throws -> [String] {
        let readings = Doctor.read(link, options: checkOptions, resolver: resolver)
        var confirmed: [String] = []
        for (role, value) in keys {
            let side = link.side(role), reading = readings.reading(role)
            guard reading.value == value else {
                throw HubdoctorError(.io, "\(side.name) still reads another \(side.key.variableName) (\(reading.value?.fingerprint ?? "none")) from \(reading.whereLabel)")
            }
            confirmed.append("\(side.name) now reads \(side.key.variableName) from \(reading.whereLabel): \(value.length) characters, \(value.fingerprint)")
        }
        if !keys.isEmpty {
            guard let match = KeyChecks.evaluate(readings).first(where: { $0.check == .keysMatch }), match.status == .pass else {
                throw HubdoctorError(.io, "the keys of \(link.name) still do not match after writing")
            }
            confirmed.append(match.message)
        }
        if url {
            guard let finding = URLChecks.evaluate(readings).first(where: { $0.check == .urlMode }), finding.status == .pass else {
                throw HubdoctorError(.io, "\(link.caller.name)'s service URL still does not fit the mode after writing")
            }
            confirmed.append(finding.message)
        }
        return confirmed
    }
}
