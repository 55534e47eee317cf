import ArgumentParser
import Foundation
import HubdoctorKit

extension Hubdoctor {
    struct Probe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the probe matrix against one service URL.",
            discussion: """
            Sends GET /health without credentials, each protected path without and with the key, and at most one \
            wrong-shape and one wrong-key request with a random throwaway token. The key is never taken from the \
            command line: argv is visible to every user of the machine.
            """
        )

        @Argument(help: "The service's base URL, such as http://localhost:8090; or a WebSocket URL, such as ws://localhost:8090/ws/agent.")
        var url: String

        @Option(name: .customLong("path"), help: "A protected path (repeatable; default: /v1/feedback-records and /v1/webhooks).")
        var paths: [String] = []

        @Option(name: .customLong("health-path"), help: "The public health path.")
        var healthPath: String = "/health"

        @Option(name: .customLong("session-path"), help: "An endpoint that describes the token (Team Hub: /auth/session).")
        var sessionPath: String?

        @Option(name: .customLong("key-env"), help: "Take the key from this environment variable.")
        var keyEnv: String?

        @Option(name: .customLong("key-file"), help: "Take the key from this file (one trailing line break is dropped).")
        var keyFile: String?

        @Flag(name: .customLong("key-stdin"), help: "Read the key from standard input.")
        var keyStdin = false

        @Option(name: .long, help: "text or json.")
        var format: OutputFormat = .text

        @Option(name: .customLong("fail-on"), help: "error or warning: the lowest status that makes the exit code 1.")
        var failOn: FailThreshold = .error

        @Option(name: .long, help: "Seconds per probe.")
        var timeout: Double = 5

        @Flag(name: .customLong("no-negative"), help: "Do not send the wrong-shape and wrong-key probes.")
        var noNegative = false

        @Option(name: .long, help: "A PEM file of CAs to trust instead of the system's.")
        var cacert: String?

        @Option(name: .customLong("ws-message"), help: ArgumentHelp(
            "For a ws:// or wss:// URL: send this auth frame after the upgrade, with {{key}} where the key goes "
                + "(default: {\"type\":\"auth\",\"api_key\":\"{{key}}\"}).",
            valueName: "template"))
        var wsMessage: String?

        @Flag(name: .customLong("ws-header"), help: "For a ws:// or wss:// URL: send the key as Authorization: Bearer on the upgrade.")
        var wsHeader = false

        @Option(name: .customLong("ws-query"), help: ArgumentHelp("For a ws:// or wss:// URL: send the key as this query parameter of the upgrade.", valueName: "name"))
        var wsQuery: String?

        @Flag(name: .shortAndLong, help: "Show the details of passing checks too.")
        var verbose = false

        @Option(name: .customLong("max-connections"), help: "Connections to the service (the rest of the requests wait for one and reuse it).")
        var maxConnections: Int = HTTPClientRequest.defaultMaxConnections

        func validate() throws {
            let sources = [keyEnv != nil, keyFile != nil, keyStdin].filter { $0 }.count
            guard sources <= 1 else { throw ValidationError("give the key one way: --key-env, --key-file or --key-stdin") }
            if let p = DurationLimit.timeout().problem(timeout) { throw ValidationError(p) }
            if let p = CheckOptions.maxConnectionsProblem(maxConnections) { throw ValidationError(p) }
            guard format == .text || format == .json else { throw ValidationError("probe supports --format text or json") }
            let ways = [wsMessage != nil, wsHeader, wsQuery != nil].filter { $0 }.count
            guard ways <= 1 else { throw ValidationError("give the WebSocket auth one way: --ws-message, --ws-header or --ws-query") }
            let lower = url.lowercased()
            if ways > 0, !(lower.hasPrefix("ws://") || lower.hasPrefix("wss://")) {
                throw ValidationError("--ws-message, --ws-header and --ws-query go with a ws:// or wss:// URL")
            }
            if let wsMessage, !wsMessage.contains(WebSocketAuth.placeholder) {
                throw ValidationError("--ws-message must hold {{key}} where the key goes (the key itself is never taken on the command line)")
            }
            if let wsQuery, wsQuery.isEmpty { throw ValidationError("--ws-query needs a parameter name") }
        }

        func run() async throws {
            var options = ServiceProbeOptions(url: url)
            options.paths = paths
            options.healthPath = healthPath.isEmpty ? nil : healthPath
            options.sessionPath = sessionPath
            options.key = keyEnv.map(KeyInput.environment) ?? keyFile.map(KeyInput.file) ?? (keyStdin ? .standardInput : nil)
            options.timeout = timeout
            options.noNegative = noNegative
            options.caFile = cacert
            options.webSocketAuth = wsMessage.map { .message(template: $0) } ?? wsQuery.map { .query(name: $0) } ?? (wsHeader ? .header : nil)
            options.failOn = failOn
            options.maxConnections = maxConnections
            let report = try await ServiceProbe.run(options)
            Output.write(render(report, format: format, verbose: verbose))
            throw ExitCode(report.exitCode)
        }
    }
}
