import Foundation

/// The one report type: what every format renders, and what decides the exit code.
public struct Report: Codable, Sendable {
    public static let schema = "hubdoctor/report@1"
    public static let toolVersion = "0.1.0"

    public struct Tool: Codable, Sendable {
        public var name = "hubdoctor"
        public var version = Report.toolVersion
    }

    public struct Summary: Codable, Sendable, Equatable {
        public var pass = 0, warn = 0, fail = 0, skip = 0
    }

    /// What was assumed for one link (mode and why), so that a reader knows the frame.
    public struct LinkContext: Codable, Sendable, Equatable {
        public var name: String
        public var mode: String?
        public var modeReason: String?
        public var url: String?

        public init(name: String, mode: String? = nil, modeReason: String? = nil, url: String? = nil) {
            self.name = name
            self.mode = mode
            self.modeReason = modeReason
            self.url = url
        }
    }

    public var schema = Report.schema
    public var tool = Tool()
    public var command: String
    public var summary: Summary
    public var findings: [Finding]
    public var links: [LinkContext]
    public var exitCode: Int32
    /// The lowest status that makes the exit code 1 (`--fail-on`): the exit code and every
    /// renderer that marks failures (JUnit, SARIF levels) read it from here, never from a flag.
    public var failOn: FailThreshold = .error

    public init(command: String, findings: [Finding], links: [LinkContext] = [], failOn: FailThreshold = .error) {
        self.command = command
        self.findings = findings
        self.links = links
        var s = Summary()
        for f in findings {
            switch f.status {
            case .pass: s.pass += 1
            case .warn: s.warn += 1
            case .fail: s.fail += 1
            case .skip: s.skip += 1
            }
        }
        self.summary = s
        self.failOn = failOn
        self.exitCode = findings.contains { failOn.trips($0.status) } ? ExitCodes.findings : ExitCodes.ok
    }

    enum CodingKeys: String, CodingKey { case schema, tool, command, summary, findings, links, exitCode }
}

public enum ExitCodes {
    public static let ok: Int32 = 0
    public static let findings: Int32 = 1
    public static let toolError: Int32 = 2
}
