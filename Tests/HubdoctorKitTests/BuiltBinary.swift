import Foundation
import Testing

/// Runs the built `hubdoctor` executable end to end. Waits on a thread of its own, so that an
/// in-process sandbox Hub keeps answering while the binary probes it.
struct BuiltBinary {
    struct Run {
        var code: Int32
        var stdout: String
        var stderr: String
        var seconds: Double
        var output: String { stdout + stderr }

        var json: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data(stdout.utf8))) as? [String: Any]
        }

        var findings: [[String: Any]] { json?["findings"] as? [[String: Any]] ?? [] }

        func finding(_ check: String) -> [String: Any]? { findings.first { $0["check"] as? String == check } }

        func cause(_ check: String) -> String? { finding(check)?["cause"] as? String }

        func status(_ check: String) -> String? { finding(check)?["status"] as? String }

        var causes: Set<String> { Set(findings.compactMap { $0["cause"] as? String }) }
    }

    static var path: String { Repo.path(".build/debug/hubdoctor") }

    static func run(_ arguments: [String], environment: [String: String] = [:], stdin: String? = nil,
                    sourceLocation: SourceLocation = #_sourceLocation) async throws -> Run {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            Issue.record("\(path) is missing: run `swift build` first", sourceLocation: sourceLocation)
            throw CocoaError(.fileNoSuchFile)
        }
        return try await withCheckedThrowingContinuation { continuation in
            Thread {
                do {
                    continuation.resume(returning: try runBlocking(arguments, environment: environment, stdin: stdin))
                } catch {
                    continuation.resume(throwing: error)
                }
            }.start()
        }
    }

    private static func runBlocking(_ arguments: [String], environment: [String: String], stdin: String?) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        env.merge(environment) { _, new in new }
        process.environment = env
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hubdoctor-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out"), err = dir.appendingPathComponent("err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        let input = Pipe()
        process.standardInput = input
        let started = Date()
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        return Run(code: process.terminationStatus, stdout: try String(contentsOf: out, encoding: .utf8),
                   stderr: try String(contentsOf: err, encoding: .utf8), seconds: Date().timeIntervalSince(started))
    }
}
