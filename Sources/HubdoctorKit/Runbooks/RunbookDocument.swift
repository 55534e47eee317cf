/// `runbook list|show --format json`: runbooks as their source says them, templates unfilled.
public struct RunbookDocument: Encodable, Sendable {
    public var schema = "hubdoctor/runbooks@1"
    public var runbooks: [Runbook]

    public init(runbooks: [Runbook]) {
        self.runbooks = runbooks
    }
}
