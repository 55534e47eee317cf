import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The system calls a safe write needs, each turning `errno` into a `HubdoctorError` that names
/// the file. Foundation's file APIs cannot fsync a directory, create exclusively with a mode, or
/// keep an owner, so the few calls are made directly.
enum PosixFile {
    static func failure(_ what: String, _ display: String, _ code: Int32 = errno) -> HubdoctorError {
        HubdoctorError(.io, "\(what): \(explain(code))", location: display)
    }

    /// `strerror`, with the hint an engineer needs for the errors a write meets in practice.
    static func explain(_ code: Int32) -> String {
        let text = String(cString: strerror(code))
        switch code {
        case ENOSPC: return text + " (the disk is full)"
        case EFBIG: return text + " (the file size limit, `ulimit -f`, was reached)"
        case EDQUOT: return text + " (the disk quota is used up)"
        case EROFS: return text + " (the file system is mounted read-only)"
        case EACCES, EPERM: return text + " (permission denied: check the owner and mode of the file and its folder)"
        default: return text
        }
    }

    /// `lstat`: about the link itself, not what it points to.
    static func linkInfo(_ path: String) -> stat? {
        var st = stat()
        return lstat(path, &st) == 0 ? st : nil
    }

    /// `stat`; nil with `errno` set when it fails.
    static func info(_ path: String) -> stat? {
        var st = stat()
        return stat(path, &st) == 0 ? st : nil
    }

    /// The whole file, refusing what is not a regular file (a FIFO would block the run) and what is
    /// larger than configuration.
    static func readAll(_ path: String, display: String) throws -> [UInt8] {
        switch RegularFile.read(path, limit: SourceFile.maxBytes) {
        case .success(let bytes): return bytes
        case .failure(let refusal): throw HubdoctorError(.io, refusal.reason, location: display)
        }
    }

    /// Creates `path` (it must not exist), writes `bytes`, sets mode and owner, and fsyncs it.
    static func create(_ path: String, display: String, bytes: [UInt8], mode: mode_t, owner: (uid_t, gid_t)? = nil) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw failure("cannot create \(path)", display) }
        var ok = false
        defer {
            close(fd)
            if !ok { unlink(path) }
        }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress.map { $0 + offset }, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("cannot write \(path)", display)
            }
            offset += n
        }
        if let (uid, gid) = owner, fchown(fd, uid, gid) != 0 {
            throw failure("cannot give \(path) the owner of the file it replaces (uid \(uid), gid \(gid))", display)
        }
        // After chown: chown clears the set-id bits, and the mode must be exactly the original's.
        guard fchmod(fd, mode) == 0 else { throw failure("cannot set the mode of \(path)", display) }
        guard fsync(fd) == 0 else { throw failure("cannot flush \(path) to disk", display) }
        ok = true
    }

    /// Gives a file hubdoctor created (a temporary file, before it is renamed into place) its
    /// final mode. `O_NOFOLLOW`: never the mode of whatever a symbolic link put there points to.
    static func setMode(_ path: String, _ mode: mode_t, display: String) throws {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw failure("cannot open \(path) to set its mode", display) }
        defer { close(fd) }
        guard fchmod(fd, mode) == 0 else { throw failure("cannot set the mode of \(path)", display) }
    }

    /// Makes a rename or unlink in `directory` durable.
    static func syncDirectory(_ directory: String, display: String) throws {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("cannot open its folder to flush it", display) }
        defer { close(fd) }
        guard fsync(fd) == 0 || errno == EINVAL else { throw failure("cannot flush its folder to disk", display) }
    }

    static func move(_ from: String, _ to: String, display: String) throws {
        guard rename(from, to) == 0 else { throw failure("cannot move the new version into place", display) }
    }

    /// Puts `from` at `to` only if `to` does not exist yet (a file hubdoctor creates must not
    /// replace one that appeared meanwhile).
    static func linkNew(_ from: String, _ to: String, display: String) throws {
        guard link(from, to) == 0 else {
            throw errno == EEXIST
                ? HubdoctorError(.io, "appeared while hubdoctor was working; nothing was written over it", location: display)
                : failure("cannot create it", display)
        }
        unlink(from)
    }

    static func remove(_ path: String) { unlink(path) }

    static func exists(_ path: String) -> Bool { linkInfo(path) != nil }

    static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    static func userName(_ uid: uid_t) -> String {
        guard let pw = getpwuid(uid), let name = pw.pointee.pw_name else { return "uid \(uid)" }
        return "\(String(cString: name)) (uid \(uid))"
    }
}
