import ArgumentParser
import Foundation
import HubdoctorKit

extension Hubdoctor {
    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a new shared key and write it to both sides: a redacted dry run by default, --apply writes.",
            discussion: """
            The key is 32 random bytes from the system CSPRNG, URL-safe base64. It is never printed (except with \
            --reveal on a terminal). With --apply, the service's old key is kept in a 0600 file for \
            `hubdoctor verify-rotation`, and the command that uses it without echoing it is printed.
            """
        )

        @OptionGroup var target: LayoutOptions

        @Flag(name: .long, help: "Write the files. Without it, only show the redacted diff.")
        var apply = false

        @Flag(name: .long, help: "Print the new key after writing it; only when standard output is a terminal.")
        var reveal = false

        func validate() throws {
            if reveal, !apply { throw ValidationError("--reveal needs --apply: a dry run's key is thrown away") }
            // Checked before anything is written: a key on a pipe ends up in logs and scrollback.
            if reveal, isatty(STDOUT_FILENO) != 1 { throw ValidationError("--reveal prints the key only to a terminal; standard output is not one") }
        }

        func run() throws {
            var options = target.fixOptions
            options.apply = apply
            let report = try Rotator.run(options)
            Output.write(ChangeTextReporter(style: .forStandardOutput()).render(report))
            if reveal {
                // Straight to the terminal: Output.write would (rightly) redact it.
                for link in report.links {
                    guard let key = link.newKey else { continue }
                    FileHandle.standardOutput.write(Data("\nNew key of \(link.name) (shown because of --reveal): \(key.text)\n".utf8))
                }
            }
            throw ExitCode(report.exitCode)
        }
    }
}
