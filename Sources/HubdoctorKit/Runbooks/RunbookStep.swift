import Foundation

/// One step of a runbook: text and, optionally, a command, each a template over the finding's
/// facts, and the conditions under which it applies.
public struct RunbookStep: Sendable, Encodable {
    public var text: StepTemplate
    public var run: StepTemplate?
    public var condition: StepCondition

    public init(text: StepTemplate, run: StepTemplate? = nil, condition: StepCondition = StepCondition()) {
        self.text = text
        self.run = run
        self.condition = condition
    }

    /// The step filled in for one finding, or nil when it does not apply or lacks a value. A
    /// command that renders empty (`{{restart|""}}` without a restart) leaves the text alone.
    public func render(_ values: [String: String], phase: RemediationStep.Phase? = nil) -> RemediationStep? {
        guard condition.holds(values), let text = text.render(values) else { return nil }
        guard let run else { return RemediationStep(text: text, phase: phase) }
        guard let command = run.render(values, context: .shell, raw: RunbookVariables.rawNames) else { return nil }
        let trimmed = command.trimmingCharacters(in: .whitespacesAndNewlines)
        return RemediationStep(text: text, run: trimmed.isEmpty ? nil : command, phase: phase)
    }

    enum CodingKeys: String, CodingKey { case text, run, when, unless }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(text.source, forKey: .text)
        try c.encodeIfPresent(run?.source, forKey: .run)
        if !condition.when.isEmpty { try c.encode(condition.when, forKey: .when) }
        if !condition.unless.isEmpty { try c.encode(condition.unless, forKey: .unless) }
    }
}
