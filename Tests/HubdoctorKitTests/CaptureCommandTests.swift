import Foundation
import Testing
@testable import HubdoctorKit

/// `hubdoctor capture` as a built binary: it announces its address, a real client calls it, and
/// the report arrives on stdout with the contract's exit code.
@Suite struct CaptureCommandTests {
    static let key = "hk_Z8q2Lw5Rt9Vx3Mn7Pb4Jc6Yd"

    /// The binary running in the background, with its stderr read as it comes.
    final class Running: @unchecked Sendable {
        let process = Process()
        private let lock = NSLock()
        private var errText = ""
        private var outData = Data()
        private let outDone = DispatchSemaphore(value: 0)
        private let errDone = DispatchSemaphore(value: 0)

        init(_ arguments: [String], environment: [String: String]) throws {
            process.executableURL = Binary.url
            process.arguments = arguments
            var env = ProcessInfo.processInfo.environment
            env["NO_COLOR"] = "1"
            for (k, v) in environment { env[k] = v }
            process.environment = env
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            process.standardInput = FileHandle.nullDevice
            try process.run()
            Thread.detachNewThread { [self] in
                let data = out.fileHandleForReading.readDataToEndOfFile()
                lock.lock(); outData = data; lock.unlock()
                outDone.signal()
            }
            Thread.detachNewThread { [self] in
                let handle = err.fileHandleForReading
                while case let chunk = handle.availableData, !chunk.isEmpty {
                    lock.lock(); errText += String(decoding: chunk, as: UTF8.self); lock.unlock()
                }
                errDone.signal()
            }
        }

        var stderr: String { lock.lock(); defer { lock.unlock() }; return errText }

        /// The base URL from the "listening on" line. Polls with `Task.sleep`, never blocking
        /// one of the few cooperative threads that in-process servers of other tests need.
        func baseURL(within seconds: Double = 120) async throws -> String {
            let deadline = Date().addingTimeInterval(seconds)
            while true {
                if let r = stderr.range(of: #"listening on (http://[0-9.:\[\]]+)"#, options: .regularExpression) {
                    return String(stderr[r].dropFirst("listening on ".count))
                }
                if !process.isRunning || Date() >= deadline { break }
                try await Task.sleep(nanoseconds: 20_000_000)
            }
            throw HubdoctorError(.internal, "capture did not announce its address: \(stderr)")
        }

        func finish(within seconds: Double = 120) async -> (status: Int32, stdout: String, stderr: String) {
            let deadline = Date().addingTimeInterval(seconds)
            while process.isRunning, Date() < deadline { try? await Task.sleep(nanoseconds: 20_000_000) }
            if process.isRunning { process.terminate() }
            while process.isRunning { try? await Task.sleep(nanoseconds: 20_000_000) }
            // The pipes close with the process: the readers are done or about to be.
            return collected()
        }

        private func collected() -> (status: Int32, stdout: String, stderr: String) {
            outDone.wait()
            errDone.wait()
            lock.lock(); defer { lock.unlock() }
            return (process.terminationStatus, String(decoding: outData, as: UTF8.self), errText)
        }
    }

    @Test func theFourClientsOfTheIssueGetTheirVerdictsFromTheBinary() async throws {
        let running = try Running(["capture", "--listen", CaptureSessionTests.host + ":0", "--count", "4", "--timeout", "120",
                                   "--expect-key-env", "HUB_KEY", "--format", "json"], environment: ["HUB_KEY": Self.key])
        let url = try await running.baseURL()
        let clients = [TokenClient(baseURL: url, token: ""), TokenClient(baseURL: url, token: Self.key, template: "{token}"),
                       TokenClient(baseURL: url, token: nil), TokenClient(baseURL: url, token: Self.key)]
        var statuses: [Int] = []
        for client in clients { statuses.append(try await client.post("/v1/feedback-records").status) }
        let (status, stdout, stderr) = await running.finish()
        #expect(statuses == [401, 401, 401, 200])
        #expect(status == 1)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any])
        let findings = try #require(doc["findings"] as? [[String: Any]])
        #expect(findings.map { $0["check"] as? String } == Array(repeating: "capture.request", count: 4))
        #expect(findings.map { $0["cause"] as? String } == ["caller-key-missing", "header-shape", "placeholder-key", nil])
        #expect(findings.map { $0["status"] as? String } == ["fail", "fail", "fail", "pass"])
        // One live line per request on stderr, with its verdict, and never the key.
        let live = stderr.split(separator: "\n").filter { $0.contains(" POST /v1/feedback-records → ") }
        #expect(live.count == 4)
        #expect(live.first?.contains("→ 401 caller-key-missing") == true)
        #expect(live.last?.contains("→ 200 pass") == true)
        for text in [stdout, stderr] {
            #expect(!text.contains(Self.key))
            #expect(!text.contains(String(Self.key.dropFirst(3).prefix(8))))
        }
    }

    @Test func ctrlCEndsTheCaptureWithItsReport() async throws {
        let running = try Running(["capture", "--listen", CaptureSessionTests.host + ":0", "--expect-key-env", "HUB_KEY"], environment: ["HUB_KEY": Self.key])
        let url = try await running.baseURL()
        _ = try await TokenClient(baseURL: url, token: "").post("/v1/webhooks")
        kill(running.process.processIdentifier, SIGINT)
        let (status, stdout, _) = await running.finish()
        #expect(status == 1)
        #expect(stdout.contains("#1 POST /v1/webhooks"))
        #expect(stdout.contains("[caller-key-missing]"))
    }

    @Test func badUsageExitsTwo() async throws {
        #expect(try await Binary.running(["capture", "--listen", "nonsense"]).status == 2)
        #expect(try await Binary.running(["capture", "--listen", "127.0.0.1:0", "--count", "0"]).status == 2)
        let unset = try await Binary.running(["capture", "--listen", "127.0.0.1:0", "--expect-key-env", "SURELY_UNSET_VAR_XYZ", "--timeout", "1"])
        #expect(unset.status == 2)
        #expect(unset.stderr.contains("SURELY_UNSET_VAR_XYZ is not set"))
    }
}
