import Foundation

extension Binary {
    /// `run` for async tests: the same process and output, but every blocking wait (the pipes,
    /// the exit) happens on threads of its own while the test awaits, so the test holds none of
    /// the few cooperative threads that in-process servers of other tests need meanwhile.
    static func launch(_ arguments: [String], environment: [String: String] = [:], stdin: String? = nil) async throws -> Result {
        let p = Process()
        p.executableURL = url
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try p.run()
        final class Sink: @unchecked Sendable { var data = Data() }
        let outData = Sink(), errData = Sink()
        Thread.detachNewThread {
            if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
            try? input.fileHandleForWriting.close()
        }
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                let group = DispatchGroup()
                group.enter()
                Thread.detachNewThread { outData.data = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
                errData.data = err.fileHandleForReading.readDataToEndOfFile()
                group.wait()
                p.waitUntilExit()
                done.resume()
            }
        }
        return Result(status: p.terminationStatus, stdout: String(decoding: outData.data, as: UTF8.self),
                      stderr: String(decoding: errData.data, as: UTF8.self))
    }
}
