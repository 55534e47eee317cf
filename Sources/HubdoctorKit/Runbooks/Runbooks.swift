/// Turns findings into findings with filled-in remediation. Every command that reports findings
/// (`check`, `logs`, `capture`, `probe`) passes them through here.
public enum Runbooks {
    /// Each warn/fail finding gets its runbook's fix and verify steps, filled with its facts,
    /// after any steps its check wrote itself. Pass and skip findings are left alone.
    public static func remediate(_ findings: [Finding], catalog: RunbookCatalog) -> [Finding] {
        findings.map { remediate($0, catalog: catalog) }
    }

    public static func remediate(_ finding: Finding, catalog: RunbookCatalog) -> Finding {
        guard finding.status == .warn || finding.status == .fail, let cause = finding.cause else { return finding }
        var f = finding
        let values = RunbookVariables.values(for: finding)
        guard let (runbook, guide) = catalog.guide(for: finding, values: values) else { return f }
        f.runbook = runbook.id
        var filled = values
        filled["runbook"] = runbook.id
        var steps = guide.remediation(filled)
        if steps.isEmpty {
            // Every step needed a fact this finding lacks: point at the whole runbook instead.
            steps = [RemediationStep(text: "Read what \(cause.rawValue) means and how to fix it", run: "hubdoctor explain \(cause.rawValue)", phase: .fix)]
        }
        // A command the finding already gives is not repeated in other words.
        for step in steps where !f.remediation.contains(where: { $0.text == step.text && $0.run == step.run || step.run != nil && $0.run == step.run }) {
            f.remediation.append(step)
        }
        return f
    }
}
