import Foundation

/// `hubdoctor runbook lint`: checks operators' runbooks the way the tool will read them, for
/// their own CI. Any problem fails the lint; a path that does not exist is a usage error.
public enum RunbookLinter {
    public struct Result: Sendable {
        public var runbooks: [Runbook]
        public var files: Int
        public var problems: [RunbookProblem]
    }

    public static func lint(paths: [String]) throws -> Result {
        var files = 0
        for path in paths {
            switch RunbookLoader.files(at: path) {
            case .failure(let problem):
                throw HubdoctorError(.usage, "\(problem.message): \(path)")
            case .success(let found):
                files += found.count
            }
        }
        let (groups, loadProblems) = RunbookLoader.load(paths: paths)
        var problems = loadProblems
        for (path, group) in zip(paths, groups) where group.isEmpty {
            let hasProblems = problems.contains { $0.file.hasPrefix(path) }
            if !hasProblems {
                problems.append(RunbookProblem(file: path, message: "holds no runbook (*.yaml or *.yml files)"))
            }
        }
        return Result(runbooks: groups.flatMap { $0 }, files: files, problems: problems)
    }
}
