import Foundation

/// A reference Hub on loopback: the seed runbook's middleware exactly (`/health` public, every
/// `/v1/*` request needs `Authorization: Bearer <API_KEY>`), plus fault modes that reproduce
/// what the runbooks describe. Runs in-process for tests and demos, or as `hubdoctor sandbox`.
public final class SandboxHub: Sendable {
    public static let missingHeader = #"{"error":"Missing Authorization header"}"#
    public static let invalidFormat = #"{"error":"Invalid Authorization header format. Expected: Bearer <api-key>"}"#
    public static let invalidKey = #"{"error":"Invalid API key"}"#
    public static let protectedRoutes: Set<String> = ["/v1/feedback-records", "/v1/webhooks"]
    /// Entries kept in memory for `entries`; the log callback sees every one.
    static let keptEntries = 10_000

    public let options: SandboxOptions
    private let listener: HTTPListener?
    private let blackhole: BlackholePort?
    private let journal: SandboxJournal
    public let port: Int

    private init(options: SandboxOptions, listener: HTTPListener?, blackhole: BlackholePort?, journal: SandboxJournal) {
        self.options = options
        self.listener = listener
        self.blackhole = blackhole
        self.journal = journal
        self.port = listener?.port ?? blackhole?.port ?? options.port
    }

    public var address: String { listener?.address ?? "127.0.0.1:\(port)" }
    public var baseURL: String { "http://\(address)" }

    /// Every request so far, oldest first.
    public var entries: [SandboxLogEntry] { journal.entries }

    /// How many requests were answered, and how many connections were closed on arrival
    /// because `maxConnections` were open (a client sees those as resets).
    public var stats: ListenerStats { listener?.stats ?? ListenerStats() }

    /// Starts serving; `log` is called once per request (from any thread).
    public static func start(_ options: SandboxOptions, log: (@Sendable (SandboxLogEntry) -> Void)? = nil) async throws -> SandboxHub {
        let journal = SandboxJournal(limit: keptEntries, sink: log)
        if options.faults.contains(.blackhole) {
            guard ["127.0.0.1", "localhost"].contains(options.host) else {
                throw HubdoctorError(.usage, "the blackhole fault needs an IPv4 loopback address (127.0.0.1)")
            }
            return SandboxHub(options: options, listener: nil, blackhole: try BlackholePort(port: options.port), journal: journal)
        }
        let routes = SandboxRoutes(options: options)
        let webSocket = SandboxWebSocket(options: options, journal: journal)
        let route = ListenerWebSocketRoute(accepts: webSocket.accepts, session: webSocket.session)
        var limits = ListenerLimits()
        limits.maxConnections = options.maxConnections
        let listener = try await HTTPListener.start(host: options.host, port: options.port, limits: limits, webSocket: route) { request in
            if options.faults.contains(.hanging) {
                journal.record(routes.entry(for: request, status: nil))
                try? await Task.sleep(nanoseconds: 86_400 * 1_000_000_000)
                return ListenerResponse(status: 0, delivery: .closeWithoutAnswer)
            }
            if options.faults.contains(.slow), options.delayMs > 0 {
                try? await Task.sleep(nanoseconds: UInt64(options.delayMs) * 1_000_000)
            }
            let response = SandboxWebSocket.paths.contains(request.path) ? webSocket.answer(request) : routes.answer(request)
            journal.record(routes.entry(for: request, status: response.status))
            return response
        }
        return SandboxHub(options: options, listener: listener, blackhole: nil, journal: journal)
    }

    public func stop() async {
        await listener?.stop(grace: 0.5)
        blackhole?.close()
    }
}
