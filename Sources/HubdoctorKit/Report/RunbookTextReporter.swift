/// Runbooks for reading in a terminal: `runbook list`, `runbook show`, `explain` and `runbook
/// variables`. Variables stay visible as `<caller.file>`, and each conditional step says when
/// it applies, since there is no finding to fill them from.
public struct RunbookTextReporter {
    public var style: TextStyle
    public var width: Int

    public init(style: TextStyle, width: Int = 96) {
        self.style = style
        self.width = width
    }

    public func list(_ catalog: RunbookCatalog) -> String {
        var out = ""
        for r in catalog.runbooks {
            out += style.bold(r.id) + "  " + r.title + "\n"
            out += wrap("causes: " + r.causes.map(\.rawValue).joined(separator: ", "), indent: 4)
            var from = "from: \(r.origin)"
            if !r.origin.isBuiltin, catalog.replaced.contains(where: { $0.id == r.id }) { from += " (replaces the built-in one)" }
            if !r.condition.isEmpty { from += "; applies only \(r.condition.display)" }
            out += wrap(from, indent: 4)
        }
        let covered = Set(catalog.runbooks.flatMap(\.causes))
        let missing = Cause.allCases.filter { !covered.contains($0) }
        out += "\n\(catalog.runbooks.count) runbooks covering \(covered.count) of \(Cause.allCases.count) causes"
        out += missing.isEmpty ? "\n" : "; no runbook for: \(missing.map(\.rawValue).joined(separator: ", "))\n"
        return out
    }

    public func show(_ r: Runbook) -> String {
        var out = style.bold("\(r.id): \(r.title)") + "\n"
        out += "  from: \(r.origin)\n"
        if !r.appliesTo.isEmpty { out += "  applies to: \(r.appliesTo.joined(separator: ", "))\n" }
        if !r.condition.isEmpty { out += "  applies only \(r.condition.display)\n" }
        if let summary = r.summary { out += "\n" + wrap(summary, indent: 2) }
        if !r.symptoms.isEmpty {
            out += "\n" + style.bold("Symptoms") + "\n"
            for s in r.symptoms { out += symptom(s) }
        }
        for guide in r.guides {
            out += "\n" + style.bold("\(guide.cause.rawValue)") + "  " + style.dim(guide.cause.meaning) + "\n"
            out += sections(guide, indent: 2)
        }
        return out
    }

    /// `explain CAUSE`: the contract's meaning, then the guide of the runbook that handles it.
    public func explain(_ cause: Cause, catalog: RunbookCatalog) -> String {
        var out = style.bold(cause.rawValue) + "\n" + wrap(cause.meaning, indent: 2)
        let runbooks = catalog.runbooks(handling: cause)
        guard let main = runbooks.first, let guide = main.guide(for: cause) else {
            return out + "\n  No runbook in force handles this cause.\n"
        }
        out += "\n" + "Runbook \(style.bold(main.id)): \(main.title)" + "\n  from: \(main.origin)\n  show it: hubdoctor runbook show \(main.id)\n"
        let checks = CheckID.allCases.filter { $0.info.causes.contains(cause) }.map(\.rawValue)
        if !checks.isEmpty { out += "  reported by: \(checks.joined(separator: ", ")) (hubdoctor checks)\n" }
        if !main.condition.isEmpty { out += "  applies only \(main.condition.display)\n" }
        out += sections(guide, indent: 0, headings: ["Why it happens", "How to confirm", "How to fix", "How to verify", "How to prevent", "Links"])
        let symptoms = catalog.runbooks.flatMap(\.symptoms).filter { $0.causes.contains(cause) }
        if !symptoms.isEmpty {
            out += "\n" + style.bold("What it looks like") + "\n"
            for s in symptoms { out += symptom(s) }
        }
        for other in runbooks.dropFirst() {
            let when = other.condition.isEmpty ? "" : " (\(other.condition.display))"
            out += "\nAlso handled by \(style.bold(other.id))\(when): hubdoctor runbook show \(other.id)\n"
        }
        return out
    }

    public func variables() -> String {
        var out = "Variables a runbook step may use, as {{name}}; {{a|b|\"text\"}} falls back left to right.\n"
        out += "A step whose variables have no value for a finding is left out.\n\n"
        let width = RunbookVariables.vocabulary.map(\.name.count).max() ?? 0
        for v in RunbookVariables.vocabulary {
            let pad = String(repeating: " ", count: width - v.name.count)
            var line = "  \(v.name)\(pad)  \(v.meaning)"
            if let domain = RunbookVariables.domains[v.name] { line += " [\(domain.joined(separator: "|"))]" }
            out += line + "\n"
        }
        return out
    }

    func sections(_ g: CauseGuide, indent: Int,
                  headings: [String] = ["Why", "Confirm", "Fix", "Verify", "Prevent", "Links"]) -> String {
        let pad = String(repeating: " ", count: indent)
        var out = pad + style.bold(headings[0]) + "\n" + wrap(g.why.placeholderText, indent: indent + 2)
        for (heading, steps) in zip(headings[1...4], [g.confirm, g.fix, g.verify, g.prevent]) where !steps.isEmpty {
            out += pad + style.bold(heading) + "\n"
            for (i, step) in steps.enumerated() {
                var text = "\(i + 1). " + step.text.placeholderText
                if !step.condition.isEmpty { text += " " + style.dim("(\(step.condition.display))") }
                out += wrap(text, indent: indent + 2, hanging: 3)
                if let run = step.run { out += pad + "       $ " + run.placeholderText + "\n" }
            }
        }
        if !g.links.isEmpty {
            out += pad + style.bold(headings[5]) + "\n"
            for link in g.links { out += pad + "  - \(link.title): \(link.url)\n" }
        }
        return out
    }

    func symptom(_ s: Runbook.Symptom) -> String {
        var out = "  • " + s.display
        if !s.causes.isEmpty { out += "  → " + s.causes.map(\.rawValue).joined(separator: ", ") }
        out += "\n"
        if let means = s.means { out += wrap(style.dim(means), indent: 6) }
        return out
    }

    /// Folds prose to the width; `hanging` indents continuation lines under a list marker.
    func wrap(_ text: String, indent: Int, hanging: Int = 0) -> String {
        let pad = String(repeating: " ", count: indent)
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            for word in paragraph.split(separator: " ") {
                let prefix = lines.isEmpty && line.isEmpty ? pad : pad + String(repeating: " ", count: hanging)
                if line.isEmpty {
                    line = prefix + word
                } else if line.count + 1 + word.count > width {
                    lines.append(line)
                    line = pad + String(repeating: " ", count: hanging) + word
                } else {
                    line += " " + word
                }
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
