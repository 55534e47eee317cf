/// One runbook: what a failure looks like, and for each cause it handles, why it happens and
/// how to confirm, fix, verify and prevent it. Read from `runbooks/*.yaml` (built in) or from an
/// operator's directory; the schema is documented in `runbooks/README.md`.
public struct Runbook: Sendable, Encodable {
    public var id: String
    public var title: String
    public var summary: String?
    /// Links (`core-to-hub`) or sides (`core`, `gitea-mcp`) it was written for; `*` for any. A
    /// runbook that names a finding's link or sides is preferred over a general one.
    public var appliesTo: [String]
    /// Facts a finding must have for this runbook to apply at all (`{side.kind: secret}`).
    public var condition: StepCondition
    public var symptoms: [Symptom]
    public var guides: [CauseGuide]
    public var origin: Origin

    public struct Link: Sendable, Encodable, Equatable {
        public var title: String
        public var url: String
    }

    /// How a failure shows itself: a log line, an HTTP answer or a WebSocket close.
    public struct Symptom: Sendable, Encodable, Equatable {
        public enum Kind: String, Sendable, Encodable, CaseIterable {
            case log, http, websocket
        }

        public var kind: Kind
        /// The log line, or the status or close code.
        public var value: String
        public var body: String?
        public var header: String?
        /// A WebSocket close reason.
        public var reason: String?
        public var means: String?
        public var causes: [Cause]

        /// One line, as an engineer would see it.
        public var display: String {
            switch kind {
            case .log: return value
            case .http:
                return ["HTTP \(value)", header, body].compactMap { $0 }.joined(separator: "  ")
            case .websocket:
                return "WebSocket close \(value)" + (reason.map { " \($0)" } ?? "")
            }
        }
    }

    public enum Origin: Sendable, Equatable, Encodable, CustomStringConvertible {
        /// Built into the binary from `runbooks/NAME`.
        case builtin(String)
        /// An operator's file.
        case file(String)

        public var isBuiltin: Bool {
            if case .builtin = self { return true }
            return false
        }

        public var description: String {
            switch self {
            case .builtin(let name): return "built-in (runbooks/\(name))"
            case .file(let path): return path
            }
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.singleValueContainer()
            try c.encode(description)
        }
    }

    public func guide(for cause: Cause) -> CauseGuide? {
        guides.first { $0.cause == cause }
    }

    public var causes: [Cause] { guides.map(\.cause) }

    /// How well this runbook fits a finding: 2 when it names the finding's link or one of its
    /// sides, 1 when it is written for any, 0 when it names others (still usable: its steps are
    /// filled from the finding's own facts).
    func fit(_ values: [String: String]) -> Int {
        let wanted = Set(appliesTo.map { $0.lowercased() })
        if wanted.isEmpty || wanted.contains("*") { return 1 }
        let names = ["link", "caller.name", "service.name", "caller.compose_service", "service.compose_service"]
            .compactMap { values[$0]?.lowercased() }
        return names.contains(where: wanted.contains) ? 2 : 0
    }

    enum CodingKeys: String, CodingKey {
        case id, title, summary, appliesTo = "applies_to", condition = "when", symptoms, guides = "causes", origin
    }
}
