import ArgumentParser
import HubdoctorKit

extension Hubdoctor {
    struct Demo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Diagnose a broken example layout against a sandbox Hub, with no set-up."
        )

        @Option(name: .long, help: "text or json.")
        var format: OutputFormat = .text

        @Flag(name: .long, help: "Show the WebSocket case instead: a supervisor whose revoked key the Hub closes with 4001 api_key_revoked.")
        var websocket = false

        @Flag(name: .shortAndLong, help: "Show the details of passing checks too.")
        var verbose = false

        func validate() throws {
            guard format == .text || format == .json else { throw ValidationError("demo supports --format text or json") }
        }

        func run() async throws {
            let outcome = websocket ? try await HubdoctorKit.Demo.runWebSocket() : try await HubdoctorKit.Demo.run()
            if format == .text { Output.write(outcome.intro) }
            Output.write(render(outcome.report, format: format, verbose: verbose))
            throw ExitCode(outcome.report.exitCode)
        }
    }
}
