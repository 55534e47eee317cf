import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One file a transaction replaces (or creates, when `before` is nil).
public struct PlannedWrite: Sendable {
    /// The real path (symbolic links resolved, so that a link stays a link).
    public var path: String
    public var display: String
    public var before: FileState?
    public var after: [UInt8]

    public init(path: String, display: String, before: FileState?, after: [UInt8]) {
        self.path = path
        self.display = display
        self.before = before
        self.after = after
    }
}

/// A small file created along with the change and kept afterwards (the old key, for
/// `verify-rotation`): mode 0600, removed again if the change is rolled back.
public struct SideFile: Sendable {
    public var path: String
    public var display: String
    public var bytes: [UInt8]
}

/// Writes several files so that each one is always wholly old or wholly new, and all of them or
/// none change:
///
/// 1. `preflight`: permissions, owner, read-only bits; nothing is written.
/// 2. `stage`: first a journal that names every file the run will create, in whichever folder
///    (a key file's, an `env_file:`'s, a symbolic link's target's, `$TMPDIR`); then the new
///    version of each file in a temporary file beside it, mode 0600 whatever the file's mode (it
///    holds a key), and a backup of the old one (0600), all fsynced. A run killed at any point
///    from here on leaves a journal that lists everything it may have left.
/// 3. `commit`: each file is compared with what was read, then the temporary file gets the mode
///    of the file it replaces and is renamed over it (atomic), and the folder fsynced. Any failure
///    restores every file already renamed.
/// 4. `finish` (after the caller has verified the result) deletes the journal; backups stay.
///
/// The next `fix` or `rotate` finds the journal and undoes or completes the run: see
/// `InterruptedRun`.
public final class FileTransaction {
    public let id: String
    let command: String
    public let writes: [PlannedWrite]
    public let sideFiles: [SideFile]
    let faults: FaultInjection
    private var created: [String] = []
    private var committed: [Int] = []
    private var journalPath: String?

    /// Where the journal goes: one folder that every later run scans, whichever files this run
    /// writes (nil: beside the first file written).
    let journalDirectory: String?

    public init(command: String, writes: [PlannedWrite], sideFiles: [SideFile] = [], faults: FaultInjection = .none,
                id: String = FileTransaction.newID(), journalDirectory: String? = nil) {
        self.command = command
        self.writes = writes
        self.sideFiles = sideFiles
        self.faults = faults
        self.id = id
        self.journalDirectory = journalDirectory
    }

