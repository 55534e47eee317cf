/// `when:` and `unless:` of a step or a runbook: each maps a variable to the values that match,
/// `*` matching any value. `when` needs every entry to match (a variable the finding lacks does
/// not); `unless` drops the step when every one of its entries matches.
public struct StepCondition: Sendable, Equatable, Encodable {
    public var when: [String: [String]]
    public var unless: [String: [String]]

    public init(when: [String: [String]] = [:], unless: [String: [String]] = [:]) {
        self.when = when
        self.unless = unless
    }

    /// Matches any value: `unless: {side.restart: "*"}` holds when the finding has no restart.
    public static let anyValue = "*"

    public var isEmpty: Bool { when.isEmpty && unless.isEmpty }

    public func holds(_ values: [String: String]) -> Bool {
        func matches(_ entries: [String: [String]]) -> Bool {
            entries.allSatisfy { name, allowed in
                values[name].map { allowed.contains(Self.anyValue) || allowed.contains($0) } ?? false
            }
        }
        if !when.isEmpty, !matches(when) { return false }
        if !unless.isEmpty, matches(unless) { return false }
        return true
    }

    /// `when mode is docker`, `unless side.kind is secret`: for reading a runbook without a finding.
    public var display: String {
        func words(_ entries: [String: [String]]) -> String {
            entries.sorted { $0.key < $1.key }.map { name, values in
                values.contains(Self.anyValue) ? "\(name) is known" : "\(name) is \(values.joined(separator: " or "))"
            }.joined(separator: " and ")
        }
        return [when.isEmpty ? nil : "when " + words(when), unless.isEmpty ? nil : "unless " + words(unless)]
            .compactMap { $0 }.joined(separator: ", ")
    }
}
