import Foundation

/// `--format sarif`: one SARIF 2.1.0 log for GitHub code scanning and other SARIF readers. One
/// rule per check id (stable `ruleIndex`), one result per failing or warning finding, located at
/// its evidence's file and line relative to `--root`.
public struct SARIFReporter: ReportRenderer {
    public static let schemaURI = "https://json.schemastore.org/sarif-2.1.0.json"
    public var root: String

    public init(root: String) { self.root = root }

    public func render(_ report: Report) -> String {
        let rules = CheckID.allCases
        let results = report.findings.filter { $0.status == .fail || $0.status == .warn }.map { f -> Result in
            var properties = ResultProperties(cause: f.cause?.rawValue ?? "", status: f.status.rawValue, link: f.link)
            properties.runbook = f.runbook
            var locations: [Location] = []
            if let place = f.location(root: root) {
                let uri = place.insideRoot ? Self.uriPath(place.file) : "file://" + Self.uriPath(place.file)
                locations.append(Location(physicalLocation: PhysicalLocation(
                    artifactLocation: ArtifactLocation(uri: uri),
                    region: place.line.flatMap { $0 >= 1 ? Region(startLine: $0) : nil })))
            }
            return Result(ruleId: f.check.rawValue, ruleIndex: rules.firstIndex(of: f.check) ?? 0,
                          level: f.status == .fail ? "error" : "warning",
                          message: Message(text: Self.text(f)), locations: locations, properties: properties)
        }
        let driver = Driver(name: "hubdoctor", version: report.tool.version,
                            informationUri: "https://github.com/hivecfm/hubdoctor",
                            rules: rules.map { id in
                                let info = id.info
                                let causes = info.causes.map(\.rawValue)
                                let help = causes.isEmpty ? "A summary check; `hubdoctor checks` lists every check."
                                    : "Causes: \(causes.joined(separator: ", ")). Explained by `hubdoctor runbook show \(info.runbooks.first ?? "hub-401")`"
                                    + (info.runbooks.count > 1 ? " (and \(info.runbooks.dropFirst().joined(separator: ", ")))" : "") + "."
                                return Rule(id: id.rawValue, shortDescription: Message(text: info.title), help: Message(text: help),
                                            properties: RuleProperties(area: id.area, causes: causes))
                            })
        let log = Log(schema: Self.schemaURI, version: "2.1.0",
                      runs: [Run(tool: Tool(driver: driver), results: results,
                                 invocations: [Invocation(executionSuccessful: true, exitCode: Int(report.exitCode))])])
        return JSONReporter.render(log)
    }

    /// The message a reader sees on the line: what is wrong, and the first step of the fix.
    static func text(_ f: Finding) -> String {
        var text = "\(f.title): \(f.message)"
        if let first = f.remediation.first {
            text += "\nFix: " + first.text + (first.run.map { "\n$ \($0)" } ?? "")
        }
        return text
    }

    /// A path as a URI reference: each segment percent-encoded (a space or `#` in a folder name
    /// would otherwise end the path).
    static func uriPath(_ path: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#[]@!$&'()*+,;=:")
        allowed.insert("/")
        return path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
    }

    struct Log: Encodable {
        var schema: String
        var version: String
        var runs: [Run]
        enum CodingKeys: String, CodingKey { case schema = "$schema", version, runs }
    }
    struct Run: Encodable {
        var tool: Tool
        var results: [Result]
        var invocations: [Invocation]
        var columnKind = "unicodeCodePoints"
    }
    struct Tool: Encodable { var driver: Driver }
    struct Driver: Encodable {
        var name: String
        var version: String
        var informationUri: String
        var rules: [Rule]
    }
    struct Rule: Encodable {
        var id: String
        var shortDescription: Message
        var help: Message
        var properties: RuleProperties
    }
    struct RuleProperties: Encodable {
        var area: String
        var causes: [String]
    }
    struct Invocation: Encodable {
        var executionSuccessful: Bool
        var exitCode: Int
    }
    struct Message: Encodable { var text: String }
    struct Result: Encodable {
        var ruleId: String
        var ruleIndex: Int
        var level: String
        var message: Message
        var locations: [Location]
        var properties: ResultProperties
    }
    struct ResultProperties: Encodable {
        var cause: String
        var status: String
        var link: String?
        var runbook: String?
    }
    struct Location: Encodable { var physicalLocation: PhysicalLocation }
    struct PhysicalLocation: Encodable {
        var artifactLocation: ArtifactLocation
        var region: Region?
    }
    struct ArtifactLocation: Encodable { var uri: String }
    struct Region: Encodable { var startLine: Int }
}
