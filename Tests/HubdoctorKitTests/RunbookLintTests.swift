import Foundation
import Testing
@testable import HubdoctorKit

/// `runbook lint` reads runbooks exactly as `check` will, and points at each mistake by
/// file:line:col, for operators' own CI.
@Suite struct RunbookLintTests {
    static let broken = "fixtures/runbooks-broken"

    /// Each deliberately broken runbook, the place of its mistake and what is said about it.
    static let expected: [(String, String)] = [
        ("bad-condition.yaml:9:22", "`mode` is never `dokcer`"),
        ("duplicate-field.yaml:3:1", "`title` appears twice"),
        ("duplicate-id-b.yaml:1:1", "id `same-id` is also defined in"),
        ("invalid-yaml.yaml:8:1", "invalid YAML"),
        ("literal-key.yaml:8:39", "must name the key as a shell variable"),
        ("missing-fix.yaml:4:5", "has no `fix` steps"),
        ("not-a-runbook.yaml:1:1", "expected a runbook to be a mapping"),
        ("unclosed-slot.yaml:7:21", "`{{` is not closed"),
        ("unknown-cause.yaml:4:12", "unknown cause `key-drfit` (did you mean `key-drift`?)"),
        ("unknown-field.yaml:8:5", "unknown field `verfy` in a cause entry (did you mean `verify`?)"),
        ("unknown-variable.yaml:7:20", "unknown variable `caller.fiel` (did you mean `caller.file`?)"),
    ]

    @Test func theBuiltInRunbooksLintClean() throws {
        let result = try RunbookLinter.lint(paths: [Repo.path("runbooks")])
        #expect(result.problems.isEmpty, "\(result.problems)")
        #expect(result.runbooks.count == BuiltinRunbooks.files.count)
    }

    @Test func eachBrokenRunbookIsReportedAtItsLineAndColumn() throws {
        let result = try RunbookLinter.lint(paths: [Repo.path(Self.broken)])
        let lines = result.problems.map(\.description)
        for (location, message) in Self.expected {
            let hit = lines.first { $0.hasPrefix(Repo.path(Self.broken) + "/" + location + ": error: ") }
            #expect(hit?.contains(message) == true, "\(location) \(message) not in:\n\(lines.joined(separator: "\n"))")
        }
        #expect(result.problems.count == Self.expected.count, "\(lines.joined(separator: "\n"))")
        #expect(result.runbooks.map(\.id) == ["same-id"], "only the first of the two same-id runbooks is valid")
    }

    @Test func aCommandWithAKeyInItIsRefusedWithoutQuotingTheKey() throws {
        let result = try RunbookLinter.lint(paths: [Repo.path(Self.broken + "/literal-key.yaml")])
        let text = result.problems.map(\.description).joined()
        #expect(!text.contains("sk_live"))
        #expect(!text.contains("Bearer s"))
    }

    @Test func aPathThatDoesNotExistIsAUsageError() {
        #expect(throws: HubdoctorError.self) { try RunbookLinter.lint(paths: ["/nonexistent/runbooks"]) }
    }

    @Test func aDirectoryWithoutRunbooksIsAProblem() throws {
        let dir = TemporaryLayout()
        let result = try RunbookLinter.lint(paths: [dir.root])
        #expect(result.problems.first?.message.contains("holds no runbook") == true)
    }

    @Test func anAliasBombIsRefusedQuickly() throws {
        let dir = TemporaryLayout()
        var yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...12 { yaml += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        yaml += "id: bomb\ntitle: t\ncauses: *a12\n"
        dir.write("bomb.yaml", yaml)
        let start = Date()
        let (runbook, problems) = RunbookLoader.load(file: dir.root + "/bomb.yaml")
        #expect(runbook == nil)
        #expect(!problems.isEmpty)
        #expect(Date().timeIntervalSince(start) < Machine.allow(10))
    }

    @Test func anAliasUsedAsAMappingKeyIsRefusedAtItsLine() throws {
        // Yams hashes an aliased key by expanding it: this shape took minutes before the guard.
        let dir = TemporaryLayout()
        var yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...12 { yaml += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        yaml += "id: bomb\ntitle: t\ncauses:\n  *a12 : x\n"
        dir.write("bomb.yaml", yaml)
        let start = Date()
        let (runbook, problems) = RunbookLoader.load(file: dir.root + "/bomb.yaml")
        #expect(runbook == nil)
        #expect(problems.first?.message.contains("alias as a mapping key") == true, "\(problems)")
        #expect(problems.first?.line == 17)
        #expect(Date().timeIntervalSince(start) < Machine.allow(10))
    }

    @Test func binaryAndNonUTF8FilesAreProblemsNotCrashes() throws {
        let dir = TemporaryLayout()
        dir.write("nul.yaml", bytes: [0x69, 0x64, 0x3A, 0x00, 0x01])
        dir.write("latin1.yaml", bytes: Array("id: caf".utf8) + [0xE9] + Array("\n".utf8))
        let result = try RunbookLinter.lint(paths: [dir.root])
        #expect(result.problems.count == 2, "\(result.problems)")
        #expect(result.problems.contains { $0.file.hasSuffix("latin1.yaml") && $0.message.contains("UTF-8") })
    }

    @Test func aMinimalOperatorRunbookLoads() throws {
        let yaml = """
        id: my-team
        title: Our own procedure
        causes:
          - cause: key-drift
            why: Someone edited one side.
            fix:
              - Put the same key on both sides.
        """
        let (runbook, problems) = RunbookParser.parse(text: yaml, file: "my-team.yaml", origin: .file("my-team.yaml"))
        #expect(problems.isEmpty)
        #expect(runbook?.guide(for: .keyDrift)?.fix.count == 1)
        #expect(runbook?.appliesTo == [])
    }
}
