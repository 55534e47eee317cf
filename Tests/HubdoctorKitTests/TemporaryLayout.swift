import Foundation

/// A throwaway folder of real files for one test, removed when the test drops it.
final class TemporaryLayout {
    let root: String

    init() {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("hubdoctor-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    func path(_ relative: String) -> String { root + "/" + relative }

    @discardableResult
    func write(_ relative: String, _ text: String) -> String {
        write(relative, bytes: Array(text.utf8))
    }

    @discardableResult
    func write(_ relative: String, bytes: [UInt8]) -> String {
        let p = path(relative)
        try! FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: p, contents: Data(bytes))
        return p
    }

    /// Copies a fixture folder into this layout.
    func copy(fixture: String, to relative: String = "") {
        let dest = relative.isEmpty ? root : path(relative)
        try? FileManager.default.removeItem(atPath: dest)
        try! FileManager.default.copyItem(atPath: Repo.path(fixture), toPath: dest)
    }
}

/// The outcome of running a program to its end.
struct RunResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a program and waits for it; `stdin` is written then closed.
func runProgram(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                stdin: String? = nil, cwd: String? = nil) throws -> RunResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    if let cwd { process.currentDirectoryURL = URL(fileURLWithPath: cwd) }
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    // Read both pipes before waiting: a child that fills one pipe would otherwise block forever.
    var errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return RunResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                     stderr: String(decoding: errData, as: UTF8.self))
}

/// Finds a program on PATH.
func which(_ name: String) -> String? {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
        let p = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    return nil
}
