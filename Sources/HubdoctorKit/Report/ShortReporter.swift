/// `check --short`: one line per link, for a chat channel or a pager: the link, the mode, the
/// verdict, and the first failing cause with the check and the file:line where it shows.
public struct ShortReporter: ReportRenderer {
    public var root: String

    public init(root: String) { self.root = root }

    public func render(_ report: Report) -> String {
        // A report about one link may leave `link` off its findings.
        let single = report.links.count == 1 ? report.links[0].name : nil
        func link(of f: Finding) -> String { f.link ?? single ?? "" }
        var order: [String] = report.links.map(\.name)
        for f in report.findings where !order.contains(link(of: f)) { order.append(link(of: f)) }
        if order.isEmpty { order = [""] }
        let rows: [[String]] = order.map { linkName in
            let findings = report.findings.filter { link(of: $0) == linkName }
            let mode = report.links.first { $0.name == linkName }?.mode ?? "-"
            let name = linkName.isEmpty ? report.command : linkName
            let worst = findings.first { $0.status == .fail } ?? findings.first { $0.status == .warn }
            guard let worst else {
                let passed = findings.filter { $0.status == .pass }.count, skipped = findings.filter { $0.status == .skip }.count
                return [name, mode, "OK", "\(passed) passed" + (skipped > 0 ? ", \(skipped) skipped" : "")]
            }
            let fails = findings.filter { $0.status == .fail }.count, warns = findings.filter { $0.status == .warn }.count
            var what = (worst.cause?.rawValue ?? worst.status.rawValue) + " (\(worst.check))"
            if let place = worst.location(root: root) { what += " at " + place.file + (place.line.map { ":\($0)" } ?? "") }
            let more = (fails + warns) > 1 ? " +\(fails + warns - 1) more" : ""
            return [name, mode, worst.status == .fail ? "FAIL" : "WARN", what + more]
        }
        let widths = (0..<3).map { i in rows.map { $0[i].count }.max() ?? 0 }
        return rows.map { row in
            (0..<3).map { row[$0] + String(repeating: " ", count: widths[$0] - row[$0].count) }.joined(separator: "  ") + "  " + row[3]
        }.joined(separator: "\n") + "\n"
    }
}
