import Foundation

/// Colour and marks for text output: colour only on a terminal, and never with `NO_COLOR`.
public struct TextStyle: Sendable {
    public var color: Bool

    public init(color: Bool) { self.color = color }

    public static func forStandardOutput(environment: [String: String] = ProcessInfo.processInfo.environment) -> TextStyle {
        let noColor = environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        return TextStyle(color: !noColor && isatty(STDOUT_FILENO) == 1 && environment["TERM"] != "dumb")
    }

    func paint(_ s: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
    public func bold(_ s: String) -> String { paint(s, "1") }
    public func dim(_ s: String) -> String { paint(s, "2") }

    public func mark(_ status: Status) -> String {
        switch status {
        case .pass: return paint("✓", "32")
        case .warn: return paint("!", "33")
        case .fail: return paint("✗", "31")
        case .skip: return paint("-", "2")
        }
    }

    public func word(_ status: Status) -> String {
        switch status {
        case .pass: return paint("pass", "32")
        case .warn: return paint("warn", "33")
        case .fail: return paint("FAIL", "31;1")
        case .skip: return paint("skip", "2")
        }
    }
}
