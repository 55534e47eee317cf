import Foundation

/// What an earlier `fix` or `rotate` that was killed (or lost power) left in the folders it writes
/// to, found by the next run before it plans anything.
///
/// A run writes its journal before any other file, and the journal names every file the run may
/// create, in every folder (an `env_file:` folder, a symbolic link's target folder, `$TMPDIR`):
/// those are cleaned up from the journal, wherever they are.
///
/// - With a journal in state `staged`, renames may have begun: every file that already holds the
///   new version is put back from its backup, so the layout is wholly as it was before that run;
///   its temporary files, backups and side files are deleted.
///   That run's change was never verified, and for `rotate` its key was never shown to anyone.
/// - With a journal in state `committed`, every file was replaced; only the clean-up was missed.
/// - Without a journal (a run killed while it wrote its first journal, or an older hubdoctor), no
///   file was touched, and the temporary files found in the folders scanned (and the backups and
///   side files of the same run, which equal what is on disk) are deleted.
public struct InterruptedRun: Sendable {
    public var id: String
    public var command: String?
    var journal: TransactionJournal?
    var journalPath: String?
    /// Files of this run other than the journal: temporary files, backups, side files.
    var leftovers: [String]

    static let idPattern = NSRegularExpression.builtIn(#"\.hubdoctor-(tmp|bak|restore|old-key|journal)-(\d{8}T\d{6}Z-[0-9a-f]{6})(\.json(\.next)?)?$"#)

    /// Runs that did not finish, in the given folders.
    public static func find(in directories: [String]) throws -> [InterruptedRun] {
        var files: [String: [(kind: String, path: String)]] = [:]
        var seen = Set<String>()
        for dir in directories where seen.insert(dir).inserted {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { continue }
            for name in names {
                let ns = name as NSString
                guard let m = idPattern.firstMatch(in: name, range: NSRange(location: 0, length: ns.length)) else { continue }
                files[ns.substring(with: m.range(at: 2)), default: []].append((ns.substring(with: m.range(at: 1)), dir + "/" + name))
            }
        }
        var runs: [InterruptedRun] = []
        for (id, entries) in files.sorted(by: { $0.key < $1.key }) {
            let journalFile = entries.first { $0.kind == "journal" && $0.path.hasSuffix(".json") }
            let others = entries.filter { $0.path != journalFile?.path }
            if let journalFile {
                let bytes = try PosixFile.readAll(journalFile.path, display: journalFile.path)
                guard let journal = TransactionJournal.decode(bytes) else {
                    throw HubdoctorError(.parse, "this journal of an interrupted hubdoctor run cannot be read; compare the files it names with their " +
                        ".hubdoctor-bak-\(id) backups by hand, then delete it", location: journalFile.path)
                }
                runs.append(InterruptedRun(id: id, command: journal.command, journal: journal, journalPath: journalFile.path, leftovers: others.map(\.path)))
            } else if others.contains(where: { ["tmp", "restore"].contains($0.kind) || $0.path.hasSuffix(".json.next") }) {
                // Backups and old-key files alone are what a finished run keeps on purpose.
                runs.append(InterruptedRun(id: id, command: nil, journal: nil, journalPath: nil, leftovers: others.map(\.path)))
            }
        }
        return runs
    }

    enum FileStatus: Equatable { case old, new, changedSince }

    func status(_ e: TransactionJournal.Entry) -> FileStatus {
        let digest = (try? FileState.read(e.path, display: e.display))?.digest
        if digest == e.after { return .new }
        if digest == e.before { return .old }
        return .changedSince
    }

    /// What was found, in words, for a dry run.
    public func describe() -> [String] {
        let who = command.map { "`hubdoctor \($0)`" } ?? "a hubdoctor run"
        guard let journal else {
            return ["\(who) (\(id)) died before it changed any file; its leftovers will be deleted: " + leftovers.map(Self.name).joined(separator: ", ")]
        }
        if journal.state == .committed {
            return ["\(who) (\(id)) wrote every file but was stopped before it cleaned up; its journal will be deleted"]
        }
        let statuses = journal.files.map(status)
        if !statuses.contains(.new), !statuses.contains(.changedSince) {
            let left = ownFiles(journal).filter(PosixFile.exists)
            return ["\(who) (\(id)) died before it replaced any file; "
                    + (left.isEmpty ? "its journal will be deleted" : "its files will be deleted: " + left.map(Self.name).joined(separator: ", "))]
        }
        var lines = ["\(who) (\(id)) was interrupted while it replaced files; every file will be put back as it was before it:"]
        for e in journal.files {
            switch status(e) {
            case .new: lines.append("  \(e.display): holds that run's new version; will be restored from \(e.backup.map(Self.name) ?? "nothing (it was created, so it will be deleted)")")
            case .old: lines.append("  \(e.display): still as it was; nothing to do")
            case .changedSince: lines.append("  \(e.display): changed by someone since; hubdoctor will not touch it")
            }
        }
        return lines
    }

    static func name(_ path: String) -> String { (path as NSString).lastPathComponent }

    /// Undoes the run (see the type's comment) and returns what was done, in words.
    public func recover() throws -> [String] {
        guard let journal, let journalPath else {
            for p in leftovers where !isKeptBackup(p) { PosixFile.remove(p) }
            syncFolders(leftovers)
            return ["deleted the leftovers of \(id), which died before it changed any file"]
        }
        if journal.state == .committed {
            for e in journal.files {
                PosixFile.remove(e.temp)
                PosixFile.remove(FileTransaction.restorePath(e.path, id: id))
            }
            PosixFile.remove(journalPath)
            syncFolders([journalPath])
            let kept = journal.sideFiles.filter(PosixFile.exists).map(Self.name)
            return ["\(id) had written every file; deleted its journal" + (kept.isEmpty ? "" : " (kept \(kept.joined(separator: ", ")), which that run wrote for you)")]
        }
        let statuses = journal.files.map(status)
        let conflicts = zip(journal.files, statuses).filter { $0.1 == .changedSince }.map(\.0.display)
        if !conflicts.isEmpty {
            throw HubdoctorError(.io, "an interrupted hubdoctor run (\(id)) left its journal, and \(conflicts.joined(separator: ", ")) changed since; " +
                "hubdoctor will not guess which version is right. Compare them with their .hubdoctor-bak-\(id) backups, then delete \(journalPath)")
        }
        var done: [String] = []
        for (e, s) in zip(journal.files, statuses) where s == .new {
            if let backup = e.backup {
                let bytes = try PosixFile.readAll(backup, display: backup)
                guard PosixFile.sha256(bytes) == e.before else {
                    throw HubdoctorError(.io, "the backup of \(e.display) does not hold the version the journal recorded; restore by hand. Nothing was changed", location: backup)
                }
                let current = try FileState.read(e.path, display: e.display)
                let restore = FileTransaction.restorePath(e.path, id: id)
                let mode = current?.mode ?? 0o600
                let owner = current.map { ($0.uid, $0.gid) }
                PosixFile.remove(restore)
                try PosixFile.create(restore, display: e.display, bytes: bytes, mode: 0o600, owner: owner)
                try PosixFile.setMode(restore, mode, display: e.display)
                try PosixFile.move(restore, e.path, display: e.display)
                done.append("restored \(e.display) from its backup")
            } else {
                PosixFile.remove(e.path)
                done.append("deleted \(e.display), which that run had created")
            }
        }
        // Its temporary files, backups (each equals its file again) and side files (a value file
        // in $TMPDIR holds its key) go too, in every folder: nothing will read them now.
        let own = ownFiles(journal).filter(PosixFile.exists)
        for p in own + leftovers { PosixFile.remove(p) }
        PosixFile.remove(journalPath)
        syncFolders(journal.files.map(\.path) + own + [journalPath])
        return done.isEmpty ? ["\(id) had not replaced any file yet; deleted its files" + (own.isEmpty ? "" : " (" + own.map(Self.name).joined(separator: ", ") + ")")] : done
    }

    /// Every file the journal says the run may have created besides the files it replaces:
    /// temporary files, restore files, backups, side files, and the journal's own `.next`.
    func ownFiles(_ journal: TransactionJournal) -> [String] {
        var out: [String] = []
        for e in journal.files {
            out += [e.temp, FileTransaction.restorePath(e.path, id: id)] + (e.backup.map { [$0] } ?? [])
        }
        return out + journal.sideFiles + (journalPath.map { [$0 + ".next"] } ?? [])
    }

    /// A backup of a run without a journal is deleted only when it equals the file it backs up
    /// (the run never replaced that file, so the backup is redundant).
    func isKeptBackup(_ path: String) -> Bool {
        guard let marker = path.range(of: FileTransaction.backupMarker) else { return false }
        let original = String(path[..<marker.lowerBound])
        guard let backup = try? PosixFile.readAll(path, display: path),
              let current = try? FileState.read(original, display: original) else { return true }
        return current.bytes != backup
    }

    func syncFolders(_ paths: [String]) {
        for dir in Set(paths.map { ($0 as NSString).deletingLastPathComponent }) {
            try? PosixFile.syncDirectory(dir, display: dir)
        }
    }
}
