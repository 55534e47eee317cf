import ArgumentParser
import Foundation
import HubdoctorKit

extension Hubdoctor {
    struct Capture: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Listen as a stand-in service and classify the Authorization header each caller really sends.",
            discussion: """
            Point the caller's service URL at the listener (or run its smoke test against it). Each request is \
            answered as the Hub would answer it and printed on stderr as it arrives; the report follows when \
            --count requests arrived, --timeout passed, or on Ctrl-C.
            """
        )

        @Option(name: .long, help: "HOST:PORT to listen on (port 0 picks a free one).")
        var listen: String = "127.0.0.1:8090"

        @Option(name: .long, help: "Stop after this many requests.")
        var count: Int?

        @Option(name: .long, help: "Stop after this many seconds.")
        var timeout: Double?

        @Option(name: .customLong("expect-key-env"), help: "The variable of hubdoctor's environment that holds the expected key.")
        var expectKeyEnv: String?

        /// Without --expect-key-env, the service key of the first link (the Hub's API_KEY under the
        /// built-in profile) is expected, read in --mode.
        @OptionGroup var layout: LayoutOptions

        @Option(name: .long, help: "text or json.")
        var format: OutputFormat = .text

        @OptionGroup var runbookOptions: RunbookOptions

        @Flag(name: .shortAndLong, help: "No line per request on stderr.")
        var quiet = false

        func validate() throws {
            if let count, count < 1 { throw ValidationError("--count must be at least 1") }
            if let timeout, let p = DurationLimit(flag: "--timeout", allowsZero: false, maximum: 30 * 86_400).problem(timeout) {
                throw ValidationError(p)
            }
            guard format == .text || format == .json else { throw ValidationError("capture supports --format text or json") }
        }

        func run() async throws {
            var options = CaptureOptions()
            let address = try ListenAddress.parse(listen)
            (options.host, options.port) = (address.host, address.port)
            options.count = count
            options.timeout = timeout
            options.expectKeyEnv = expectKeyEnv
            options.root = layout.root
            options.configPath = layout.config
            options.mode = layout.mode
            options.runbookDirs = runbookOptions.runbooks
            let quiet = self.quiet
            let session = try await CaptureSession.start(options) { request in
                if !quiet { Output.error(request.line) }
            }
            // Ctrl-C ends the capture with its report rather than killing it.
            Task {
                await SignalWait.untilInterrupted()
                session.requestStop()
            }
            var limits: [String] = []
            if let count { limits.append("after \(count) request\(count == 1 ? "" : "s")") }
            if let timeout { limits.append("after \(timeout) s") }
            limits.append("on Ctrl-C")
            Output.error("capture: listening on \(session.baseURL), expecting \(session.expected.name) from \(session.expected.origin) " +
                "(\(session.expected.value.fingerprint)); stops " + limits.joined(separator: ", or "))
            let report = await session.finish()
            Output.write(render(report, format: format))
            throw ExitCode(report.exitCode)
        }
    }
}
