/// Text for `fix` and `rotate`: per link, what is wrong, what changes where (a redacted diff),
/// and what to do next (restart both sides in one window, verify).
public struct ChangeTextReporter {
    public var style: TextStyle

    public init(style: TextStyle) { self.style = style }

    public func render(_ report: ChangeReport) -> String {
        var out = ""
        if !report.interrupted.isEmpty {
            out += style.bold("An earlier run did not finish") + "\n"
            for line in report.interrupted { out += "  " + line + "\n" }
            out += "\n"
        }
        for link in report.links { out += render(link, report) + "\n" }
        out += footer(report)
        return out
    }

    func render(_ link: ChangeReport.LinkChange, _ report: ChangeReport) -> String {
        var heading = "\(report.command): \(link.name)"
        if let mode = link.mode { heading += " — \(mode.rawValue) mode" + (link.modeReason.map { " (\($0))" } ?? "") }
        var out = style.bold(heading) + "\n"
        if !link.problems.isEmpty {
            out += "\n" + style.bold("What is wrong") + "\n"
            for p in link.problems {
                out += "  \(style.mark(.fail)) " + (p.cause.map { "[\($0.rawValue)] " } ?? "") + indentTail(p.message, 4) + "\n"
            }
        }
        switch link.verdict {
        case .nothingToDo:
            out += "  \(style.mark(.pass)) Nothing to fix: both sides deliver the same well-formed key, and no file the other side reads holds another copy.\n"
            return out
        case .blocked:
            out += "\n" + style.bold("hubdoctor cannot fix this by writing files") + "\n"
            for b in link.blockers { out += "  \(style.mark(.fail)) " + indentTail(b, 4) + "\n" }
            return out
        case .planned, .applied:
            break
        }
        if let summary = link.summary {
            let heading = link.files.isEmpty ? "To do" : (report.applied ? "Changed" : "Change")
            out += "\n" + style.bold(heading) + "\n  " + summary + "\n"
        }
        for f in link.files {
            var line = "  \(f.display)"
            if let t = f.symlinkTarget { line += " (a symbolic link: \(t) is written)" }
            line += ": " + f.reasons.joined(separator: "; ")
            if f.created { line += " (new file, mode 0600)" }
            if f.lineEnding == "CRLF" { line += " (CRLF line endings kept)" }
            out += line + "\n"
            if let backup = f.backup { out += "    backup of the old version: \(backup) (mode 0600: it holds keys)\n" }
            for n in f.notes { out += "    note: \(n)\n" }
        }
        for f in link.files where !f.diff.isEmpty { out += "\n" + colored(f.diff) }
        if !link.manual.isEmpty {
            out += "\n" + style.bold("By hand (hubdoctor does not edit these sources)") + "\n"
            out += steps(link.manual)
        }
        if !link.verified.isEmpty {
            out += "\n" + style.bold("Verified by reading the files back") + "\n"
            for v in link.verified { out += "  \(style.mark(.pass)) " + indentTail(v, 4) + "\n" }
        }
        var next: [RemediationStep] = []
        if let restart = link.restart {
            let text = report.applied ? "Restart both services in the same window, so that neither runs with the other's old key"
                                      : "After --apply, restart both services in the same window"
            next.append(RemediationStep(text: text, run: restart))
        }
        next += link.next
        if !next.isEmpty {
            out += "\n" + style.bold("Next") + "\n" + steps(next)
        }
        return out
    }

    func footer(_ report: ChangeReport) -> String {
        let planned = report.links.contains { $0.verdict == .planned }
        let byHand = report.links.contains { !$0.manual.isEmpty }
        if report.applied {
            guard report.links.contains(where: { !$0.files.isEmpty }) else {
                return "No file of the layout was changed; finish the steps marked \"By hand\". → exit \(report.exitCode)\n"
            }
            let rest = byHand ? " Finish the steps marked \"By hand\"." : ""
            return "Written and verified; every file's old version is kept next to it.\(rest) → exit \(report.exitCode)\n"
        }
        if planned {
            return "Dry run: nothing was written. Run again with --apply to write these files (each file's old version is kept as a backup). → exit \(report.exitCode)\n"
        }
        return "Nothing was written. → exit \(report.exitCode)\n"
    }

    func steps(_ steps: [RemediationStep]) -> String {
        var out = ""
        for (i, s) in steps.enumerated() {
            out += "  \(i + 1). " + indentTail(s.text, 5) + "\n"
            if let run = s.run { out += "     $ \(run)\n" }
        }
        return out
    }

    func colored(_ diff: String) -> String {
        diff.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            if line.hasPrefix("+++") || line.hasPrefix("---") { return style.bold(String(line)) }
            if line.hasPrefix("@@") { return style.dim(String(line)) }
            if line.hasPrefix("+") { return style.added(String(line)) }
            if line.hasPrefix("-") { return style.removed(String(line)) }
            return String(line)
        }.joined(separator: "\n")
    }

    func indentTail(_ text: String, _ n: Int) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            .map { $0.offset == 0 ? String($0.element) : String(repeating: " ", count: n) + $0.element }.joined(separator: "\n")
    }
}
