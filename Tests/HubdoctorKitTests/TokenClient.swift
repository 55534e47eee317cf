import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A small real HTTP client that builds its Authorization header the way the callers in the seeds
/// do: `mcpclient` and Core's fetch wrapper add the header only when the token is non-empty, and
/// a JavaScript template formats an unset token as `undefined`. It goes over URLSession (libcurl
/// underneath), so the request on the wire is what a production client sends.
struct TokenClient {
    var baseURL: String
    /// nil is JavaScript's `undefined`: the variable was never set.
    var token: String?
    /// How the header value is built from the token: `Bearer {token}`, or `{token}` for a client
    /// that sends the raw key.
    var template = "Bearer {token}"

    struct Answer {
        var status: Int
        var body: String
    }

    /// `if (token !== "") headers.Authorization = \`Bearer ${token}\``
    var authorization: String? {
        if token == "" { return nil }
        return template.replacingOccurrences(of: "{token}", with: token ?? "undefined")
    }

    func post(_ path: String, json: String = #"{"text":"hello"}"#) async throws -> Answer {
        var request = URLRequest(url: URL(string: baseURL + path)!)
        request.httpMethod = "POST"
        // Generous: in a parallel test run, long synchronous tests can hold the cooperative threads
        // that the in-process listener answers on for many seconds.
        request.timeoutInterval = 90
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let authorization { request.setValue(authorization, forHTTPHeaderField: "Authorization") }
        request.httpBody = Data(json.utf8)
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        return try await withCheckedThrowingContinuation { continuation in
            session.dataTask(with: request) { data, response, error in
                if let error { return continuation.resume(throwing: error) }
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                continuation.resume(returning: Answer(status: status, body: String(decoding: data ?? Data(), as: UTF8.self)))
            }.resume()
        }
    }
}
