/// `when:` and `unless:` of a step or a runbook: each maps a variable to the values that match.
/// `when` needs every entry to match (a variable the finding lacks does not); `unless` drops the
/// step when every one of its entries matches.
public struct StepCondition: Sendable, Equatable, Encodable {
    public var when: [String: [String]]
    public var unless: [String: [String]]

    public init(when: [String: [String]] = [:], unless: [String: [String]] = [:]) {
        self.when = when
        self.unless = unless
    }

    public var isEmpty: Bool { when.isEmpty && unless.isEmpty }

    public func holds(_ values: [String: String]) -> Bool {
        func matches(_ entries: [String: [String]]) -> Bool {
            entries.allSatisfy { name, allowed in values[name].map(allowed.contains) ?? false }
        }
        if !when.isEmpty, !matches(when) { return false }
        if !unless.isEmpty, matches(unless) { return false }
        return true
    }

    /// `when mode is docker`, `unless side.kind is secret`: for reading a runbook without a finding.
    public var display: String {
        func words(_ entries: [String: [String]]) -> String {
            entries.sorted { $0.key < $1.key }.map { "\($0.key) is \($0.value.joined(separator: " or "))" }.joined(separator: " and ")
        }
        return [when.isEmpty ? nil : "when " + words(when), unless.isEmpty ? nil : "unless " + words(unless)]
            .compactMap { $0 }.joined(separator: ", ")
    }
}
