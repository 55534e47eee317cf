import ArgumentParser
import Foundation
import HubdoctorKit

extension Hubdoctor {
    struct Sandbox: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a reference Hub on loopback (the seed runbook's middleware), with fault modes.",
            discussion: """
            /health is public; /v1/* needs `Authorization: Bearer <key>` and answers the runbook's 401 bodies otherwise. \
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

        @Option(name: .long, help: "Append the request log to this file instead of standard error.")
        var log: String?

        func validate() throws {
            guard delayMs >= 0, retryAfter >= 0 else { throw ValidationError("--delay-ms and --retry-after must not be negative") }
            guard delayMs <= 3_600_000 else { throw ValidationError("--delay-ms must be at most 3600000 (one hour)") }
            guard keyEnv == nil || writeKey == nil else { throw ValidationError("--write-key only writes a generated key; drop --key-env") }
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
            if keyEnv == nil, let writeKey { try SandboxKeyFile.write(options.key, to: writeKey) }
            let sink = try SandboxLogSink(path: log)
            let hub = try await SandboxHub.start(options) { sink.write($0.jsonLine) }
            Output.write(hub.baseURL + "\n")
            let faultText = options.faults.isEmpty ? "none" : options.faults.map(\.rawValue).sorted().joined(separator: ", ")
            var origin = keyEnv.map { "$\($0)" } ?? "generated"
            if keyEnv == nil, let writeKey { origin += ", written to \(writeKey)" }
            Output.error("sandbox Hub on \(hub.baseURL): key \(options.key.fingerprint) " +
                "(\(origin))\(options.oldKey.map { ", old key \($0.fingerprint) also accepted" } ?? ""); faults: \(faultText). Ctrl-C stops it.")
            await SignalWait.untilInterrupted()
            await hub.stop()
            Output.error("sandbox Hub stopped after \(hub.entries.count) requests.")
        }
    }
}

extension SandboxFault: ExpressibleByArgument {}
