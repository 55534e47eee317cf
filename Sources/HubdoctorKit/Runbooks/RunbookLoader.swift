import Foundation

/// Finds and reads runbook files on disk: each `*.yaml`/`*.yml` in a directory, or one file.
public enum RunbookLoader {
    /// The runbook files a path names, sorted so that the same directory loads the same way on
    /// every machine. A path that does not exist is a problem, not a crash.
    public static func files(at path: String) -> Result<[String], RunbookProblem> {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            return .failure(RunbookProblem(file: path, message: "no such runbook file or directory"))
        }
        guard isDir.boolValue else { return .success([path]) }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            return .failure(RunbookProblem(file: path, message: "cannot list the directory: \(error.localizedDescription)"))
        }
        let base = path.hasSuffix("/") ? String(path.dropLast()) : path
        let files = names.filter { ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) && !$0.hasPrefix(".") }.sorted().map { base + "/" + $0 }
        return .success(files)
    }

    /// One file: read defensively (size, binary, permissions), then parsed strictly.
    public static func load(file: String) -> (Runbook?, [RunbookProblem]) {
        switch SourceFile.read(file) {
        case .failure(let problem):
            return (nil, [RunbookProblem(file: file, message: problem.reason)])
        case .success(let bytes):
            return RunbookParser.parse(bytes: bytes, file: file, origin: .file(file))
        }
    }

    /// Every runbook under `paths`, in order, with the problems met on the way. Two files of one
    /// directory that claim the same id are a mistake (which one is meant?), so the second is a
    /// problem; across directories the later one deliberately wins.
    public static func load(paths: [String]) -> (runbooks: [[Runbook]], problems: [RunbookProblem]) {
        var groups: [[Runbook]] = []
        var problems: [RunbookProblem] = []
        for path in paths {
            var group: [Runbook] = []
            switch files(at: path) {
            case .failure(let problem):
                problems.append(problem)
            case .success(let files):
                for file in files {
                    let (runbook, found) = load(file: file)
                    problems += found
                    guard let runbook else { continue }
                    if let first = group.first(where: { $0.id == runbook.id }) {
                        problems.append(RunbookProblem(file: file, line: 1, column: 1,
                                                       message: "id `\(runbook.id)` is also defined in \(first.origin)"))
                        continue
                    }
                    group.append(runbook)
                }
            }
            groups.append(group)
        }
        return (groups, problems)
    }
}
