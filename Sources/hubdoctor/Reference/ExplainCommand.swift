import ArgumentParser
import HubdoctorKit

extension Hubdoctor {
    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "What a cause means, and how to confirm, fix, verify and prevent it, from its runbook."
        )

        @Argument(help: "A cause id, such as key-drift (see the contract's list).")
        var cause: String

        @OptionGroup var runbookOptions: RunbookOptions

        func run() throws {
            guard let known = Cause(rawValue: cause) else {
                let all = Cause.allCases.map(\.rawValue).joined(separator: ", ")
                throw HubdoctorError(.usage, "unknown cause `\(cause)`; the causes are: \(all)")
            }
            Output.write(RunbookTextReporter(style: .forStandardOutput()).explain(known, catalog: runbookOptions.catalog()))
        }
    }
}
