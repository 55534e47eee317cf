import Foundation
import Testing
@testable import HubdoctorKit

/// Paths inside the repository, found from this file so tests run from any working directory.
enum Repo {
    static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// Every key in the fixture layouts (the `hk_…` values, found by scanning the files, so a new
    /// fixture is covered without a list to keep up to date): no output may contain one.
    static let fixtureKeys: [String] = {
        let pattern = try! NSRegularExpression(pattern: #"hk_[A-Za-z0-9$#]{8,}"#)
        var keys = Set<String>()
        let base = path("fixtures/layouts")
        guard let files = FileManager.default.enumerator(atPath: base) else { return [] }
        for case let file as String in files {
            guard let data = FileManager.default.contents(atPath: base + "/" + file), data.count < 1 << 20,
                  let text = String(data: data, encoding: .utf8) else { continue }
            for m in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                keys.insert((text as NSString).substring(with: m.range))
            }
        }
        return keys.sorted()
    }()

    static func layout(_ name: String) -> String { path("fixtures/layouts/\(name)") }
}

/// The built `hubdoctor` binary, run as a user would.
enum Binary {
    static let url: URL = {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().deletingLastPathComponent(),
            Repo.root.appendingPathComponent(".build/debug"),
        ]
        for dir in candidates {
            let u = dir.appendingPathComponent("hubdoctor")
            if FileManager.default.isExecutableFile(atPath: u.path) { return u }
        }
        return Repo.root.appendingPathComponent(".build/debug/hubdoctor")
    }()

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        /// True when the process died of a signal (`status` is then the signal number).
        var signaled = false
        var all: String { stdout + stderr }
    }

    /// Runs the binary with a timeout (a hung run fails the test instead of hanging CI).
    /// `onStart` runs once the process is started (to act on it while it runs).
    static func run(_ arguments: [String], environment: [String: String] = [:], stdin: String? = nil,
                    currentDirectory: String? = nil, executable: URL? = nil, timeout: TimeInterval = 60,
                    onStart: ((Process) throws -> Void)? = nil) throws -> Result {
        let p = Process()
        p.executableURL = executable ?? url
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        for (k, v) in environment { env[k] = v }
        p.environment = env
        if let currentDirectory { p.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try? input.fileHandleForWriting.close()
        // Drain both pipes concurrently so a large output cannot block the child. Plain threads,
        // not DispatchQueue.global(): on Linux that pool also runs Swift concurrency's tasks, and
        // two blocked readers per run starve an in-process server (the sandbox Hub) under test.
        final class Sink: @unchecked Sendable { var data = Data() }
        let outData = Sink(), errData = Sink()
        let group = DispatchGroup()
        group.enter()
        Thread { outData.data = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }.start()
        group.enter()
        Thread { errData.data = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }.start()
        try onStart?(p)
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning, Date() < deadline { usleep(10_000) }
        if p.isRunning { p.terminate(); p.waitUntilExit() }
        group.wait()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: outData.data, as: UTF8.self), stderr: String(decoding: errData.data, as: UTF8.self),
                      signaled: p.terminationReason == .uncaughtSignal)
    }

    /// `run` on a thread of its own, awaited. A test that waits seconds for a process must not
    /// hold one of the cooperative pool's threads (one per core): in-process servers and every
    /// other async test need them, and starve when a few blocking waits take them all.
    static func running(_ arguments: [String], environment: [String: String] = [:], stdin: String? = nil,
                        currentDirectory: String? = nil, executable: URL? = nil, timeout: TimeInterval = 60,
                        onStart: (@Sendable (Process) throws -> Void)? = nil) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Swift.Result {
                    try run(arguments, environment: environment, stdin: stdin, currentDirectory: currentDirectory, executable: executable,
                            timeout: timeout, onStart: onStart)
                })
            }.start()
        }
    }

    /// Runs the binary under `program` (`/bin/sh -c 'ulimit -f 2 && exec "$0" "$@"'`, `setpriv …`),
    /// which is given the binary's path and then `arguments`.
    static func running(under program: [String], _ arguments: [String]) async throws -> Result {
        try await running(Array(program.dropFirst()) + [url.path] + arguments, executable: URL(fileURLWithPath: program[0]))
    }

    /// `json` on a thread of its own, awaited (see `running`).
    static func jsonRunning(_ arguments: [String], environment: [String: String] = [:]) async throws -> (Result, [String: Any]) {
        let r = try await running(arguments, environment: environment)
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] ?? [:]
        return (r, obj)
    }

    static func json(_ arguments: [String], environment: [String: String] = [:]) throws -> (Result, [String: Any]) {
        let r = try run(arguments, environment: environment)
        let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] ?? [:]
        return (r, obj)
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

/// Issue 10's rule: no run of 10 characters of a key (or the whole key, if shorter) in `output`.
func expectNoKeyFragments(_ output: String, _ keys: [String], comment: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
    for key in keys where !key.isEmpty {
        let s = Array(key.unicodeScalars)
        let n = min(10, s.count)
        for start in 0...(s.count - n) {
            var piece = String.UnicodeScalarView()
            piece.append(contentsOf: s[start..<(start + n)])
            if output.contains(String(piece)) {
                Issue.record("the output contains \(n) characters of a key (\(s.count) characters long) from offset \(start)\(comment.isEmpty ? "" : ": " + comment)", sourceLocation: sourceLocation)
                return
            }
        }
    }
}
