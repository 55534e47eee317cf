import ArgumentParser
import HubdoctorKit

extension Hubdoctor.RunbookCommand {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the runbooks in force and the causes each handles.")

        @OptionGroup var runbookOptions: RunbookOptions

        @Option(name: .long, help: "text or json.")
        var format: OutputFormat = .text

        func validate() throws {
            guard format == .text || format == .json else { throw ValidationError("runbook list supports --format text or json") }
        }

        func run() throws {
            let catalog = runbookOptions.catalog()
            if format == .json {
                Output.write(JSONReporter.render(RunbookDocument(runbooks: catalog.runbooks)))
            } else {
                Output.write(RunbookTextReporter(style: .forStandardOutput()).list(catalog))
            }
        }
    }
}
