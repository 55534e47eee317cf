/// Something wrong in a runbook file, at a place in it: what `runbook lint` prints, in the form
/// compilers use so that editors and CI can jump to it.
public struct RunbookProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var column: Int?
    public var message: String

    public init(file: String, line: Int? = nil, column: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var location: String {
        guard let line else { return file }
        return "\(file):\(line):\(column ?? 1)"
    }

    public var description: String { "\(location): error: \(message)" }

    /// A broken operator runbook does not stop a diagnosis: it becomes a warning, and the
    /// built-in runbooks stay in force.
    public var finding: Finding {
        Finding(check: .runbookLoad, status: .warn, cause: .sourceUnreadable,
                title: "Every runbook loads",
                message: "\(description)\nThis runbook was not loaded; the built-in runbooks still apply.",
                evidence: [Evidence(source: location, detail: message, file: file, line: line)])
    }
}
