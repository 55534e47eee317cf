/// `--format text`: findings grouped by link and area, the failures explained in full with their
/// evidence and filled-in remediation, and a one-line summary with the exit code.
public struct TextReporter: ReportRenderer {
    public var style: TextStyle
    public var verbose: Bool

    public init(style: TextStyle, verbose: Bool = false) {
        self.style = style
        self.verbose = verbose
    }

    static let areaNames: [String: String] = [
        "source": "Sources", "keys": "Keys", "url": "Service URL", "mode": "Run mode", "probe": "Live probes",
        "process": "Running processes", "capture": "Captured requests", "logs": "Log lines", "rotation": "Rotation",
        "config": "Configuration", "runbook": "Runbooks", "fix": "Fix",
    ]
    static let areaOrder = ["config", "source", "keys", "url", "mode", "process", "probe", "rotation", "capture", "logs", "runbook", "fix"]

    public func render(_ report: Report) -> String {
        var out = ""
        let links = orderedLinks(report)
        for link in links {
            let ctx = report.links.first { $0.name == link }
            var heading = link.isEmpty ? "hubdoctor \(report.command)" : "\(report.command): \(link)"
            if let mode = ctx?.mode { heading += " — \(mode) mode" + (ctx?.modeReason.map { " (\($0))" } ?? "") }
            out += style.bold(heading) + "\n"
            if let url = ctx?.url { out += "  service URL: \(url)\n" }
            let findings = report.findings.filter { ($0.link ?? "") == link }
            let areas = Dictionary(grouping: findings, by: \.area)
            let order = Self.areaOrder.filter { areas[$0] != nil } + areas.keys.filter { !Self.areaOrder.contains($0) }.sorted()
            var shown: [Finding] = []
            for area in order {
                out += "\n" + style.bold(Self.areaNames[area] ?? area.capitalized) + "\n"
                for f in areas[area] ?? [] {
                    out += render(f, sameFixAs: shown.first { $0.remediation == f.remediation && !f.remediation.isEmpty }?.title)
                    shown.append(f)
                }
            }
            out += "\n"
        }
        let s = report.summary
        out += "\(s.pass) passed, \(s.fail) failed, \(s.warn) warnings, \(s.skip) skipped → exit \(report.exitCode)\n"
        return out
    }

    func orderedLinks(_ report: Report) -> [String] {
        var seen: [String] = []
        for name in report.links.map(\.name) + report.findings.map({ $0.link ?? "" }) where !seen.contains(name) {
            seen.append(name)
        }
        return seen.filter { name in report.findings.contains { ($0.link ?? "") == name } }
    }

    /// `sameFixAs`: the title of an earlier finding with exactly these steps; they are not
    /// printed twice (JSON still carries them on each finding).
    func render(_ f: Finding, sameFixAs earlier: String? = nil) -> String {
        var line = "  \(style.mark(f.status)) \(f.title)"
        if let cause = f.cause { line += "  [\(cause.rawValue)]" }
        if let count = f.count { line += "  ×\(count)" }
        var out = line + "\n"
        let detailed = f.status == .fail || f.status == .warn || verbose
        if f.status == .skip || (f.status == .pass && verbose) {
            out += indent(style.dim(f.message), 6)
        }
        guard detailed, f.status != .skip else { return out }
        if f.status != .pass { out += indent(f.message, 6) }
        if !f.evidence.isEmpty {
            for e in f.evidence { out += "      " + style.dim(evidenceLine(e)) + "\n" }
        }
        if let earlier, !f.remediation.isEmpty {
            out += "      " + style.bold("Fix" + (f.runbook.map { " (runbook \($0))" } ?? "") + ":") + " the same steps as for “\(earlier)” above\n"
        } else if !f.remediation.isEmpty {
            out += "      " + style.bold("Fix" + (f.runbook.map { " (runbook \($0))" } ?? "") + ":") + "\n"
            for (i, step) in f.remediation.enumerated() {
                if step.phase == .verify, i > 0, f.remediation[i - 1].phase != .verify {
                    out += "      " + style.bold("Then verify:") + "\n"
                }
                out += indent("\(i + 1). \(step.text)", 8)
                if let run = step.run { out += indent("$ " + run, 11) }
            }
        }
        return out
    }

    func evidenceLine(_ e: Evidence) -> String {
        var line = e.summaryLine
        if let curl = e.http?.curl { line += "\n        $ " + curl }
        if let command = e.websocket?.command { line += "\n        $ " + command }
        return line
    }

    func indent(_ text: String, _ n: Int) -> String {
        let pad = String(repeating: " ", count: n)
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { pad + $0 }.joined(separator: "\n") + "\n"
    }
}
