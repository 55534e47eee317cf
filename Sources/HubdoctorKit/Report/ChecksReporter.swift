import Foundation

/// `hubdoctor checks`: every check id, what it asserts, the causes it can report and the
/// runbooks that explain them. Scripts read the JSON; people read the text, grouped by area.
public struct ChecksDocument: Encodable, Sendable {
    public var schema = "hubdoctor/checks@1"
    public var checks: [Entry]

    public struct Entry: Encodable, Sendable {
        public var id: String
        public var area: String
        public var title: String
        public var commands: [String]
        public var causes: [String]
        public var runbooks: [String]
    }

    public init(_ ids: [CheckID] = CheckID.allCases) {
        checks = ids.map { id in
            let info = id.info
            return Entry(id: id.rawValue, area: id.area, title: info.title, commands: info.commands,
                         causes: info.causes.map(\.rawValue), runbooks: info.runbooks)
        }
    }
}

public struct ChecksTextReporter: Sendable {
    public var style: TextStyle

    public init(style: TextStyle) { self.style = style }

    public func render(_ document: ChecksDocument) -> String {
        var out = ""
        var area: String?
        let width = document.checks.map(\.id.count).max() ?? 0
        for entry in document.checks {
            if entry.area != area {
                if area != nil { out += "\n" }
                out += style.bold(entry.area) + "\n"
                area = entry.area
            }
            out += "  " + entry.id.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + entry.title + "\n"
            let detail = entry.causes.isEmpty ? "causes: none of its own (a summary)"
                : "causes: " + entry.causes.joined(separator: ", ") + "; runbooks: " + entry.runbooks.joined(separator: ", ")
            out += "  " + String(repeating: " ", count: width) + "  " + style.dim(detail + " (" + entry.commands.joined(separator: ", ") + ")") + "\n"
        }
        return out
    }
}