    /// `20250101T120000Z-3f9a1c`: sorts by time, and unique enough for two runs in one second.
    public static func newID(now: Date = Date()) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return f.string(from: now) + "-" + String(format: "%06x", UInt32.random(in: 0..<0x1000000))
    }

    public static let backupMarker = ".hubdoctor-bak-"
    public static let tempMarker = ".hubdoctor-tmp-"
    public static let restoreMarker = ".hubdoctor-restore-"
    public static let journalPrefix = ".hubdoctor-journal-"

    public func backupPath(_ w: PlannedWrite) -> String? { w.before == nil ? nil : w.path + Self.backupMarker + id }
    func tempPath(_ w: PlannedWrite) -> String { w.path + Self.tempMarker + id }
    static func restorePath(_ path: String, id: String) -> String { path + restoreMarker + id }

    // MARK: 1. preflight

    /// Refuses, before anything is written, what would fail or silently change a file's nature.
    public func preflight() throws {
        let me = geteuid()
        for w in writes {
            let dir = (w.path as NSString).deletingLastPathComponent
            guard let dst = PosixFile.info(dir), (dst.st_mode & S_IFMT) == S_IFDIR else {
                throw HubdoctorError(.io, "its folder \(dir) does not exist", location: w.display)
            }
            if dst.st_mode & 0o222 == 0 || access(dir, W_OK | X_OK) != 0 {
                throw HubdoctorError(.io, "its folder is read-only for \(PosixFile.userName(me)) (mode " +
                    "\(String(format: "%04o", Int(dst.st_mode & 0o7777))), owner \(PosixFile.userName(dst.st_uid))): hubdoctor writes a new version " +
                    "next to the file and renames it, so the folder must be writable. Nothing was changed", location: w.display)
            }
            guard let before = w.before else { continue }
            if before.mode & 0o222 == 0 {
                throw HubdoctorError(.io, "is read-only (mode \(before.modeText)); hubdoctor does not write over a read-only file. If the change is " +
                    "intended, make it writable first (chmod u+w). Nothing was changed", location: w.display)
            }
            if access(w.path, W_OK) != 0 {
                throw HubdoctorError(.io, "is not writable by \(PosixFile.userName(me)) (mode \(before.modeText), owner " +
                    "\(PosixFile.userName(before.uid))). Run hubdoctor as its owner. Nothing was changed", location: w.display)
            }
            if me != 0, before.uid != me {
                throw HubdoctorError(.io, "belongs to \(PosixFile.userName(before.uid)), and hubdoctor runs as \(PosixFile.userName(me)): the new " +
                    "version would belong to \(PosixFile.userName(me)). Run hubdoctor as \(PosixFile.userName(before.uid)). Nothing was changed", location: w.display)
            }
            if before.links > 1 {
                throw HubdoctorError(.io, "has \(before.links) hard links; replacing it would leave the other names with the old content. Edit it by hand. Nothing was changed", location: w.display)
            }
        }
    }

    // MARK: 2. stage

    public func stage() throws {
        // A file size limit must fail the write (EFBIG), not kill hubdoctor halfway.
        signal(SIGXFSZ, SIG_IGN)
        do {
            // The journal first: whatever a killed run leaves behind is then listed in it, in
            // every folder, and not only where a later run happens to look.
            try writeJournal(state: .staged)
            try faults.reach(.afterJournal, display: writes.first?.display ?? "")
            for w in writes {
                let temp = tempPath(w)
                // 0600 until the commit: until then it is a copy of a key that nobody else needs.
                try PosixFile.create(temp, display: w.display, bytes: w.after, mode: 0o600, owner: w.before.flatMap(ownerToKeep))
                created.append(temp)
                try faults.reach(.afterTempWrite, display: w.display)
                if let before = w.before, let backup = backupPath(w) {
                    try PosixFile.create(backup, display: w.display, bytes: before.bytes, mode: 0o600, owner: ownerToKeep(before))
                    created.append(backup)
                    try faults.reach(.afterBackup, display: w.display)
                }
            }
            for s in sideFiles {
                try PosixFile.create(s.path, display: s.display, bytes: s.bytes, mode: 0o600)
                created.append(s.path)
                try faults.reach(.afterSideFile, display: s.display)
            }
            for dir in directories { try PosixFile.syncDirectory(dir, display: dir) }
        } catch {
            discardStage()
            throw error
        }
    }

    /// The owner to give a new version: the old one's, when it differs from hubdoctor's own.
    func ownerToKeep(_ s: FileState) -> (uid_t, gid_t)? {
        s.uid == geteuid() && s.gid == getegid() ? nil : (s.uid, s.gid)
    }

    var directories: [String] {
        var seen: [String] = []
        for p in writes.map(\.path) + sideFiles.map(\.path) {
            let d = (p as NSString).deletingLastPathComponent
            if !seen.contains(d) { seen.append(d) }
        }
        return seen
    }

    /// Deletes everything `stage` created. No file has been renamed yet, so nothing else changed.
    func discardStage() {
        for p in created.reversed() { PosixFile.remove(p) }
        created = []
        if let j = journalPath { PosixFile.remove(j) }
        journalPath = nil
        for dir in directories { try? PosixFile.syncDirectory(dir, display: dir) }
    }

    // MARK: 3. commit

    public func commit() throws {
        do {
            // Compare every file before renaming any, so that a refusal changes nothing at all.
            for w in writes { try ensureUnchanged(w) }
            for (i, w) in writes.enumerated() {
                try faults.reach(.beforeRename, display: w.display)
                try ensureUnchanged(w)
                let dir = (w.path as NSString).deletingLastPathComponent
                // The temporary file takes the mode of the file it replaces only now.
                try PosixFile.setMode(tempPath(w), w.before?.mode ?? 0o600, display: w.display)
                if w.before == nil {
                    try PosixFile.linkNew(tempPath(w), w.path, display: w.display)
                } else {
                    try PosixFile.move(tempPath(w), w.path, display: w.display)
                }
                committed.append(i)
                try PosixFile.syncDirectory(dir, display: w.display)
                try faults.reach(.afterRename, display: w.display)
            }
            try writeJournal(state: .committed)
            try faults.reach(.afterCommit, display: writes.last?.display ?? "")
        } catch {
            let replaced = committed.count
            try restoreCommitted(after: error)
            guard replaced > 0, var e = error as? HubdoctorError else { throw error }
            e.message += "; the \(replaced == 1 ? "file" : "\(replaced) files") already replaced \(replaced == 1 ? "was" : "were") restored from backup, so nothing changed"
            throw e
        }
    }

    func ensureUnchanged(_ w: PlannedWrite) throws {
        let now = try FileState.read(w.path, display: w.display)
        switch (w.before, now) {
        case (nil, nil):
            return
        case (let b?, let n?) where b.isSameVersion(as: n):
            return
        default:
            throw HubdoctorError(.io, "changed while hubdoctor was working (it differs from what was read a moment ago); nothing was written over it. " +
                "Run hubdoctor again to plan the change against the new content", location: w.display)
        }
    }

    // MARK: rollback

    /// Puts back every file this transaction renamed (after a failed verification, or a failure
    /// halfway through `commit`), then removes its temporary files, backups and journal.
    public func rollBack() throws {
        try restoreCommitted(after: nil)
    }

    private func restoreCommitted(after cause: Error?) throws {
        // From here the journal must say "roll back": a process killed halfway through restoring
        // (or after a commit that failed verification) is finished by the next run.
        if journalPath != nil, !committed.isEmpty { try? writeJournal(state: .staged) }
        var failures: [String] = []
        for i in committed.reversed() {
            let w = writes[i]
            do {
                if let before = w.before {
                    let restore = Self.restorePath(w.path, id: id)
                    try PosixFile.create(restore, display: w.display, bytes: before.bytes, mode: 0o600, owner: ownerToKeep(before))
                    try PosixFile.setMode(restore, before.mode, display: w.display)
                    try PosixFile.move(restore, w.path, display: w.display)
                } else {
                    PosixFile.remove(w.path)
                }
                try PosixFile.syncDirectory((w.path as NSString).deletingLastPathComponent, display: w.display)
                try faults.reach(.afterRestore, display: w.display)
            } catch {
                failures.append("\(w.display): \(error); its backup is \(backupPath(w) ?? "(none: the file was new)")")
            }
        }
        if !failures.isEmpty {
            // Keep the backups and the journal: they are what is left to restore by hand.
            throw HubdoctorError(.io, "could not restore every file after a failure " +
                "(\(cause.map { "\($0)" } ?? "verification failed")): " + failures.joined(separator: "; ") + ". The journal \(journalPath ?? "") lists every file", location: nil)
        }
        committed = []
        discardStage()
    }

    // MARK: 4. finish

    /// The change is verified: forget the journal and temporary files. Backups stay.
    public func finish() {
        if let j = journalPath {
            PosixFile.remove(j)
            try? PosixFile.syncDirectory((j as NSString).deletingLastPathComponent, display: j)
        }
        journalPath = nil
        created = []
    }

    // MARK: journal

    private func writeJournal(state: TransactionJournal.State) throws {
        guard let first = writes.first?.path ?? sideFiles.first?.path else { return }
        let journal = TransactionJournal(
            id: id, command: command, pid: getpid(), state: state,
            files: writes.map { w in
                TransactionJournal.Entry(path: w.path, display: w.display, backup: backupPath(w), temp: tempPath(w),
                                         before: w.before?.digest, after: PosixFile.sha256(w.after))
            },
            sideFiles: sideFiles.map(\.path))
        let dir = journalPath.map { ($0 as NSString).deletingLastPathComponent }
            ?? journalDirectory.flatMap { access($0, W_OK) == 0 ? $0 : nil } ?? (first as NSString).deletingLastPathComponent
        let path = dir + "/" + Self.journalPrefix + id + ".json"
        let bytes = try journal.encoded()
        // Replaced atomically too: a journal is never half-written.
        let next = path + ".next"
        try PosixFile.create(next, display: path, bytes: bytes, mode: 0o600)
        try PosixFile.move(next, path, display: path)
        try PosixFile.syncDirectory(dir, display: path)
        journalPath = path
    }
}
