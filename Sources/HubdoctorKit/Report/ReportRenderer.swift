import Foundation

/// The one seam between a `Report` and the bytes a format prints. Each renderer only formats:
/// what decides the exit code and which findings fail (`Report.failOn`) is in the report.
public protocol ReportRenderer: Sendable {
    func render(_ report: Report) -> String
}

/// Every format a report can be printed in (`--format`).
public enum ReportFormat: String, CaseIterable, Sendable {
    case text, json, junit, github, sarif, prometheus
}

/// What a renderer may need besides the report: where relative paths start, how to style
/// text, and the clock (injected so that golden outputs do not change with the time of day).
public struct RenderContext: Sendable {
    /// The layout's folder (`--root`): evidence paths are relative to it.
    public var root: String
    /// The folder CI resolves annotation paths against (GitHub's workspace; the current directory).
    public var workspace: String
    public var style: TextStyle
    public var verbose: Bool
    public var now: @Sendable () -> Date

    public init(root: String = ".", workspace: String = FileManager.default.currentDirectoryPath,
                style: TextStyle = TextStyle(color: false), verbose: Bool = false, now: @escaping @Sendable () -> Date = { Date() }) {
        self.root = root
        self.workspace = workspace
        self.style = style
        self.verbose = verbose
        self.now = now
    }
}

extension ReportFormat {
    /// The renderer for this format.
    public func renderer(_ context: RenderContext) -> any ReportRenderer {
        switch self {
        case .text: return TextReporter(style: context.style, verbose: context.verbose)
        case .json: return JSONReportRenderer()
        case .junit: return JUnitReporter()
        case .github: return GitHubReporter(root: context.root, workspace: context.workspace)
        case .sarif: return SARIFReporter(root: context.root)
        case .prometheus: return PrometheusReporter(now: context.now)
        }
    }
}

/// `--format json` as a renderer: the contract's document.
public struct JSONReportRenderer: ReportRenderer {
    public init() {}
    public func render(_ report: Report) -> String { JSONReporter.render(report) }
}

extension Finding {
    /// The file (relative to `root` where it lies inside it) and line that the finding's first
    /// located evidence points at: where SARIF, GitHub and `--short` place it.
    func location(root: String) -> (file: String, line: Int?, insideRoot: Bool)? {
        guard let e = evidence.first(where: { $0.file != nil }), let file = e.file else { return nil }
        let rel = Finding.relative(file, to: root)
        return (rel.path, e.line, rel.inside)
    }

    static func relative(_ file: String, to root: String) -> (path: String, inside: Bool) {
        guard file.hasPrefix("/") else { return (file, true) }
        let base = URL(fileURLWithPath: root).standardizedFileURL.path
        let prefix = base.hasSuffix("/") ? base : base + "/"
        let absolute = URL(fileURLWithPath: file).standardizedFileURL.path
        return absolute.hasPrefix(prefix) ? (String(absolute.dropFirst(prefix.count)), true) : (absolute, false)
    }
}
