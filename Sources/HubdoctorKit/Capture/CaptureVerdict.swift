/// What one captured request's credentials say: pass, or the cause that makes the service refuse it.
public struct CaptureVerdict: Sendable, Equatable {
    public var status: Status
    public var cause: Cause?
    /// A few words for the live line on stderr ("no Authorization header").
    public var summary: String
    /// The full explanation for the report.
    public var message: String
    /// What the request carried: its length, fingerprint and shape, never the value.
    public var received: Evidence

    public init(status: Status, cause: Cause?, summary: String, message: String, received: Evidence) {
        self.status = status
        self.cause = cause
        self.summary = summary
        self.message = message
        self.received = received
    }

    /// The verdict's word for the live line: `pass`, or the cause id.
    public var word: String { cause?.rawValue ?? status.rawValue }
}
