import Foundation

/// Everything `hubdoctor capture` was asked to do, as plain values (the CLI turns flags into this).
public struct CaptureOptions: Sendable {
    public var host = "127.0.0.1"
    public var port = 8090
    /// Stop after this many requests were classified.
    public var count: Int?
    /// Stop after this many seconds.
    public var timeout: Double?
    /// The expected key comes from this variable of hubdoctor's environment...
    public var expectKeyEnv: String?
    /// ...or else from the service side of the first link of `--config`, or of the built-in profile under `root`.
    public var root = "."
    public var configPath: String?
    /// How the built-in profile reads the service's key file (godotenv natively, compose in Docker).
    public var mode: ModeChoice = .auto
    public var environment: [String: String] = ProcessInfo.processInfo.environment
    public var limits = ListenerLimits(maxHeaderBytes: 16 * 1024, maxBodyBytes: 1024 * 1024, idleTimeout: 10, maxConnections: 1024)
    /// Requests listed one by one in the report; later ones are counted by verdict, so that a
    /// flood cannot grow the report without bound.
    public var maxListed = 10_000
    /// `--runbooks`: operators' runbooks, besides the built-in ones and `HUBDOCTOR_RUNBOOKS`.
    public var runbookDirs: [String] = []

    public init() {}
}
