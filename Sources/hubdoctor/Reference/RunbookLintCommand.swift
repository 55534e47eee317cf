import ArgumentParser
import HubdoctorKit

extension Hubdoctor.RunbookCommand {
    struct Lint: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check runbooks the way hubdoctor reads them; exit 1 on any problem, each printed as file:line:col."
        )

        @Argument(help: "Runbook directories or files.")
        var paths: [String]

        @Option(name: .long, help: "text, or github for workflow annotations.")
        var format: OutputFormat = .text

        func validate() throws {
            guard !paths.isEmpty else { throw ValidationError("name at least one directory or file") }
            guard format == .text || format == .github else { throw ValidationError("runbook lint supports --format text or github") }
        }

        func run() throws {
            let result = try RunbookLinter.lint(paths: paths)
            var out = ""
            for p in result.problems {
                if format == .github {
                    out += GitHubReporter.annotation("error", file: p.file, line: p.line, column: p.column, message: p.message)
                } else {
                    out += p.description + "\n"
                }
            }
            Output.write(out)
            let count = result.problems.count
            Output.error("\(result.files) file(s), \(result.runbooks.count) runbook(s), " + (count == 0 ? "no problems" : "\(count) problem(s)"))
            throw ExitCode(count == 0 ? ExitCodes.ok : ExitCodes.findings)
        }
    }
}
