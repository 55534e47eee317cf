extension Runbooks {
    /// For findings from evidence that carries few facts (a log line, a captured request without a
    /// layout): the runbook's steps when any of them can be filled with the finding's facts,
    /// otherwise the command's own general `fallback` steps, so that the fix never shrinks to
    /// "read the runbook".
    public static func remediate(_ finding: Finding, fallback: [RemediationStep], catalog: RunbookCatalog) -> Finding {
        var f = finding
        f.remediation = []
        var values = RunbookVariables.values(for: f)
        if let (runbook, guide) = catalog.guide(for: f, values: values) {
            values["runbook"] = runbook.id
            if guide.remediation(values).isEmpty { f.remediation = fallback }
        } else {
            f.remediation = fallback
        }
        return remediate(f, catalog: catalog)
    }
}
