import Foundation

/// Everything `hubdoctor check` was asked to do, as plain values (the CLI turns flags into this).
public struct CheckOptions: Sendable {
    public var root: String = "."
    public var configPath: String?
    public var mode: ModeChoice = .auto
    public var hubURL: String?
    public var offline = false
    public var timeout: Double = 5
    public var runbookDirs: [String] = []
    public var callerPID: Int32?
    public var servicePID: Int32?
    public var wait: Double?
    /// How long one `sops decrypt` may run before it is stopped.
    public var sopsTimeout: Double = 30
    public var failOn: FailThreshold = .error
    public var only: [String] = []
    public var skip: [String] = []
    public var noNegative = false
    /// Connections (requests at once) per service origin; the rest wait their turn, and reuse them.
    public var maxConnections = HTTPClientRequest.defaultMaxConnections
    /// Protected paths to probe instead of each link's own (the benchmark's knob).
    public var probePaths: [String] = []
    /// hubdoctor's own environment (for `{environment: NAME}` sources and `HUBDOCTOR_RUNBOOKS`).
    public var environment: [String: String] = ProcessInfo.processInfo.environment
    /// Where progress lines go (stderr in the CLI); never part of the report.
    public var progress: (@Sendable (String) -> Void)?

    public init() {}

    /// Refuses what the CLI would refuse, for callers of the library too: a duration that is not
    /// a finite number in range (`inf` would wait forever), and an `--only`/`--skip` pattern
    /// that selects no check (a typo that would otherwise run nothing and pass a CI gate).
    public func validate() throws {
        if let p = DurationLimit.timeout().problem(timeout) { throw HubdoctorError(.usage, p) }
        if let wait, let p = DurationLimit.wait().problem(wait) { throw HubdoctorError(.usage, p) }
        if let p = CheckID.selectionProblem(only: only, skip: skip) { throw HubdoctorError(.usage, p) }
        if let p = Self.maxConnectionsProblem(maxConnections) { throw HubdoctorError(.usage, p) }
    }

    public static let maxConnectionsRange = 1...1024

    public static func maxConnectionsProblem(_ n: Int) -> String? {
        maxConnectionsRange.contains(n) ? nil : "--max-connections must be between \(maxConnectionsRange.lowerBound) and \(maxConnectionsRange.upperBound)"
    }
}
