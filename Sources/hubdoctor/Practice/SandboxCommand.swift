import ArgumentParser
import Foundation
import HubdoctorKit

extension Hubdoctor {
    struct Sandbox: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a reference Hub on loopback (the seed runbook's middleware), with fault modes.",
            discussion: """
            /health is public; /v1/* needs `Authorization: Bearer <key>` and answers the runbook's 401 bodies otherwise. \
            /ws/agent and /ws/supervisor are seed 001's WebSocket endpoints: the client sends \
            {"type":"auth","api_key":"…"} (agents also project_dir or rootless_sessions) and gets {"type":"auth_ok"}, or an \
            auth_error frame and close 4001 with the reason (api_key_not_found, api_key_revoked, missing_supervisor_capability, \
            invalid_api_key, no_project_or_rootless); /ws/bearer takes the key as Authorization: Bearer or ?token= on the upgrade. \
            The first line on standard output is the base URL; each request is logged as one JSON line (method, path, \
            the shape of its Authorization header, never the key) to standard error or --log. Stops on Ctrl-C or SIGTERM.

            Faults: \(SandboxFault.allCases.map { "\($0.rawValue) (\($0.summary))" }.joined(separator: "; ")).
            """
        )

        @Option(name: .long, help: "HOST:PORT on loopback; port 0 picks a free one.")
        var listen: String = "127.0.0.1:8090"

        @Option(name: .customLong("key-env"), help: "The key /v1/* demands, from this environment variable (default: a generated key).")
        var keyEnv: String?

        @Option(name: .customLong("old-key-env"), help: "Also accept this older key, as during a rotation.")
        var oldKeyEnv: String?

        @Option(name: .customLong("write-key"), help: "Write the generated key to this file (mode 0600), for `probe --key-file`.")
        var writeKey: String?

        @Option(name: .customLong("fault"), help: "A fault mode (repeatable).")
        var faults: [SandboxFault] = []

        @Option(name: .customLong("delay-ms"), help: "Delay every answer by this many milliseconds (implies --fault slow).")
        var delayMs: Int = 0

        @Option(name: .customLong("retry-after"), help: "Retry-After seconds for --fault throttled.")
        var retryAfter: Int = 30

        @Option(name: .customLong("redirect-to"), help: "The other origin for --fault redirect.")
        var redirectTo: String = "https://hub.example.com"

        @Flag(name: .long, help: "Also serve GET /auth/session, as Team Hub does.")
        var session = false

        @Option(name: .customLong("ws-key"), help: ArgumentHelp(
            "Put a key into the WebSocket endpoints' key store with a state: STATE:VAR, the key from environment variable VAR; "
                + "STATE is valid, revoked or missing-capability (repeatable). Other keys are unknown to the store.",
            valueName: "state:var"))
        var wsKeys: [String] = []

        @Option(name: .customLong("max-connections"), help: "Close connections beyond this many open at once on arrival, as a service behind a connection limit does.")
        var maxConnections: Int = ListenerLimits().maxConnections

        @Option(name: .long, help: "Append the request log to this file instead of standard error.")
        var log: String?

        func validate() throws {
            guard delayMs >= 0, retryAfter >= 0 else { throw ValidationError("--delay-ms and --retry-after must not be negative") }
            guard delayMs <= 3_600_000 else { throw ValidationError("--delay-ms must be at most 3600000 (one hour)") }
            guard (1...100_000).contains(maxConnections) else { throw ValidationError("--max-connections must be between 1 and 100000") }
            guard keyEnv == nil || writeKey == nil else { throw ValidationError("--write-key only writes a generated key; drop --key-env") }
            for entry in wsKeys { _ = try Self.parseWSKey(entry) }
        }

        func run() async throws {
            let address = try ListenAddress.parse(listen)
            guard address.isLoopback else {
                throw HubdoctorError(.usage, "--listen \(listen): the sandbox serves loopback only (127.0.0.1 or ::1); its key is a test key")
            }
            let environment = ProcessInfo.processInfo.environment
            var options = SandboxOptions(key: try keyEnv.map { try KeyInput.environment($0).read(environment: environment) } ?? SandboxOptions.generateKey())
            SecretRegistry.shared.register(options.key)
            options.oldKey = try oldKeyEnv.map { try KeyInput.environment($0).read(environment: environment) }
            options.host = address.host
            options.port = address.port
            options.faults = Set(faults)
            if delayMs > 0 { options.faults.insert(.slow) }
            options.delayMs = delayMs
            options.retryAfterSeconds = retryAfter
            options.redirectTo = redirectTo
            options.session = session
            for entry in wsKeys {
                let (state, variable) = try Self.parseWSKey(entry)
                let key = try KeyInput.environment(variable).read(environment: environment)
                SecretRegistry.shared.register(key)
                options.keyStates[key] = state
            }
            options.maxConnections = maxConnections
            if keyEnv == nil, let writeKey { try SandboxKeyFile.write(options.key, to: writeKey) }
            let sink = try SandboxLogSink(path: log)
            let hub = try await SandboxHub.start(options) { sink.write($0.jsonLine) }
            Output.write(hub.baseURL + "\n")
            let faultText = options.faults.isEmpty ? "none" : options.faults.map(\.rawValue).sorted().joined(separator: ", ")
            var origin = keyEnv.map { "$\($0)" } ?? "generated"
            if keyEnv == nil, let writeKey { origin += ", written to \(writeKey)" }
            if !options.keyStates.isEmpty {
                let store = options.keyStates.map { "\($0.key.fingerprint) \($0.value.rawValue)" }.sorted().joined(separator: ", ")
                Output.error("WebSocket key store: \(store); any other key is unknown")
            }
            Output.error("sandbox Hub on \(hub.baseURL): key \(options.key.fingerprint) " +
                "(\(origin))\(options.oldKey.map { ", old key \($0.fingerprint) also accepted" } ?? ""); faults: \(faultText). Ctrl-C stops it.")
            await SignalWait.untilInterrupted()
            await hub.stop()
            let stats = hub.stats
            Output.error("sandbox Hub stopped after \(stats.requests) requests; \(stats.rejectedConnections) connections closed on arrival (over --max-connections \(maxConnections)).")
        }
    }
}

extension Hubdoctor.Sandbox {
    /// `revoked:OLD_KEY` → (.revoked, "OLD_KEY").
    static func parseWSKey(_ entry: String) throws -> (SandboxKeyState, String) {
        let parts = entry.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, let state = SandboxKeyState(rawValue: parts[0]), !parts[1].isEmpty else {
            throw ValidationError("--ws-key \(entry): expected STATE:VAR with STATE one of \(SandboxKeyState.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return (state, parts[1])
    }
}

extension SandboxFault: ExpressibleByArgument {}
