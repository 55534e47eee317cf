import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file as it was when hubdoctor read it: its bytes and what identifies that version. Compared
/// again just before the new version is moved into place, so that an edit made meanwhile (by an
/// editor, a deploy, another hubdoctor) is never silently overwritten.
public struct FileState: Sendable, Equatable {
    public var bytes: [UInt8]
    /// SHA-256 over the whole file, hex.
    public var digest: String
    public var mode: mode_t
    public var uid: uid_t
    public var gid: gid_t
    var size: Int
    var mtime: Int
    var mtimeNanoseconds: Int
    var inode: UInt64
    var links: Int

    /// Nil when there is no such file.
    public static func read(_ path: String, display: String) throws -> FileState? {
        guard let st = PosixFile.info(path) else {
            if errno == ENOENT { return nil }
            throw PosixFile.failure("cannot be examined", display)
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw HubdoctorError(.io, "is not a regular file", location: display) }
        let bytes = try PosixFile.readAll(path, display: display)
        #if canImport(Darwin)
        let (sec, nsec) = (Int(st.st_mtimespec.tv_sec), Int(st.st_mtimespec.tv_nsec))
        #else
        let (sec, nsec) = (Int(st.st_mtim.tv_sec), Int(st.st_mtim.tv_nsec))
        #endif
        return FileState(bytes: bytes, digest: PosixFile.sha256(bytes), mode: st.st_mode & 0o7777, uid: st.st_uid, gid: st.st_gid,
                         size: Int(st.st_size), mtime: sec, mtimeNanoseconds: nsec, inode: UInt64(st.st_ino), links: Int(st.st_nlink))
    }

    /// Whether `other` is this same version of the file (content, and the inode it lives in).
    func isSameVersion(as other: FileState) -> Bool {
        digest == other.digest && size == other.size && inode == other.inode && mtime == other.mtime && mtimeNanoseconds == other.mtimeNanoseconds
    }

    var modeText: String { String(format: "%04o", Int(mode)) }
}
