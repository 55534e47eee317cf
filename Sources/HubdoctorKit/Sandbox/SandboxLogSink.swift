import Foundation
import Synchronization

/// Where the sandbox's JSON lines go: a file opened for appending, or standard error.
public final class SandboxLogSink: Sendable {
    private let handle: FileHandle
    /// One line at a time: concurrent handlers never interleave their lines.
    private let writing = Mutex<Void>(())

    public init(path: String?) throws {
        guard let path else {
            handle = FileHandle.standardError
            return
        }
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        guard let h = FileHandle(forWritingAtPath: path) else {
            throw HubdoctorError(.io, "cannot open the log file for writing", location: path)
        }
        h.seekToEndOfFile()
        handle = h
    }

    public func write(_ line: String) {
        writing.withLock { _ in handle.write(Data((line + "\n").utf8)) }
    }
}
