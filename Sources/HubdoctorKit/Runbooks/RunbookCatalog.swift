/// The runbooks in force: the built-in ones, replaced by id by operators' runbooks from
/// `HUBDOCTOR_RUNBOOKS` and then `--runbooks` (the command line is the more deliberate choice).
public struct RunbookCatalog: Sendable {
    public static let environmentVariable = "HUBDOCTOR_RUNBOOKS"

    /// In force, built-ins first in file order, then operators' in load order.
    public private(set) var runbooks: [Runbook] = []
    /// Built-ins that an operator's runbook of the same id replaced. A cause the replacement does
    /// not handle still gets the built-in's steps rather than none.
    public private(set) var replaced: [Runbook] = []

    public init(runbooks: [Runbook] = []) {
        for r in runbooks { add(r) }
    }

    /// Adds a runbook; one with the same id as a runbook already in force replaces it.
    public mutating func add(_ runbook: Runbook) {
        if let i = runbooks.firstIndex(where: { $0.id == runbook.id }) {
            if runbooks[i].origin.isBuiltin { replaced.append(runbooks[i]) }
            runbooks[i] = runbook
        } else {
            runbooks.append(runbook)
        }
    }

    public func runbook(id: String) -> Runbook? {
        runbooks.first { $0.id == id }
    }

    /// The built-in runbooks alone. They are tested to parse, so problems here mean a broken build.
    public static func builtin() -> (RunbookCatalog, [RunbookProblem]) {
        var catalog = RunbookCatalog()
        var problems: [RunbookProblem] = []
        for file in BuiltinRunbooks.files {
            let (runbook, found) = RunbookParser.parse(text: file.text, file: "runbooks/\(file.name)", origin: .builtin(file.name))
            problems += found
            if let runbook { catalog.add(runbook) }
        }
        return (catalog, problems)
    }

    /// The directories to load, in order: `HUBDOCTOR_RUNBOOKS` (colon-separated), then `extraDirs`.
    public static func directories(extraDirs: [String], environment: [String: String]) -> [String] {
        let fromEnvironment = (environment[environmentVariable] ?? "").split(separator: ":").map(String.init).filter { !$0.isEmpty }
        return fromEnvironment + extraDirs
    }

    /// Built-ins plus operators' runbooks. A broken operator runbook is returned as a problem and
    /// left out; everything else still loads.
    public static func load(extraDirs: [String] = [], environment: [String: String] = [:]) -> (RunbookCatalog, [RunbookProblem]) {
        var (catalog, problems) = builtin()
        let (groups, found) = RunbookLoader.load(paths: directories(extraDirs: extraDirs, environment: environment))
        problems += found
        for group in groups {
            for runbook in group { catalog.add(runbook) }
        }
        return (catalog, problems)
    }

    /// The runbook and guide for a finding's cause. Among the runbooks that handle the cause and
    /// whose `when` holds, the best fit wins (one that names the finding's link or sides, then a
    /// general one), then an operator's over a built-in, then the cause's default runbook.
    public func guide(for finding: Finding, values: [String: String]) -> (Runbook, CauseGuide)? {
        guard let cause = finding.cause else { return nil }
        let preferred = finding.runbook ?? cause.defaultRunbook
        // A runbook the check itself chose (not the cause's default: the WebSocket probes choose
        // websocket-auth) fits the finding as well as one written for its link.
        let chosen = preferred != cause.defaultRunbook ? preferred : nil
        func rank(_ r: Runbook) -> (Int, Int, Int) {
            (r.fit(values) + (r.id == chosen && r.fit(values) == 1 ? 1 : 0), r.origin.isBuiltin ? 0 : 1, r.id == preferred ? 1 : 0)
        }
        let candidates = runbooks.filter { $0.guide(for: cause) != nil && $0.condition.holds(values) }
        if let best = candidates.max(by: { rank($0) < rank($1) }), let guide = best.guide(for: cause) {
            return (best, guide)
        }
        let fallback = replaced.first { $0.guide(for: cause) != nil && $0.condition.holds(values) }
        return fallback.flatMap { r in r.guide(for: cause).map { (r, $0) } }
    }

    /// Every runbook in force that handles a cause, the default one first (for `explain`).
    public func runbooks(handling cause: Cause) -> [Runbook] {
        let all = runbooks.filter { $0.guide(for: cause) != nil }
        return all.filter { $0.id == cause.defaultRunbook } + all.filter { $0.id != cause.defaultRunbook }
    }
}
