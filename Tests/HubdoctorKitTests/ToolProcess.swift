import Foundation
import Testing

/// The built `hubdoctor` binary, run as an engineer runs it: arguments, environment, working
/// directory; its exit status, stdout and stderr captured.
struct ToolProcess {
    struct Result {
        var status: Int32
        /// True when the process died of a signal (`status` is then the signal number).
        var signaled: Bool
        var stdout: String
        var stderr: String
        var output: String { stdout + stderr }
    }

    /// Next to the test bundle (`swift build` and `swift test` put both in the same folder).
    static let binary: String = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("hubdoctor").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return Repo.path(".build/debug/hubdoctor")
    }()

    /// `prefix`: a program that runs hubdoctor (`/bin/sh -c 'ulimit -f 2; exec "$0" "$@"'`, `setpriv …`).
    static func run(_ arguments: [String], environment: [String: String] = [:], cwd: String? = nil, prefix: [String] = [],
                    whileRunning: ((Process) throws -> Void)? = nil) throws -> Result {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            Issue.record("the hubdoctor binary is missing at \(binary): run `swift build` first")
            return Result(status: -1, signaled: false, stdout: "", stderr: "")
        }
        let p = Process()
        let command = prefix + [binary] + arguments
        p.executableURL = URL(fileURLWithPath: command[0])
        p.arguments = Array(command.dropFirst())
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        env.removeValue(forKey: "HUBDOCTOR_FAULT")
        for (k, v) in environment { env[k] = v }
        p.environment = env
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        // Read while it runs, so that a large output cannot fill the pipe and block it.
        let stdout = Drain(out), stderr = Drain(err)
        try whileRunning?(p)
        p.waitUntilExit()
        return Result(status: p.terminationStatus, signaled: p.terminationReason == .uncaughtSignal,
                      stdout: stdout.text(), stderr: stderr.text())
    }

    /// Reads a pipe to its end on another thread.
    final class Drain: @unchecked Sendable {
        private var data = Data()
        private let done = DispatchSemaphore(value: 0)

        init(_ pipe: Pipe) {
            DispatchQueue.global().async {
                self.data = pipe.fileHandleForReading.readDataToEndOfFile()
                self.done.signal()
            }
        }

        func text() -> String {
            done.wait()
            return String(decoding: data, as: UTF8.self)
        }
    }
}

/// A copy of a fixture layout in a fresh temporary folder, removed when the test is done with it.
final class LayoutCopy {
    let root: String

    init(_ fixture: String) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("hubdoctor-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        root = base.appendingPathComponent(fixture).path
        try FileManager.default.copyItem(atPath: Repo.path("fixtures/layouts/\(fixture)"), toPath: root)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent)
    }

    func path(_ relative: String) -> String { root + "/" + relative }

    func bytes(_ relative: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(relative)))) }

    func write(_ relative: String, _ bytes: [UInt8]) throws { try Data(bytes).write(to: URL(fileURLWithPath: path(relative))) }

    /// Every file under the root, relative path → content.
    func snapshot() throws -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        let e = FileManager.default.enumerator(atPath: root)!
        while let rel = e.nextObject() as? String {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: path(rel), isDirectory: &isDir), !isDir.boolValue { out[rel] = try bytes(rel) }
        }
        return out
    }

    /// Files hubdoctor leaves only while working (temporary files, journals, restore files).
    func workFiles() throws -> [String] {
        try snapshot().keys.filter { $0.contains(".hubdoctor-tmp-") || $0.contains(".hubdoctor-journal-") || $0.contains(".hubdoctor-restore-") }.sorted()
    }

    func mode(_ relative: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path(relative))[.posixPermissions] as! NSNumber).intValue
    }
}

/// Fails the test if `output` holds any of `secrets`, or any 8-character piece of one.
func expectNoSecrets(_ output: String, _ secrets: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    for secret in secrets where !secret.isEmpty {
        let s = Array(secret)
        let pieces = s.count <= 8 ? [secret] : (0...(s.count - 8)).map { String(s[$0..<($0 + 8)]) }
        for piece in pieces where output.contains(piece) {
            Issue.record("the output contains a piece of a key (\(piece.count) characters at offset \(pieces.firstIndex(of: piece)!))", sourceLocation: sourceLocation)
            return
        }
    }
}
