import Foundation

/// Everything `hubdoctor fix` and `hubdoctor rotate` were asked to do, as plain values.
public struct FixOptions: Sendable {
    public var root = "."
    public var configPath: String?
    public var mode: ModeChoice = .auto
    /// `fix`: whose key is right. The other side's files are rewritten.
    public var from: Role = .service
    /// Without it, a redacted dry run that changes nothing.
    public var apply = false
    /// hubdoctor's own environment: `{environment: NAME}` sources and `HUBDOCTOR_FAULT`.
    public var environment: [String: String] = ProcessInfo.processInfo.environment
    /// Where the engineer runs hubdoctor: printed commands use paths relative to it.
    public var workingDirectory = FileManager.default.currentDirectoryPath

    public init() {}

    var checkOptions: CheckOptions {
        var o = CheckOptions()
        o.root = root
        o.configPath = configPath
        o.mode = mode
        o.offline = true
        o.environment = environment
        return o
    }
}
