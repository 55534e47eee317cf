import ArgumentParser

extension Hubdoctor {
    struct RunbookCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "runbook",
            abstract: "The runbooks the tool knows: list them, show one, lint your own.",
            subcommands: [List.self, Show.self, Lint.self, Variables.self]
        )
    }
}
