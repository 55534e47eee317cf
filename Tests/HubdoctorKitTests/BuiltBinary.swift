import Foundation

/// Runs the `hubdoctor` executable that `swift build`/`swift test` built next to the test bundle,
/// as an operator would: real arguments, real standard input, real exit code.
enum BuiltBinary {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var path: String {
        var candidates: [String] = []
        if let exe = Bundle.main.executableURL { candidates.append(exe.deletingLastPathComponent().appendingPathComponent("hubdoctor").path) }
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("hubdoctor").path)
        candidates.append(Repo.path(".build/debug/hubdoctor"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[candidates.count - 1]
    }

    /// Collects one pipe's bytes on its own thread, so that a child writing a lot to both
    /// stdout and stderr never blocks.
    final class Drain: @unchecked Sendable {
        private var data = Data()
        private let done = DispatchSemaphore(value: 0)

        init(_ handle: FileHandle) {
            Thread.detachNewThread { [self] in
                data = handle.readDataToEndOfFile()
                done.signal()
            }
        }

        func text() -> String {
            done.wait()
            return String(decoding: data, as: UTF8.self)
        }
    }

    static func run(_ arguments: [String], stdin: Data? = nil, environment: [String: String]? = nil,
                    currentDirectory: String? = nil) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        let stdout = Drain(out.fileHandleForReading), stderr = Drain(err.fileHandleForReading)
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: stdout.text(), stderr: stderr.text())
    }
}
