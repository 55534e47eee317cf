import ArgumentParser
import Foundation
import HubdoctorKit

/// The root command. `main()` is written out so that every failure maps to the contract's exit
/// codes: usage errors are 2 (ArgumentParser's default would be 64).
@main
struct Hubdoctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hubdoctor",
        abstract: "Find out why one service gets 401 Unauthorized from another, and say how to fix it.",
        version: BuildInfo.versionLine,
        // In the order an incident flows: diagnose, change, look things up, practise. The folders
        // of Sources/hubdoctor follow the same groups.
        groupedSubcommands: [
            CommandGroup(name: "Diagnose", subcommands: [Check.self, Env.self, Probe.self, Capture.self, Logs.self]),
            CommandGroup(name: "Change", subcommands: [Fix.self, Rotate.self, VerifyRotation.self]),
            CommandGroup(name: "Reference", subcommands: [RunbookCommand.self, Explain.self, Checks.self]),
            CommandGroup(name: "Practice", subcommands: [Demo.self, Sandbox.self]),
        ]
    )

    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as HubdoctorError {
            Output.error(error.description)
            Foundation.exit(error.exitCode)
        } catch let code as ExitCode {
            Foundation.exit(code.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                Output.write(fullMessage(for: error) + "\n")
                Foundation.exit(0)
            }
            Output.error(fullMessage(for: error))
            Foundation.exit(ExitCodes.toolError)
        }
    }
}

/// All output goes through here: stdout for the report, stderr for progress and errors, both
/// scrubbed of every key read during the run.
enum Output {
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(SecretRegistry.shared.scrub(text).utf8))
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data((SecretRegistry.shared.scrub(text) + "\n").utf8))
    }
}

typealias OutputFormat = ReportFormat
extension ReportFormat: ExpressibleByArgument {}

extension FailThreshold: ExpressibleByArgument {}
extension ModeChoice: ExpressibleByArgument {}
extension Dialect: ExpressibleByArgument {}
