import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a configuration file defensively: a missing path, a directory, a FIFO or device, a file
/// too large to be configuration or a binary file each becomes a `SourceProblem` naming the path
/// and the reason.
public enum SourceFile {
    /// Configuration files are small; anything larger is a mistake (a log, a dump, a binary).
    public static let maxBytes = 1 << 20

    public static func read(_ path: String, display: String? = nil) -> Result<[UInt8], SourceProblem> {
        let origin = Origin(display: display ?? path, path: path)
        switch RegularFile.read(path, limit: maxBytes) {
        case .success(let bytes):
            // A NUL anywhere (not only near the start) makes it binary: a key read past it would
            // carry the NUL into every file and header it is copied to.
            if let at = bytes.firstIndex(of: 0) {
                let line = bytes[..<at].reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
                var at_ = origin
                at_.line = line
                return .failure(SourceProblem(origin: at_,
                                              reason: "is a binary file (a NUL byte at byte \(at + 1))"))
            }
            return .success(bytes)
        case .failure(let refusal):
            return .failure(SourceProblem(origin: origin, reason: refusal.reason, isMissingFile: refusal.isMissing))
        }
    }

    public static func exists(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && !isDir.boolValue
    }
}

/// Why a path could not be read as a regular file.
public struct ReadRefusal: Error, Sendable, Equatable {
    public var reason: String
    public var isMissing = false
}

/// Opens only regular files. `open()` on a FIFO blocks until a writer comes (forever, for a
/// planted one), and a device such as `/dev/zero` never ends: both are refused by `stat` before
/// the open, and again by `fstat` on the descriptor in case the path was swapped in between
/// (the open is non-blocking, so even a swapped-in FIFO cannot hold it).
public enum RegularFile {
    public static func read(_ path: String, limit: Int) -> Result<[UInt8], ReadRefusal> {
        var st = stat()
        guard stat(path, &st) == 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return .failure(ReadRefusal(reason: "no such file", isMissing: true)) }
            return .failure(ReadRefusal(reason: "cannot be read: \(String(cString: strerror(code)))"))
        }
        if let kind = irregularKind(st.st_mode) { return .failure(ReadRefusal(reason: "is \(kind), not a regular file")) }
        if Int(st.st_size) > limit { return .failure(tooLarge(limit)) }

        let fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            let hint = (code == EACCES || code == EPERM) ? " (permission denied: check the file's owner and mode)" : ""
            return .failure(ReadRefusal(reason: "cannot be read: \(String(cString: strerror(code)))\(hint)"))
        }
        defer { close(fd) }
        guard fstat(fd, &st) == 0 else { return .failure(ReadRefusal(reason: "cannot be read: \(String(cString: strerror(errno)))")) }
        if let kind = irregularKind(st.st_mode) { return .failure(ReadRefusal(reason: "is \(kind), not a regular file")) }

        var out: [UInt8] = []
        out.reserveCapacity(min(Int(st.st_size), limit) + 1)
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(ReadRefusal(reason: "cannot be read: \(String(cString: strerror(errno)))"))
            }
            if n == 0 { return .success(out) }
            out += chunk[0..<n]
            // The file grew after the stat: still bounded.
            if out.count > limit { return .failure(tooLarge(limit)) }
        }
    }

    static func tooLarge(_ limit: Int) -> ReadRefusal {
        ReadRefusal(reason: "is larger than \(limit / 1024) KiB: not a configuration file")
    }

    /// A name for anything that is not a regular file, or nil for a regular file.
    static func irregularKind(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        default: return "not a file"
        }
    }
}
