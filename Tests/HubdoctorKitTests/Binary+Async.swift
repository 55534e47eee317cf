import Foundation

extension Binary {
    /// `running` and its wall time, measured on the waiting thread: exact even when the test's
    /// own task is slow to wake up in a busy test run.
    static func timedRunAsync(_ arguments: [String], environment: [String: String] = [:]) async throws -> (Result, Double) {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                let started = Date()
                continuation.resume(with: Swift.Result {
                    let result = try run(arguments, environment: environment)
                    return (result, Date().timeIntervalSince(started))
                })
            }.start()
        }
    }
}

extension Binary.Result {
    var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(stdout.utf8))) as? [String: Any] }

    var findings: [[String: Any]] { json?["findings"] as? [[String: Any]] ?? [] }

    func finding(_ check: String) -> [String: Any]? { findings.first { $0["check"] as? String == check } }

    func cause(_ check: String) -> String? { finding(check)?["cause"] as? String }

    func statusOf(_ check: String) -> String? { finding(check)?["status"] as? String }

    var causes: Set<String> { Set(findings.compactMap { $0["cause"] as? String }) }
}
