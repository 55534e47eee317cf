import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import HubdoctorKit

/// The formats a pipeline consumes: JUnit, GitHub workflow commands, and suppressions.
@Suite struct CIFormatTests {
    /// Collects test cases and their failures with a real XML parser.
    final class JUnitCollector: NSObject, XMLParserDelegate {
        var cases: [(name: String, failure: String?, type: String?)] = []
        var inFailure = false
        var text = ""
        var suites = 0
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            if name == "testsuite" { suites += 1 }
            if name == "testcase" { cases.append((attributes["name"] ?? "", nil, nil)) }
            if name == "failure" { inFailure = true; text = ""; cases[cases.count - 1].type = attributes["type"] }
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) { if inFailure { text += string } }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == "failure" { inFailure = false; cases[cases.count - 1].failure = text }
        }
    }

    @Test func junitOnADriftedLayoutIsValidXMLWithTheFailureOnKeysMatch() async throws {
        let r = try await Binary.running(["check", "--offline", "--format", "junit", "--root", Repo.layout("drift")])
        #expect(r.status == 1)
        let parser = XMLParser(data: Data(r.stdout.utf8))
        let collector = JUnitCollector()
        parser.delegate = collector
        #expect(parser.parse(), "JUnit must be well-formed XML: \(parser.parserError.map { "\($0)" } ?? "")")
        #expect(collector.suites == 1)
        let failed = collector.cases.filter { $0.failure != nil }
        #expect(failed.map(\.name) == ["keys.match"])
        #expect(failed.first?.type == "key-drift")
        #expect(failed.first?.failure?.contains("hivecfm-core/.env:3") == true)
        expectNoSecrets(r.stdout, Repo.fixtureKeys)
    }

    @Test func junitEscapesMarkupAndDropsCharactersXMLCannotHold() {
        let f = Finding(check: CheckID.keysMatch, status: .fail, cause: .keyDrift, title: "a <b> & \"c\"", message: "x\u{0001}y </failure>")
        let xml = JUnitReporter().render(Report(command: "check", findings: [f]))
        let parser = XMLParser(data: Data(xml.utf8))
        #expect(parser.parse())
        #expect(xml.contains("&lt;/failure&gt;"))
        #expect(!xml.contains("\u{0001}"))
    }

    @Test func junitCountsWarningsAsFailuresOnlyWithFailOnWarning() {
        let f = Finding(check: CheckID.keysDialect, status: .warn, cause: .dialectDisagreement, title: "t", message: "m")
        #expect(JUnitReporter().render(Report(command: "check", findings: [f], failOn: .error)).contains("failures=\"0\""))
        #expect(JUnitReporter().render(Report(command: "check", findings: [f], failOn: .warning)).contains("<failure type=\"dialect-disagreement\""))
    }

    @Test func githubAnnotatesTheExactEnvLine() async throws {
        let r = try await Binary.running(["check", "--offline", "--format", "github", "--root", "fixtures/layouts/drift-env-local"],
                               currentDirectory: Repo.root.path)
        #expect(r.status == 1)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("::error file=fixtures/layouts/drift-env-local/hivecfm-core/.env.local,line=2,title=key-drift%3A ") })
        #expect(lines.contains { $0.hasPrefix("::warning ") })
        #expect(lines.last?.hasPrefix("hubdoctor check: ") == true)
    }

    @Test func githubEscapesNewlinesAndPercentSigns() {
        let f = Finding(check: .keysMatch, status: .fail, cause: .keyDrift, title: "a, b: c", message: "100%\nnext")
        let out = GitHubReporter(root: "/", workspace: "/").render(Report(command: "check", findings: [f]))
        #expect(out.hasPrefix("::error title=key-drift%3A a%2C b%3A c::100%25%0Anext\n"))
    }

    @Test func suppressionNeedsAReasonAndAnExpiryAndEndsAfterIt() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hubdoctor-sup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("good.yaml")
        try "version: 1\nsuppressions:\n  - check: keys.dialect\n    reason: legacy line until the v2 Hub\n    expires: 2026-12-31\n".write(to: good, atomically: true, encoding: .utf8)
        let list = try Suppression.load(path: good.path)
        let f = Finding(check: CheckID.keysDialect, status: .warn, cause: .dialectDisagreement, title: "t", message: "m")
        let day = ISO8601DateFormatter()
        let active = Suppression.apply(list, to: [f], now: day.date(from: "2026-12-31T23:00:00Z")!)
        #expect(active.first?.status == .skip)
        #expect(active.first?.message.hasPrefix("Suppressed until 2026-12-31 (was warn, dialect-disagreement): legacy line") == true)
        let expired = Suppression.apply(list, to: [f], now: day.date(from: "2027-01-01T00:00:01Z")!)
        #expect(expired.first?.status == .warn)
        #expect(expired.first?.message.contains("expired on 2026-12-31") == true)

        let noReason = dir.appendingPathComponent("bad.yaml")
        try "suppressions:\n  - check: keys.dialect\n    expires: 2026-12-31\n".write(to: noReason, atomically: true, encoding: .utf8)
        let error = #expect(throws: HubdoctorError.self) { try Suppression.load(path: noReason.path) }
        #expect(error?.location == "\(noReason.path):2:5")
        let noDate = dir.appendingPathComponent("nodate.yaml")
        try "suppressions:\n  - check: keys\n    reason: r\n    expires: soon\n".write(to: noDate, atomically: true, encoding: .utf8)
        #expect(throws: HubdoctorError.self) { try Suppression.load(path: noDate.path) }
    }
}

