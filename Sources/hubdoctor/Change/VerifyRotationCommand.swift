import ArgumentParser
import HubdoctorKit

extension Hubdoctor {
    struct VerifyRotation: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify-rotation",
            abstract: "After a rotation and the restarts, prove the new key works and the old one is refused."
        )

        @OptionGroup var layout: LayoutOptions

        @Option(name: .customLong("old-key-env"), help: "The environment variable holding the old key.")
        var oldKeyEnv: String

        @Option(name: .long, help: "Keep polling (with backoff) for up to this many seconds.")
        var wait: Double = 0

        @Option(name: .customLong("hub-url"), help: "Overrides the URL the caller is configured with.")
        var hubURL: String?

        @Option(name: .long, help: "Seconds per request.")
        var timeout: Double = 5

        @Option(name: .long, help: "text, json, junit, github, sarif or prometheus.")
        var format: OutputFormat = .text

        func validate() throws {
            if let p = DurationLimit.wait().problem(wait) { throw ValidationError(p) }
            if let p = DurationLimit.timeout().problem(timeout) { throw ValidationError(p) }
        }

        func run() async throws {
            var options = RotationVerifier.Options()
            options.oldKeyEnv = oldKeyEnv
            options.check = layout.checkOptions
            options.check.wait = wait
            options.check.hubURL = hubURL
            options.check.timeout = timeout
            options.check.progress = { Output.error("hubdoctor: " + $0) }
            let report = try await RotationVerifier.verify(options)
            Output.write(render(report, format: format, root: layout.root))
            throw ExitCode(report.exitCode)
        }
    }
}
