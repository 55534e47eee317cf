import Foundation
import Synchronization

/// One request `capture` received, classified and answered.
public struct CapturedRequest: Sendable {
    /// 1-based, in the order the requests were complete.
    public var index: Int
    public var receivedAt: Date
    public var client: String
    public var method: String
    public var path: String
    public var userAgent: String?
    public var verdict: CaptureVerdict
    /// The status the stand-in answered, as the service would have.
    public var answer: Int

    /// The live line on stderr: time, client, method, path, answer, verdict. Never a key.
    public var line: String {
        "\(CaptureSession.clock(receivedAt)) \(client) \(method) \(path) → \(answer) \(verdict.word): \(verdict.summary)"
    }
}

/// `hubdoctor capture`: a stand-in service on `--listen` that classifies the Authorization header
/// of every request it receives, answers as the Hub would, and reports one finding per request.
public final class CaptureSession: Sendable {
    public let options: CaptureOptions
    public let expected: ExpectedKey
    private let catalog: RunbookCatalog
    private let runbookProblems: [RunbookProblem]
    private let listener: HTTPListener
    private let state: State
    private let stopSignal: AsyncStream<Void>.Continuation
    private let stopped: AsyncStream<Void>

    public var address: String { listener.address }
    public var baseURL: String { listener.baseURL }

    /// Shared between the listener's handler tasks and the session: the requests in arrival
    /// order (up to `maxListed`), and tallies of the rest.
    final class State: Sendable {
        private struct Tally {
            var total = 0
            var listed: [CapturedRequest] = []
            var unlisted: [String: (cause: Cause?, count: Int)] = [:]
        }

        private let tally = Mutex(Tally())

        func record(_ make: (Int) -> CapturedRequest, maxListed: Int) -> CapturedRequest {
            tally.withLock { tally in
                tally.total += 1
                let request = make(tally.total)
                if tally.listed.count < maxListed {
                    tally.listed.append(request)
                } else {
                    let word = request.verdict.word
                    tally.unlisted[word] = (request.verdict.cause, (tally.unlisted[word]?.count ?? 0) + 1)
                }
                return request
            }
        }

        func snapshot() -> (Int, [CapturedRequest], [String: (cause: Cause?, count: Int)]) {
            tally.withLock { ($0.total, $0.listed, $0.unlisted) }
        }
    }

    private init(options: CaptureOptions, expected: ExpectedKey, listener: HTTPListener, state: State,
                 stopSignal: AsyncStream<Void>.Continuation, stopped: AsyncStream<Void>) {
        self.options = options
        self.expected = expected
        (catalog, runbookProblems) = RunbookCatalog.load(extraDirs: options.runbookDirs, environment: options.environment)
        self.listener = listener
        self.state = state
        self.stopSignal = stopSignal
        self.stopped = stopped
    }

