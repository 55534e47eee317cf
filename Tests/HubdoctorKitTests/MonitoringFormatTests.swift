import Foundation
import Testing
@testable import HubdoctorKit

/// SARIF and Prometheus output read by the real consumers' own checkers: the OASIS schema (with
/// Python's `jsonschema`) and the Prometheus text parser (`prometheus_client`), both offline.
@Suite struct MonitoringFormatTests {
    static let brokenLayouts = ["drift", "caller-key-empty", "dialect", "placeholder", "quoted", "whitespace", "server-missing", "drift-env-local"]

    /// Runs a Python snippet; in CI a missing module fails the test instead of skipping it.
    static func python(_ script: String, stdin: String) async throws -> Binary.Result {
        let python = try #require(which("python3"), "python3 is needed (scripts/setup installs it)")
        return try await Binary.running(["-c", script], stdin: stdin, executable: URL(fileURLWithPath: python), timeout: 60)
    }

    @Test(arguments: brokenLayouts)
    func sarifValidatesAgainstTheOASISSchemaAndLocatesEachResult(layout: String) async throws {
        let r = try await Binary.running(["check", "--offline", "--mode", "native", "--format", "sarif", "--root", Repo.layout(layout)])
        #expect(r.status == 1, "\(r.stderr)")
        let validate = """
            import json, sys
            from jsonschema import Draft4Validator
            schema = json.load(open(sys.argv[1] if len(sys.argv) > 1 else '\(Repo.path("fixtures/sarif/sarif-schema-2.1.0.json"))'))
            log = json.load(sys.stdin)
            errors = sorted(Draft4Validator(schema).iter_errors(log), key=lambda e: list(e.path))
            for e in errors[:5]: print('/'.join(map(str, e.path)), e.message)
            sys.exit(1 if errors else 0)
            """
        let v = try await Self.python(validate, stdin: r.stdout)
        #expect(v.status == 0, "SARIF does not validate: \(v.all)")
        let log = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let run = try #require((log["runs"] as? [[String: Any]])?.first)
        let driver = ((run["tool"] as? [String: Any])?["driver"] as? [String: Any]) ?? [:]
        #expect(driver["name"] as? String == "hubdoctor")
        let rules = (driver["rules"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        #expect(rules == CheckID.allCases.map(\.rawValue))
        let results = run["results"] as? [[String: Any]] ?? []
        #expect(!results.isEmpty)
        // Each located result points at a real line of a file under the root that holds the variable it is about.
        var located = 0
        for result in results {
            #expect(["error", "warning"].contains(result["level"] as? String ?? ""))
            #expect(((result["properties"] as? [String: Any])?["cause"] as? String ?? "").isEmpty == false)
            for loc in result["locations"] as? [[String: Any]] ?? [] {
                let physical = loc["physicalLocation"] as? [String: Any] ?? [:]
                let uri = try #require((physical["artifactLocation"] as? [String: Any])?["uri"] as? String)
                #expect(!uri.hasPrefix("/"), "uri is relative to the root: \(uri)")
                let text = try String(contentsOfFile: Repo.layout(layout) + "/" + (uri.removingPercentEncoding ?? uri), encoding: .utf8)
                if let line = (physical["region"] as? [String: Any])?["startLine"] as? Int {
                    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
                    #expect(line >= 1 && line <= lines.count)
                    located += 1
                }
            }
        }
        #expect(located > 0, "no result is located on a line")
        expectNoSecrets(r.stdout, Repo.fixtureKeys)
    }

    @Test func sarifPutsKeyDriftOnTheCallersKeyLine() async throws {
        let r = try await Binary.running(["check", "--offline", "--mode", "native", "--format", "sarif", "--root", Repo.layout("drift")])
        let log = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let results = ((log["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]]) ?? []
        let drift = try #require(results.first { $0["ruleId"] as? String == "keys.match" })
        let physical = ((drift["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any]) ?? [:]
        let uri = (physical["artifactLocation"] as? [String: Any])?["uri"] as? String
        let line = (physical["region"] as? [String: Any])?["startLine"] as? Int
        let file = try String(contentsOfFile: Repo.layout("drift") + "/" + (uri ?? "?"), encoding: .utf8)
        let lines = file.split(separator: "\n", omittingEmptySubsequences: false)
        let target = try #require(line)
        #expect(lines[target - 1].hasPrefix("HIVECFM_HUB_API_KEY=") || lines[target - 1].hasPrefix("API_KEY="), "\(uri ?? "?"):\(target)")
    }

    @Test(arguments: ["drift", "healthy", "caller-key-empty", "dialect"])
    func prometheusOutputParsesWithTheRealParserAndCarriesNoKey(layout: String) async throws {
        let (jr, json) = try await Binary.jsonRunning(["check", "--offline", "--mode", "native", "--format", "json", "--root", Repo.layout(layout)])
        let r = try await Binary.running(["check", "--offline", "--mode", "native", "--format", "prometheus", "--root", Repo.layout(layout)])
        #expect(r.status == jr.status)
        let parse = """
            import sys, json
            from prometheus_client.parser import text_string_to_metric_families
            out = {}
            for fam in text_string_to_metric_families(sys.stdin.read()):
                out[fam.name] = [[s.name, s.labels, s.value] for s in fam.samples]
            print(json.dumps(out))
            """
        let p = try await Self.python(parse, stdin: r.stdout)
        #expect(p.status == 0, "the Prometheus parser refused the output: \(p.all)")
        let families = try #require(try JSONSerialization.jsonObject(with: Data(p.stdout.utf8)) as? [String: [[Any]]])
        let statuses = families["hubdoctor_check_status"] ?? []
        let findings = json["findings"] as? [[String: Any]] ?? []
        // One series per distinct (check, status, cause) of the report, each with value 1.
        let expected = Set(findings.map { "\($0["check"] as? String ?? "")|\($0["status"] as? String ?? "")|\($0["cause"] as? String ?? "")" })
        let seen = Set(statuses.map { s -> String in
            let labels = s[1] as? [String: String] ?? [:]
            #expect(s[2] as? Double == 1)
            return "\(labels["check"] ?? "")|\(labels["status"] ?? "")|\(labels["cause"] ?? "")"
        })
        #expect(seen == expected)
        #expect(statuses.count == seen.count, "a series appears twice")
        let counts = Dictionary(uniqueKeysWithValues: (families["hubdoctor_findings"] ?? []).map { (($0[1] as? [String: String])?["status"] ?? "", $0[2] as? Double ?? -1) })
        let summary = json["summary"] as? [String: Int] ?? [:]
        for status in ["pass", "warn", "fail", "skip"] { #expect(counts[status] == Double(summary[status] ?? -1)) }
        #expect((families["hubdoctor_last_run_timestamp_seconds"]?.first?[2] as? Double ?? 0) > 1_700_000_000)
        expectNoSecrets(r.stdout, Repo.fixtureKeys)
        #expect(!r.stdout.contains("sha256:"), "no fingerprint in a label")
    }

    @Test func prometheusEscapesLabelValues() {
        let f = Finding(check: .keysMatch, status: .fail, cause: .keyDrift, title: "t", message: "m", link: "a \"b\"\\c\nd")
        let out = PrometheusReporter(now: { Date(timeIntervalSince1970: 0) }).render(Report(command: "check", findings: [f]))
        #expect(out.contains(#"hubdoctor_check_status{link="a \"b\"\\c\nd",check="keys.match",status="fail",cause="key-drift"} 1"#))
    }

    @Test func shortPrintsOneLinePerLinkWithTheFirstCauseAndWhere() async throws {
        let r = try await Binary.running(["check", "--offline", "--mode", "native", "--short", "--root", Repo.layout("drift")])
        #expect(r.status == 1)
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 1, "\(r.stdout)")
        #expect(lines.first?.contains("FAIL") == true && lines.first?.contains("key-drift") == true && lines.first?.contains("hivecfm-") == true, "\(r.stdout)")
        let ok = try await Binary.running(["check", "--offline", "--mode", "native", "--short", "--root", Repo.layout("healthy")])
        #expect(ok.status == 0)
        #expect(ok.stdout.split(separator: "\n").count == 1 && ok.stdout.contains(" OK "), "\(ok.stdout)")
        let bad = try await Binary.running(["check", "--offline", "--short", "--format", "json", "--root", Repo.layout("healthy")])
        #expect(bad.status == 2)
    }
}
