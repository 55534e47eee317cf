import Foundation

/// One env file that must receive a key, and why.
public struct KeyTarget: Sendable {
    /// As resolved against the root (may be a symbolic link).
    public var path: String
    public var display: String
    public var readers: [Dialect]
    public var assignment: EnvAssignment
    /// Why this file, in words ("wins in native mode", "a lower file that would keep a stale copy").
    public var reason: String
}

/// One file's planned change: the bytes before and after, and what to show.
public struct FileChangePlan: Sendable {
    public var write: PlannedWrite
    public var edit: EnvFileEdit
    public var reasons: [String]
    public var symlinkTarget: String?
    public var readers: [Dialect]
    public var assignments: [EnvAssignment]

    public var created: Bool { write.before == nil }
}

/// Decides which files of a side must change so that the side delivers a given key and no file it
/// reads keeps another copy, and builds each file's new content.
public enum KeyWritePlanner {
    /// The env files to write `value` into so that `side` delivers it, or nil when the value lives
    /// where hubdoctor does not write (a Kubernetes Secret, a literal in a compose file, a process,
    /// a CI secret): `ManualKeySteps` then says what to do by hand.
    public static func targets(side: SideSpec, reading: KeyReading, value: SecretValue, resolver: SourceResolver) throws -> [KeyTarget]? {
        switch side.key {
        case .env(let files, let name, let dialect):
            return try envTargets(files: files, name: name, readers: [dialect] + side.readers, side: side, reading: reading, value: value, resolver: resolver)
        case .compose(let file, let service, let name):
            return try composeTargets(file: file, service: service, name: name, side: side, reading: reading, value: value, resolver: resolver)
        case .yamlSecret, .yamlPath, .process, .environment, .literal, .keyStore, .kube:
            return nil
        }
    }

    /// Whether the side's key is read from files that hubdoctor parses itself, so that a file it
    /// cannot read stops the change rather than being written over.
    static func readsFiles(_ source: KeySource) -> Bool {
        switch source {
        case .env, .compose: return true
        default: return false
        }
    }

    /// Every file in the side's load order that defines the variable is rewritten: the winner, so
    /// the side delivers the key, and the lower ones, so that no stale copy surfaces when the winner
    /// goes away or another mode reads them. When none defines it, the lowest-priority existing
    /// file gets a new line (Core: `.env`).
    static func envTargets(files: [String], name: String, readers: [Dialect], side: SideSpec, reading: KeyReading, value: SecretValue,
                           resolver: SourceResolver) throws -> [KeyTarget] {
        let loaded = EnvLoader(resolver: resolver).load(files: files, dialect: readers[0])
        var out: [KeyTarget] = []
        var existing: [EnvLoader.LoadedFile] = []
        for file in loaded {
            if let problem = file.problem {
                if problem.isMissingFile { continue }
                throw HubdoctorError(.io, "\(problem.reason); hubdoctor cannot change a file it cannot read", location: file.origin.display)
            }
            guard let doc = file.document else { continue }
            if let e = doc.error {
                throw HubdoctorError(.parse, "\(e.sentence(reader: readers[0].readerName)); correct it first, hubdoctor edits only files their reader accepts",
                                     location: "\(file.origin.display):\(e.line)")
            }
            existing.append(file)
            guard doc.value(of: name) != nil, let path = file.origin.path else { continue }
            let wins = reading.origin?.path == path
            let reason = wins ? "the file \(side.name) reads \(name) from" : "also defines \(name) at a lower priority: it would keep a stale copy"
            out.append(KeyTarget(path: path, display: file.origin.display, readers: readers, assignment: EnvAssignment(name: name, value: value), reason: reason))
        }
        if out.isEmpty {
            let chosen = existing.last?.origin ?? loaded.first?.origin ?? Origin(display: files.first ?? "", path: files.first.map(resolver.absolute))
            let exists = !existing.isEmpty
            out.append(KeyTarget(path: chosen.path ?? resolver.absolute(chosen.display), display: chosen.display, readers: readers,
                                 assignment: EnvAssignment(name: name, value: value),
                                 reason: exists ? "no file \(side.name) reads defines \(name): a line is added here"
                                              : "no file \(side.name) reads exists: it is created"))
        }
        return out
    }