    /// Resolves the expected key, binds, and starts classifying. `onRequest` is called once per
    /// request as it arrives, from any thread.
    public static func start(_ options: CaptureOptions, onRequest: (@Sendable (CapturedRequest) -> Void)? = nil) async throws -> CaptureSession {
        let expected = try ExpectedKey.resolve(options)
        let state = State()
        let (stopped, stopSignal) = AsyncStream<Void>.makeStream()
        let count = options.count
        let maxListed = options.maxListed
        let listener = try await HTTPListener.start(host: options.host, port: options.port, limits: options.limits) { request in
            let verdict = AuthorizationClassifier.classify(request, expected: expected)
            let response = request.path == "/health" && request.method == "GET"
                ? ListenerResponse.json(200, #"{"status":"ok"}"#)
                : HubAuthMiddleware.answer(request, key: expected.value)
            let captured = state.record({ index in
                CapturedRequest(index: index, receivedAt: request.receivedAt, client: request.remote ?? "unknown",
                                method: sanitize(request.method, 16), path: shown(request.path, 200),
                                userAgent: request.header("User-Agent").map { shown($0, 120) },
                                verdict: publicHealthVerdict(request, verdict), answer: response.status)
            }, maxListed: maxListed)
            onRequest?(captured)
            if let count, captured.index >= count { stopSignal.yield() }
            return response
        }
        let session = CaptureSession(options: options, expected: expected, listener: listener, state: state,
                                     stopSignal: stopSignal, stopped: stopped)
        if let timeout = options.timeout {
            Task {
                try? await Task.sleep(nanoseconds: UInt64(timeout * 1_000_000_000))
                stopSignal.yield()
            }
        }
        return session
    }

    /// A `GET /health` without credentials is what a healthy caller sends: public by design.
    static func publicHealthVerdict(_ request: ListenerRequest, _ verdict: CaptureVerdict) -> CaptureVerdict {
        guard request.path == "/health", request.header("Authorization") == nil, verdict.cause == .callerKeyMissing else { return verdict }
        var v = verdict
        v.status = .skip
        v.cause = nil
        v.summary = "public health check, no key needed"
        v.message = "A health check without credentials: /health is public, so this request says nothing about the caller's key."
        return v
    }

    /// Asks the session to stop (Ctrl-C, or a test).
    public func requestStop() { stopSignal.yield() }

    /// Waits until `--count` requests arrived, `--timeout` passed or `requestStop()` was called,
    /// stops the listener, and reports.
    public func finish() async -> Report {
        for await _ in stopped { break }
        await listener.stop(grace: 1)
        return report()
    }

    func report() -> Report {
        let (total, listed, unlisted) = state.snapshot()
        var findings = listed.map(finding)
        if !unlisted.isEmpty {
            let byCount = unlisted.sorted { ($0.value.count, $1.key) > ($1.value.count, $0.key) }
            let parts = byCount.map { "×\($0.value.count) \($0.key)" }
            let commonest = byCount.compactMap(\.value.cause).first
            findings.append(Finding(check: .captureUnlisted, status: commonest == nil ? .pass : .fail, cause: commonest,
                                    title: "Requests past the first \(options.maxListed) are counted, not listed",
                                    message: "\(total - listed.count) more requests arrived: " + parts.joined(separator: ", ") + ".",
                                    count: total - listed.count))
        }
        let stats = listener.stats
        if stats.malformed > 0 || stats.oversized > 0 || stats.rejectedConnections > 0 {
            var parts: [String] = []
            if stats.malformed > 0 {
                parts.append("\(stats.malformed) connection(s) sent bytes that the HTTP/1.1 parser could not read (a client speaking TLS to this "
                             + "plain-HTTP listener, a header block over the parser's own limit, a request cut off, or not HTTP at all); "
                             + "each was answered 400 or closed")
            }
            if stats.oversized > 0 {
                parts.append("\(stats.oversized) request(s) went over the header (\(options.limits.maxHeaderBytes / 1024) KiB) or body limit "
                             + "and were answered 431/413")
            }
            if stats.rejectedConnections > 0 {
                parts.append("\(stats.rejectedConnections) connection(s) were closed on arrival: \(options.limits.maxConnections) were already open")
            }
            findings.append(Finding(check: .captureMalformed, status: .warn, cause: .hubUnreachable,
                                    title: "Every connection carried a well-formed HTTP request",
                                    message: parts.joined(separator: "; ") + ". A client that fails like this against the stand-in fails against the service too.",
                                    count: stats.malformed + stats.oversized + stats.rejectedConnections))
        }
        if total == 0 {
            let waited = options.timeout.map { " in \(Seconds.text($0))" } ?? ""
            findings.append(Finding(check: .captureNone, status: .fail, cause: .hubUnreachable,
                                    title: "The caller reached the stand-in",
                                    message: "No request arrived at \(listener.address)\(waited). The caller is not pointed at this address "
                                        + "(its service URL names another host or port), cannot connect to it (a container cannot reach the "
                                        + "host's loopback), or sent nothing.",
                                    remediation: [
                                        RemediationStep(text: "Point the caller's service URL at the listener (for Core, HIVECFM_HUB_URL), restart it, "
                                                        + "and trigger one call to the service."),
                                        RemediationStep(text: "From inside a container, listen on an address the container can reach.",
                                                        run: "hubdoctor capture --listen 0.0.0.0:8090 --count 1"),
                                    ],
                                    facts: ["listen": listener.address]))
        }
        // With the link's facts the runbooks name the caller's own files; without them (a key
        // from --expect-key-env) the general steps stand in.
        let remediated = (findings + runbookProblems.map(\.finding)).map { Runbooks.remediate($0, fallback: $0.remediation, catalog: catalog) }
        return Report(command: "capture", findings: remediated)
    }

    func finding(_ r: CapturedRequest) -> Finding {
        let v = r.verdict
        let expectedEvidence = Evidence.key(source: expected.origin, var: expected.name, value: expected.value, detail: "expected")
        var facts = expected.facts
        facts["key_env"] = facts["key_env"] ?? expected.name
        for (k, v) in ["method": r.method, "path": r.path, "client": r.client, "received_at": Self.iso(r.receivedAt),
                       "answer": String(r.answer)] { facts["request.\(k)"] = v }
        if let ua = r.userAgent { facts["request.user_agent"] = ua }
        return Finding(check: .captureRequest, status: v.status, cause: v.cause,
                       title: "#\(r.index) \(r.method) \(r.path) from \(r.client) carries `Bearer <expected key>`",
                       message: v.message, evidence: [v.received, expectedEvidence],
                       remediation: Self.remediation(v.cause, expected: expected),
                       link: expected.facts["link"], facts: facts)
    }

    static func remediation(_ cause: Cause?, expected: ExpectedKey) -> [RemediationStep] {
        switch cause {
        case .callerKeyMissing?:
            return [RemediationStep(text: "Set the caller's key to the service's \(expected.name) (Core: HIVECFM_HUB_API_KEY in "
                                        + "hivecfm-core/.env, and .env.local in native dev), restart the caller, and capture again.",
                                    run: "hubdoctor check --root .")]
        case .placeholderKey?:
            return [RemediationStep(text: "Replace the placeholder in the caller's configuration with the real key, and check that its "
                                        + "variable is really set where the caller starts (an unset variable prints as `undefined` or `None`).",
                                    run: "hubdoctor check --root .")]
        case .headerShape?:
            return [RemediationStep(text: "Make the client send exactly `Authorization: Bearer <key>`, and test it by hand.",
                                    run: "curl -i -H \"Authorization: Bearer $\(expected.name)\" http://localhost:8090/v1/feedback-records")]
        case .keyWhitespace?, .keyQuoted?:
            return [RemediationStep(text: "Rewrite the key without whitespace or quotes in the file it comes from, and restart that side.",
                                    run: "hubdoctor fix --root .")]
        case .keyDrift?:
            return [RemediationStep(text: "Write one value on both sides, then restart both in the same window.",
                                    run: "docker compose restart hivecfm-hub-api hivecfm-core")]
        default:
            return []
        }
    }

    /// What a caller sent, as shown: scrubbed of every known key (whole, in part, percent-encoded
    /// or base64, as a key sent in the path would be) before it is cut, then sanitized.
    static func shown(_ s: String, _ limit: Int) -> String {
        sanitize(SecretRegistry.shared.scrub(s), limit)
    }

    /// Request text shown on a terminal: control characters escaped, length capped.
    static func sanitize(_ s: String, _ limit: Int) -> String {
        var out = ""
        for c in s.unicodeScalars {
            if out.unicodeScalars.count >= limit { return out + "…" }
            if c.value < 0x20 || c.value == 0x7F || (0x80..<0xA0).contains(c.value) {
                out += String(format: "\\x%02X", c.value)
            } else {
                out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// A value type, so one shared instance is safe from every thread.
    static let isoStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    static func iso(_ date: Date) -> String { isoStyle.format(date) }

    /// `HH:MM:SS.mmm` in local time, cheap enough for a line per request under load.
    static func clock(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        var t = time_t(seconds.rounded(.down))
        var parts = tm()
        localtime_r(&t, &parts)
        let ms = Int((seconds - seconds.rounded(.down)) * 1000)
        return String(format: "%02d:%02d:%02d.%03d", parts.tm_hour, parts.tm_min, parts.tm_sec, ms)
    }
}
