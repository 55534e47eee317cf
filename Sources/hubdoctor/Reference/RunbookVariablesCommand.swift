import ArgumentParser
import HubdoctorKit

extension Hubdoctor.RunbookCommand {
    struct Variables: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the variables a runbook step may use.")

        func run() throws {
            Output.write(RunbookTextReporter(style: .forStandardOutput()).variables())
        }
    }
}
