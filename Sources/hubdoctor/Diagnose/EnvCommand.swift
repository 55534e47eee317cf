import ArgumentParser
import HubdoctorKit

extension Hubdoctor {
    struct Env: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read env files exactly as a named reader does; show every variable redacted, and where readers disagree."
        )

        @Argument(help: "The .env files to read.")
        var files: [String]

        @Option(name: .long, help: "next, dotenv, godotenv or compose.")
        var dialect: Dialect = .next

        @Option(name: .long, help: "text or json.")
        var format: OutputFormat = .text

        func validate() throws {
            guard !files.isEmpty else { throw ValidationError("name at least one file") }
            guard format == .text || format == .json else { throw ValidationError("env supports --format text or json") }
        }

        func run() throws {
            let report = EnvInspector.inspect(paths: files, dialect: dialect)
            Output.write(format == .json ? EnvJSONWriter.render(report) : EnvTextReporter(style: .forStandardOutput()).render(report))
            throw ExitCode(report.exitCode)
        }
    }
}
