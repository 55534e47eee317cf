import Foundation

/// `--format prometheus`: the text exposition format, for node_exporter's textfile collector (a
/// cron job writes it) or a Pushgateway. Labels carry only names, check ids, statuses and causes:
/// never a key, a fingerprint or a length.
public struct PrometheusReporter: ReportRenderer {
    public var now: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> Date = { Date() }) { self.now = now }

    public func render(_ report: Report) -> String {
        var out = ""
        out += "# HELP hubdoctor_check_status A check's outcome for a link: 1 for each (link, check, status, cause) the run found.\n"
        out += "# TYPE hubdoctor_check_status gauge\n"
        // A check can report several findings with the same labels (one per probed path); a
        // series may appear once only, so those share one line.
        var seen = Set<String>()
        let defaultLink = report.links.count == 1 ? report.links[0].name : ""
        for f in report.findings {
            let labels = Self.labels([("link", f.link ?? defaultLink), ("check", f.check.rawValue),
                                      ("status", f.status.rawValue), ("cause", f.cause?.rawValue ?? "")])
            if seen.insert(labels).inserted { out += "hubdoctor_check_status\(labels) 1\n" }
        }
        out += "# HELP hubdoctor_findings Findings of the last run, by status.\n"
        out += "# TYPE hubdoctor_findings gauge\n"
        let s = report.summary
        for (status, n) in [("pass", s.pass), ("warn", s.warn), ("fail", s.fail), ("skip", s.skip)] {
            out += "hubdoctor_findings\(Self.labels([("status", status)])) \(n)\n"
        }
        out += "# HELP hubdoctor_exit_code The exit code of the last run (0 healthy, 1 findings at or above --fail-on).\n"
        out += "# TYPE hubdoctor_exit_code gauge\n"
        out += "hubdoctor_exit_code \(report.exitCode)\n"
        out += "# HELP hubdoctor_last_run_timestamp_seconds When the last run finished, in Unix seconds.\n"
        out += "# TYPE hubdoctor_last_run_timestamp_seconds gauge\n"
        out += "hubdoctor_last_run_timestamp_seconds \(Self.number(now().timeIntervalSince1970))\n"
        return out
    }

    static func labels(_ pairs: [(String, String)]) -> String {
        "{" + pairs.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",") + "}"
    }

    /// Label values escape backslash, double quote and line feed (the exposition format's rule).
    static func escape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static func number(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(format: "%.3f", x)
    }
}
