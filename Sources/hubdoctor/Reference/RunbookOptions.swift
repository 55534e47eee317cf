import ArgumentParser
import Foundation
import HubdoctorKit

/// `--runbooks DIR`, shared by the commands that read the runbooks in force.
struct RunbookOptions: ParsableArguments {
    @Option(name: .long, help: "Extra runbooks, a directory or a file (repeatable); an id that exists overrides the built-in one. Also read: HUBDOCTOR_RUNBOOKS (colon-separated).")
    var runbooks: [String] = []

    /// The catalog in force. A broken operator runbook is reported on stderr and left out; the
    /// rest still loads.
    func catalog() -> RunbookCatalog {
        let (catalog, problems) = RunbookCatalog.load(extraDirs: runbooks, environment: ProcessInfo.processInfo.environment)
        for p in problems { Output.error("\(p) (runbook not loaded)") }
        return catalog
    }
}
