import Foundation

/// Reads a configuration file defensively: a missing path, a directory, a file too large to be
/// configuration or a binary file each becomes a `SourceProblem` naming the path and the reason.
public enum SourceFile {
    /// Configuration files are small; anything larger is a mistake (a log, a dump, a binary).
    public static let maxBytes = 1 << 20

    public static func read(_ path: String, display: String? = nil) -> Result<[UInt8], SourceProblem> {
        let origin = Origin(display: display ?? path, path: path)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            return .failure(SourceProblem(origin: origin, reason: "no such file", isMissingFile: true))
        }
        if isDir.boolValue {
            return .failure(SourceProblem(origin: origin, reason: "is a directory, not a file"))
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            return .failure(SourceProblem(origin: origin, reason: "cannot be read (permission denied?)"))
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: maxBytes + 1) ?? Data()
        } catch {
            return .failure(SourceProblem(origin: origin, reason: "cannot be read: \(error.localizedDescription)"))
        }
        if data.count > maxBytes {
            return .failure(SourceProblem(origin: origin, reason: "is larger than \(maxBytes / 1024) KiB: not a configuration file"))
        }
        let bytes = [UInt8](data)
        if bytes.prefix(8192).contains(0) {
            return .failure(SourceProblem(origin: origin, reason: "is a binary file (it contains NUL bytes)"))
        }
        return .success(bytes)
    }

    public static func exists(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && !isDir.boolValue
    }
}
