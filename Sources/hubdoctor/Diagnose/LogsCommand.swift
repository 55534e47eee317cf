import ArgumentParser
import HubdoctorKit

extension Hubdoctor {
    struct Logs: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Classify the auth failures found in caller and service logs, grouped by cause."
        )

        @Argument(help: "Log files to read; - reads standard input.")
        var files: [String] = []

        @Option(name: .long, help: "text, json, junit or github.")
        var format: OutputFormat = .text

        @Option(name: .customLong("key-env"), help: "A key to remove from every line shown, wherever it stands, from this environment variable (repeatable).")
        var keyEnv: [String] = []

        @OptionGroup var runbookOptions: RunbookOptions

        @Flag(name: .shortAndLong, help: "Show the scan statistics on stderr.")
        var verbose = false

        func validate() throws {
            guard !files.isEmpty else { throw ValidationError("name a log file, or - to read standard input") }
        }

        func run() throws {
            var options = LogsOptions(paths: files)
            options.runbookDirs = runbookOptions.runbooks
            options.knownKeys = try keyEnv.map { try KeyInput.environment($0).read(environment: options.environment) }
            let result = try LogAnalyzer.analyze(options)
            for f in result.files where verbose || f.truncatedLines > 0 {
                Output.error("\(f.name): \(f.lines) lines, \(f.bytes) bytes, \(f.failures) auth failures"
                             + (f.truncatedLines > 0 ? ", \(f.truncatedLines) lines longer than 64 KiB read in part" : ""))
            }
            Output.write(render(result.report, format: format))
            throw ExitCode(result.report.exitCode)
        }
    }
}
