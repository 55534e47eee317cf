import ArgumentParser
import HubdoctorKit

extension Hubdoctor.RunbookCommand {
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one runbook: symptoms, and for each cause why, confirm, fix, verify, prevent.")

        @Argument(help: "The runbook's id (see `hubdoctor runbook list`).")
        var id: String

        @OptionGroup var runbookOptions: RunbookOptions

        @Option(name: .long, help: "text or json.")
        var format: OutputFormat = .text

        func validate() throws {
            guard format == .text || format == .json else { throw ValidationError("runbook show supports --format text or json") }
        }

        func run() throws {
            let catalog = runbookOptions.catalog()
            guard let runbook = catalog.runbook(id: id) else {
                let ids = catalog.runbooks.map(\.id).joined(separator: ", ")
                throw HubdoctorError(.usage, "no runbook `\(id)`; the runbooks in force are: \(ids)")
            }
            if format == .json {
                Output.write(JSONReporter.render(RunbookDocument(runbooks: [runbook])))
            } else {
                Output.write(RunbookTextReporter(style: .forStandardOutput()).show(runbook))
            }
        }
    }
}
