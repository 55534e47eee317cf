import ArgumentParser
import HubdoctorKit

extension Hubdoctor {
    struct Checks: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every check id, its title, the causes it can report, and its runbook."
        )

        @Option(name: .long, help: "text or json.")
        var format: OutputFormat = .text

        func validate() throws {
            guard format == .text || format == .json else { throw ValidationError("checks supports --format text or json") }
        }

        func run() throws {
            let document = ChecksDocument()
            if format == .json {
                Output.write(JSONReporter.render(document))
            } else {
                Output.write(ChecksTextReporter(style: .forStandardOutput()).render(document))
            }
        }
    }
}
