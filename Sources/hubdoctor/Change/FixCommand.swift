import ArgumentParser
import Foundation
import HubdoctorKit

extension Hubdoctor {
    struct Fix: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply the runbook's file fix for a drifted or missing key: a redacted dry-run diff by default, --apply writes.",
            discussion: """
            Writes the service's key (or, with --from caller, the caller's) into every file the other side reads in \
            the mode, changing only the value's bytes. Each file is replaced atomically, its old version kept next \
            to it (mode 0600), and all files change or none. Exit 0: nothing to fix, or fixed; 1: a dry run with \
            pending changes, or a problem that writing files cannot fix; 2: hubdoctor could not do it.
            """
        )

        @OptionGroup var target: LayoutOptions

        @Option(name: .long, help: "Whose key is right: service (default) or caller. The other side's files are rewritten.")
        var from: Role = .service

        @Flag(name: .long, help: "Write the files. Without it, only show the redacted diff.")
        var apply = false

        func run() throws {
            var options = target.fixOptions
            options.from = from
            options.apply = apply
            let report = try Fixer.run(options)
            Output.write(ChangeTextReporter(style: .forStandardOutput()).render(report))
            throw ExitCode(report.exitCode)
        }
    }
}

extension Role: ExpressibleByArgument {}
