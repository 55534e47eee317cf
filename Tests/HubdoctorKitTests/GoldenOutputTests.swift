import Foundation
import Testing
@testable import HubdoctorKit

/// Every renderer against a committed golden output for a few fixtures: any change in what a
/// format prints fails here, with the difference shown. After an intended change, re-record:
///
///     HUBDOCTOR_RECORD_GOLDEN=1 swift test --filter GoldenOutputTests
///
/// and review the diff of `fixtures/golden/` like any other change.
@Suite struct GoldenOutputTests {
    static let layouts = ["drift", "caller-key-empty", "dialect", "healthy"]
    enum Kind: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case text, json, junit, github, sarif, prometheus, short
        var testDescription: String { rawValue }
        var fileExtension: String {
            switch self {
            case .text: return "txt"
            case .json: return "json"
            case .junit: return "junit.xml"
            case .github: return "github.txt"
            case .sarif: return "sarif"
            case .prometheus: return "prom"
            case .short: return "short.txt"
            }
        }
    }

    static let recording = ProcessInfo.processInfo.environment["HUBDOCTOR_RECORD_GOLDEN"] == "1"
    /// A fixed clock: the Prometheus timestamp is part of the golden file.
    static let clock: @Sendable () -> Date = { Date(timeIntervalSince1970: 1_764_547_200) }

    static func render(_ layout: String, _ kind: Kind) async throws -> String {
        let root = Repo.layout(layout)
        var options = CheckOptions()
        options.root = root
        options.offline = true
        options.mode = .native
        options.environment = [:]
        let report = try await Doctor.check(options)
        let context = RenderContext(root: root, workspace: root, style: TextStyle(color: false), now: clock)
        let out: String
        switch kind {
        case .short: out = ShortReporter(root: root).render(report)
        default: out = ReportFormat(rawValue: kind.rawValue)!.renderer(context).render(report)
        }
        // Machine-specific paths become placeholders, so the files hold on every clone.
        return out.replacingOccurrences(of: root, with: "<root>").replacingOccurrences(of: Repo.root.path, with: "<repo>")
    }

    @Test(arguments: layouts, Kind.allCases)
    func rendererOutputMatchesItsGoldenFile(layout: String, kind: Kind) async throws {
        let actual = try await Self.render(layout, kind)
        let path = Repo.path("fixtures/golden/\(layout).\(kind.fileExtension)")
        if Self.recording {
            try FileManager.default.createDirectory(atPath: Repo.path("fixtures/golden"), withIntermediateDirectories: true)
            try actual.write(toFile: path, atomically: true, encoding: .utf8)
            return
        }
        let expected = try #require(try? String(contentsOfFile: path, encoding: .utf8),
                                    "no golden file \(path): record it with HUBDOCTOR_RECORD_GOLDEN=1 swift test --filter GoldenOutputTests")
        if actual != expected {
            let a = actual.split(separator: "\n", omittingEmptySubsequences: false), e = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let first = zip(a, e).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, e.count)
            Issue.record("""
                \(kind.rawValue) output of \(layout) differs from fixtures/golden/\(layout).\(kind.fileExtension) at line \(first + 1):
                  golden: \(first < e.count ? String(e[first]) : "<end>")
                  actual: \(first < a.count ? String(a[first]) : "<end>")
                If the change is intended: HUBDOCTOR_RECORD_GOLDEN=1 swift test --filter GoldenOutputTests
                """)
        }
    }

    @Test func goldenFilesHoldNoKey() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Repo.path("fixtures/golden"))
        #expect(files.count == Self.layouts.count * Kind.allCases.count)
        for file in files {
            expectNoSecrets(try String(contentsOfFile: Repo.path("fixtures/golden/\(file)"), encoding: .utf8), Repo.fixtureKeys)
        }
    }
}
