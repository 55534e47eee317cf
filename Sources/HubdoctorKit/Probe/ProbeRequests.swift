import Crypto
import Synchronization

/// The requests of one run, each distinct one sent once. Fifty links to one service with the
/// same key ask it the same questions (`GET /health`, each protected path with and without that
/// key): the first link's request is sent, and every link that shares it awaits the same answer,
/// instead of the service seeing fifty copies at once. Distinct means method, URL, headers and
/// options, with the credential compared by its SHA-256 (the key is never kept as a map key).
public final class ProbeRequests: Sendable {
    typealias Answer = Result<HTTPClientResponse, TransportFailure>

    private let tasks = Mutex<[String: Task<Answer, Never>]>([:])
    private let counters = Mutex<(sent: Int, shared: Int)>((0, 0))

    public init() {}

    /// Requests sent, and requests answered with another link's answer.
    public var counts: (sent: Int, shared: Int) { counters.withLock { $0 } }

    func send(_ request: HTTPClientRequest) async -> Answer {
        let key = Self.identity(request)
        let task = tasks.withLock { tasks -> Task<Answer, Never> in
            if let running = tasks[key] {
                counters.withLock { $0.shared += 1 }
                return running
            }
            let task = Task<Answer, Never> {
                do throws(TransportFailure) { return .success(try await HTTPClient.send(request)) } catch { return .failure(error) }
            }
            tasks[key] = task
            counters.withLock { $0.sent += 1 }
            return task
        }
        return await task.value
    }

    /// What makes two requests the same request.
    static func identity(_ r: HTTPClientRequest) -> String {
        var parts = [r.method, r.url, r.connectOnly ? "connect-only" : "request", "\(r.connectTimeout)", "\(r.timeout)",
                     "\(r.bodyLimit)", r.caFile ?? ""]
        for (name, value) in r.headers {
            let isCredential = name.lowercased() == "authorization"
            parts.append(name.lowercased() + ": " + (isCredential ? Self.sha256(value) : value))
        }
        return parts.joined(separator: "\n")
    }

    static func sha256(_ value: String) -> String {
        "sha256:" + SHA256.hash(data: Array(value.utf8)).map { b in b < 16 ? "0" + String(b, radix: 16) : String(b, radix: 16) }.joined()
    }
}
