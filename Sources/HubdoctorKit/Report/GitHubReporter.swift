import Foundation

/// `--format github`: GitHub Actions workflow commands, so that each failure is annotated on the
/// exact env line (`::error file=…,line=…,title=…::message`).
public struct GitHubReporter: ReportRenderer {
    /// The folder file paths in evidence are relative to (`--root`).
    public var root: String
    /// The folder GitHub resolves annotation paths against (the workspace; the current directory).
    public var workspace: String

    public init(root: String, workspace: String = FileManager.default.currentDirectoryPath) {
        self.root = root
        self.workspace = workspace
    }

    public func render(_ report: Report) -> String {
        var out = ""
        for f in report.findings where f.status == .fail || f.status == .warn {
            let command = f.status == .fail ? "error" : "warning"
            let title = "\(f.cause?.rawValue ?? f.status.rawValue): \(f.title)"
            var message = f.message
            if let first = f.remediation.first {
                message += "\nFix: " + first.text + (first.run.map { " — $ \($0)" } ?? "")
            }
            let places = annotatedPlaces(f)
            if places.isEmpty {
                out += Self.annotation(command, title: title, message: message)
            }
            for (file, line) in places {
                out += Self.annotation(command, file: file, line: line, title: title, message: message)
            }
        }
        let s = report.summary
        out += "hubdoctor \(report.command): \(s.pass) passed, \(s.fail) failed, \(s.warn) warnings, \(s.skip) skipped → exit \(report.exitCode)\n"
        return out
    }

    /// The distinct file:line places a finding's evidence points at, relative to the workspace.
    func annotatedPlaces(_ f: Finding) -> [(String, Int?)] {
        var seen = Set<String>()
        var out: [(String, Int?)] = []
        for e in f.evidence {
            guard let file = e.file else { continue }
            let path = relativeToWorkspace(file)
            let key = "\(path):\(e.line ?? 0)"
            if seen.insert(key).inserted { out.append((path, e.line)) }
        }
        return Array(out.prefix(3))
    }

    func relativeToWorkspace(_ file: String) -> String {
        let absolute = file.hasPrefix("/") ? file : URL(fileURLWithPath: root).appendingPathComponent(file).standardizedFileURL.path
        let ws = URL(fileURLWithPath: workspace).standardizedFileURL.path
        let prefix = ws.hasSuffix("/") ? ws : ws + "/"
        return absolute.hasPrefix(prefix) ? String(absolute.dropFirst(prefix.count)) : absolute
    }

    /// One workflow command, `::error file=…,line=…,col=…,title=…::message`, escaped as GitHub
    /// requires (a `%`, a line break, or a `,`/`:` in a property would otherwise cut it).
    public static func annotation(_ command: String, file: String? = nil, line: Int? = nil, column: Int? = nil,
                                  title: String? = nil, message: String) -> String {
        var props: [String] = []
        if let file { props.append("file=\(property(file))") }
        if let line { props.append("line=\(line)") }
        if let column { props.append("col=\(column)") }
        if let title { props.append("title=\(property(title))") }
        return "::\(command)" + (props.isEmpty ? "" : " " + props.joined(separator: ",")) + "::\(data(message))\n"
    }

    /// Workflow-command escaping for the message part.
    static func data(_ s: String) -> String {
        s.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D").replacingOccurrences(of: "\n", with: "%0A")
    }

    /// Workflow-command escaping for a property value.
    static func property(_ s: String) -> String {
        data(s).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
    }
}
