import Foundation

/// The one error type: something hubdoctor could not do (exit code 2). A problem *found* in the
/// user's setup is a `Finding`, not an error.
public struct HubdoctorError: Error, LocalizedError, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case usage, config, io, parse, network, `internal`
    }

    public var kind: Kind
    public var message: String
    /// `file:line:col` (or `file:line`) when the error points into a file.
    public var location: String?

    public init(_ kind: Kind, _ message: String, location: String? = nil) {
        self.kind = kind
        self.message = message
        self.location = location
    }

    public var description: String {
        if let location { return "\(location): error: \(message)" }
        return "error: \(message)"
    }

    public var errorDescription: String? { description }

    public var exitCode: Int32 { ExitCodes.toolError }
}