extension CIFormatTests {
    /// Suppressions through the binary: a config that only carries suppressions keeps the built-in
    /// profile under --root; an active one turns the finding into a skip, an expired one does not.
    @Test func suppressionsInTheConfigApplyUntilTheyExpire() async throws {
        let dir = TemporaryLayout()
        func config(_ expires: String) -> String {
            dir.write("hubdoctor.yaml", """
                version: 1
                suppressions:
                  - check: keys.match
                    reason: the .env.local drift is being fixed in PR 42
                    expires: \(expires)
                  - check: mode
                    reason: we only run natively
                    expires: \(expires)

                """)
        }
        let args = ["check", "--offline", "--root", Repo.layout("drift-env-local"), "--fail-on", "warning", "--format", "json"]
        let active = try await Binary.running(args + ["--config", config("2999-12-31")])
        #expect(active.status == 0, "\(active.all)")
        #expect(active.statusOf("keys.match") == "skip")
        #expect((active.finding("keys.match")?["message"] as? String)?.hasPrefix("Suppressed until 2999-12-31 (was fail, key-drift)") == true)
        let expired = try await Binary.running(args + ["--config", config("2020-01-01")])
        #expect(expired.status == 1)
        #expect(expired.statusOf("keys.match") == "fail")
        #expect((expired.finding("keys.match")?["message"] as? String)?.contains("expired on 2020-01-01") == true)
        let noReason = dir.write("bad.yaml", "version: 1\nsuppressions:\n  - check: keys.match\n    expires: 2999-12-31\n")
        let bad = try await Binary.running(["check", "--offline", "--root", Repo.layout("drift-env-local"), "--config", noReason])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("bad.yaml:3:5"), "\(bad.stderr)")
    }

    @Test func failOnWarningThroughTheBinary() async throws {
        let args = ["check", "--offline", "--root", Repo.layout("drift-env-local"), "--skip", "keys.match", "--format", "json"]
        let relaxed = try await Binary.running(args)
        #expect(relaxed.status == 0)
        #expect(relaxed.statusOf("mode.compare") == "warn")
        #expect(try await Binary.running(args + ["--fail-on", "warning"]).status == 1)
    }
}