    /// A Compose service's variable. `environment:` wins over the `env_file:`s; hubdoctor writes
    /// the project `.env` when that entry takes its value from there (`KEY:` alone, `${VAR}`,
    /// `${VAR:-default}`), and the env_files that define it (a later one wins, the others would keep
    /// a stale copy). A literal under `environment:`, or a `format: raw` env_file, is left to the
    /// engineer (nil).
    static func composeTargets(file: String, service: String, name: String, side: SideSpec, reading: KeyReading, value: SecretValue,
                               resolver: SourceResolver) throws -> [KeyTarget]? {
        let project: ComposeProject
        switch ComposeProject.load(file: file, resolver: resolver) {
        case .failure(let p): throw HubdoctorError(.io, "\(p.reason); hubdoctor cannot tell where \(name) comes from", location: p.origin.label)
        case .success(let p): project = p
        }
        guard let node = project.service(service) else {
            throw HubdoctorError(.config, "has no service \(service)", location: project.origin.display)
        }
        let readers = [Dialect.compose] + side.readers
        var out: [KeyTarget] = []
        var lastFile: (path: String, display: String)?
        for entry in project.envFiles(node) {
            guard case .success(let path) = project.resolvedPath(entry, resolver: resolver),
                  case .success(let bytes) = SourceFile.read(path) else { continue }
            let defines = entry.raw ? ComposeProject.rawEntries(bytes).contains { $0.0 == name } : Dialect.compose.parse(bytes).value(of: name) != nil
            if entry.raw {
                if defines { return nil }
                continue
            }
            let display = resolver.display(path)
            lastFile = (path, display)
            guard defines else { continue }
            let reason = reading.origin?.path == path ? "the env_file service \(service) takes \(name) from"
                                                      : "an env_file of service \(service) that also defines \(name): it would keep a stale copy"
            out.append(KeyTarget(path: path, display: display, readers: readers, assignment: EnvAssignment(name: name, value: value), reason: reason))
        }
        if let item = project.environmentEntries(node).last(where: { $0.name == name }) {
            guard let variable = item.value.map(singleReference) ?? name else { return nil }
            let env = project.projectEnvOrigin
            let how = item.value == nil ? "`\(name):` with no value" : "`\(name): ${\(variable)}`"
            guard let envPath = env.path else { return nil }
            out.append(KeyTarget(path: envPath, display: env.display, readers: [.compose], assignment: EnvAssignment(name: variable, value: value),
                                 reason: "the project .env, where \(how) under `environment:` of service \(service) takes it from"))
        } else if out.isEmpty {
            guard let last = lastFile else { return nil }
            out.append(KeyTarget(path: last.path, display: last.display, readers: readers, assignment: EnvAssignment(name: name, value: value),
                                 reason: "no env_file of service \(service) defines \(name): a line is added to the last one, which wins"))
        }
        return out
    }

    static let reference = NSRegularExpression.builtIn(#"^\$(?:([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-?][^}]*)?\})$"#)

    /// `VAR` when a Compose value is exactly `$VAR`, `${VAR}`, `${VAR:-default}` or `${VAR:?error}`.
    static func singleReference(_ raw: String) -> String? {
        let ns = raw as NSString
        guard let m = reference.firstMatch(in: raw, range: NSRange(location: 0, length: ns.length)) else { return nil }
        let r = m.range(at: 1).location != NSNotFound ? m.range(at: 1) : m.range(at: 2)
        return ns.substring(with: r)
    }

    /// Separates the files hubdoctor writes from the SOPS-encrypted ones, which it must not: its
    /// editor would put the key in the clear among the ciphertext, in a file usually kept in Git.
    /// Those are set with `sops set` instead (`ManualKeySteps.sopsDotenv`).
    public static func splitEncrypted(_ targets: [KeyTarget]) -> (plain: [KeyTarget], encrypted: [KeyTarget]) {
        var plain: [KeyTarget] = [], encrypted: [KeyTarget] = []
        for t in targets {
            if isSOPSEncrypted(URL(fileURLWithPath: t.path).resolvingSymlinksInPath().path) { encrypted.append(t) } else { plain.append(t) }
        }
        return (plain, encrypted)
    }

    /// Whether an env file is SOPS-encrypted: `sops_*` metadata lines, or a value `ENC[…]`
    /// (a file whose metadata was cut off is still not one to write a plaintext key into).
    static func isSOPSEncrypted(_ path: String) -> Bool {
        guard case .success(let bytes) = SourceFile.read(path) else { return false }
        return isSOPSEncrypted(bytes: bytes)
    }

    static func isSOPSEncrypted(bytes: [UInt8]) -> Bool {
        if Sops.metadata(dotenv: bytes) != nil { return true }
        return bytes.split(separator: 0x0A).contains { line in
            let text = String(decoding: line, as: UTF8.self)
            guard let eq = text.firstIndex(of: "=") else { return false }
            return text[text.index(after: eq)...].trimmingCharacters(in: .whitespaces).hasPrefix("ENC[AES256_GCM,")
        }
    }

    /// Turns targets into file changes. Targets that share a file are applied to it together.
    /// A SOPS-encrypted file is refused: callers keep those apart (`splitEncrypted`), and this is
    /// the last check before anything could be written.
    public static func plan(_ targets: [KeyTarget]) throws -> [FileChangePlan] {
        var order: [String] = []
        var byPath: [String: [KeyTarget]] = [:]
        for t in targets {
            if byPath[t.path] == nil { order.append(t.path) }
            byPath[t.path, default: []].append(t)
        }
        return try order.map { path in
            let group = byPath[path, default: []]
            let display = group[0].display
            let real = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            let before = try FileState.read(real, display: display)
            if let bytes = before?.bytes, isSOPSEncrypted(bytes: bytes) {
                throw HubdoctorError(.usage, "is SOPS-encrypted; hubdoctor does not write a plaintext key into it (set it with `sops set`)", location: display)
            }
            var readers: [Dialect] = []
            for r in group.flatMap(\.readers) where !readers.contains(r) { readers.append(r) }
            let edit = try EnvFileEditor(readers: readers, display: display).apply(group.map(\.assignment), to: before?.bytes ?? [])
            // A stale copy in a lower file was never delivered, so `Doctor.read` did not register it.
            for c in edit.changes where c.isSecret { SecretRegistry.shared.register(c.oldValue) }
            let changed = Set(edit.changes.map(\.name))
            return FileChangePlan(write: PlannedWrite(path: real, display: display, before: before, after: edit.edited), edit: edit,
                                  reasons: group.filter { changed.contains($0.assignment.name) }.map(\.reason),
                                  symlinkTarget: real == path ? nil : real, readers: readers,
                                  assignments: group.map(\.assignment))
        }.filter { !$0.edit.isNoChange }
    }
}
