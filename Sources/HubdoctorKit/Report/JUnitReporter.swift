import Foundation

/// `--format junit`: one test case per check (per link), the cause and the remediation in the
/// failure text. Warnings pass unless `--fail-on warning`, and are shown in `system-out`.
public struct JUnitReporter: ReportRenderer {
    public init() {}

    public func render(_ report: Report) -> String {
        let failOn = report.failOn
        let groups = groupedByLink(report)
        var totals = (tests: 0, failures: 0, skipped: 0)
        var suites = ""
        for (link, findings) in groups {
            var cases = ""
            var failures = 0, skipped = 0
            var seen: [CheckID: Int] = [:]
            for f in findings {
                let n = (seen[f.check] ?? 0) + 1
                seen[f.check] = n
                let name = n == 1 ? f.check.rawValue : "\(f.check) #\(n)"
                let open = "    <testcase classname=\"\(attr("hubdoctor.\(link.isEmpty ? report.command : link).\(f.area)"))\" name=\"\(attr(name))\" time=\"0\""
                if f.status == .pass {
                    cases += open + "/>\n"
                    continue
                }
                cases += open + ">\n"
                if failOn.trips(f.status) {
                    failures += 1
                    let type = f.cause?.rawValue ?? f.status.rawValue
                    cases += "      <failure type=\"\(attr(type))\" message=\"\(attr("[\(type)] \(f.title)"))\">\(text(body(f)))</failure>\n"
                } else if f.status == .skip {
                    skipped += 1
                    cases += "      <skipped message=\"\(attr(f.message))\"/>\n"
                } else if f.status == .warn {
                    cases += "      <system-out>\(text("warning [\(f.cause?.rawValue ?? "warn")]\n" + body(f)))</system-out>\n"
                }
                cases += "    </testcase>\n"
            }
            totals.tests += findings.count
            totals.failures += failures
            totals.skipped += skipped
            let suiteName = "hubdoctor \(report.command)" + (link.isEmpty ? "" : ": \(link)")
            suites += "  <testsuite name=\"\(attr(suiteName))\" tests=\"\(findings.count)\" failures=\"\(failures)\" errors=\"0\" skipped=\"\(skipped)\" time=\"0\">\n"
            suites += cases + "  </testsuite>\n"
        }
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"hubdoctor\" tests=\"\(totals.tests)\" failures=\"\(totals.failures)\" errors=\"0\" skipped=\"\(totals.skipped)\" time=\"0\">\n"
        out += suites + "</testsuites>\n"
        return out
    }

    func groupedByLink(_ report: Report) -> [(String, [Finding])] {
        var order: [String] = []
        var groups: [String: [Finding]] = [:]
        for f in report.findings {
            let l = f.link ?? ""
            if groups[l] == nil { order.append(l) }
            groups[l, default: []].append(f)
        }
        return order.map { ($0, groups[$0] ?? []) }
    }

    func body(_ f: Finding) -> String {
        var lines = [f.message]
        for e in f.evidence { lines.append("  " + e.summaryLine) }
        if !f.remediation.isEmpty {
            lines.append("Fix" + (f.runbook.map { " (runbook \($0))" } ?? "") + ":")
            for (i, s) in f.remediation.enumerated() {
                lines.append("  \(i + 1). \(s.text)")
                if let run = s.run { lines.append("     $ \(run)") }
            }
        }
        return lines.joined(separator: "\n")
    }

    /// XML 1.0 cannot carry most control characters at all, even escaped.
    static func xmlSafe(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.filter { c in
            c.value == 0x09 || c.value == 0x0A || c.value == 0x0D || (c.value >= 0x20 && c.value != 0xFFFE && c.value != 0xFFFF)
        }))
    }

    func text(_ s: String) -> String {
        Self.xmlSafe(s).replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    func attr(_ s: String) -> String {
        text(s).replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "\n", with: "&#10;")
            .replacingOccurrences(of: "\r", with: "&#13;").replacingOccurrences(of: "\t", with: "&#9;")
    }
}
