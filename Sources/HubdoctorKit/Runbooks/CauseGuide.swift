/// What a runbook says about one cause: why it happens, and the steps to confirm, fix, verify
/// and prevent it.
public struct CauseGuide: Sendable, Encodable {
    public var cause: Cause
    public var why: StepTemplate
    public var confirm: [RunbookStep]
    public var fix: [RunbookStep]
    public var verify: [RunbookStep]
    public var prevent: [RunbookStep]
    public var links: [Runbook.Link]

    /// The steps a finding's remediation carries: the fix, then how to verify it. Confirming is
    /// what the check itself did, and prevention is for `explain`.
    public func remediation(_ values: [String: String]) -> [RemediationStep] {
        fix.compactMap { $0.render(values, phase: .fix) } + verify.compactMap { $0.render(values, phase: .verify) }
    }

    enum CodingKeys: String, CodingKey { case cause, why, confirm, fix, verify, prevent, links }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(cause, forKey: .cause)
        try c.encode(why.source, forKey: .why)
        try c.encode(confirm, forKey: .confirm)
        try c.encode(fix, forKey: .fix)
        try c.encode(verify, forKey: .verify)
        try c.encode(prevent, forKey: .prevent)
        try c.encode(links, forKey: .links)
    }
}
