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
    /// The env files of `side` to write `value` into. Every file in the side's load order that
    /// defines the variable is rewritten: the winner, so the side delivers the key, and the lower
    /// ones, so that no stale copy surfaces when the winner goes away or another mode reads them.
    /// When none defines it, the lowest-priority existing file gets a new line (Core: `.env`).
    public static func targets(side: SideSpec, reading: KeyReading, value: SecretValue, resolver: SourceResolver) throws -> [KeyTarget] {
        guard case .env(let files, let name, let dialect) = side.key else {
            throw HubdoctorError(.internal, "\(side.name)'s key is not in env files")
        }
        let readers = [dialect] + side.readers
        let loaded = EnvLoader(resolver: resolver).load(files: files, dialect: dialect)
        var out: [KeyTarget] = []
        var existing: [EnvLoader.LoadedFile] = []
        for file in loaded {
            if let problem = file.problem {
                if problem.reason == "no such file" { continue }
                throw HubdoctorError(.io, "\(problem.reason); hubdoctor cannot change a file it cannot read", location: file.origin.display)
            }
            guard let doc = file.document else { continue }
            if let e = doc.error {
                throw HubdoctorError(.parse, "\(dialect.readerName) refuses this file (\(e.reason)); correct it first, hubdoctor edits only files their reader accepts",
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
                                 reason: exists ? "no file \(side.name) reads defines \(name): a line is added here" : "no file \(side.name) reads exists: it is created"))
        }
        return out
    }

    /// Turns targets into file changes. Targets that share a file are applied to it together.
    public static func plan(_ targets: [KeyTarget]) throws -> [FileChangePlan] {
        var order: [String] = []
        var byPath: [String: [KeyTarget]] = [:]
        for t in targets {
            if byPath[t.path] == nil { order.append(t.path) }
            byPath[t.path, default: []].append(t)
        }
        return try order.map { path in
            let group = byPath[path]!
            let display = group[0].display
            let real = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            let before = try FileState.read(real, display: display)
            var readers: [Dialect] = []
            for r in group.flatMap(\.readers) where !readers.contains(r) { readers.append(r) }
            let edit = try EnvFileEditor(readers: readers, display: display).apply(group.map(\.assignment), to: before?.bytes ?? [])
            // A stale copy in a lower file was never delivered, so `Doctor.read` did not register it.
            for c in edit.changes where c.isSecret { SecretRegistry.shared.register(c.oldValue) }
            let changed = Set(edit.changes.map(\.name))
            return FileChangePlan(write: PlannedWrite(path: real, display: display, before: before, after: edit.edited), edit: edit,
                                  reasons: group.filter { changed.contains($0.assignment.name) }.map(\.reason), symlinkTarget: real == path ? nil : real, readers: readers,
                                  assignments: group.map(\.assignment))
        }.filter { !$0.edit.isNoChange }
    }
}
