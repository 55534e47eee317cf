import Foundation
import Testing
@testable import HubdoctorKit

/// `check --offline` on every fixture layout: the right causes, the right files and lines, the
/// right exit code — run through the library.
struct LayoutExpectation: Sendable, CustomTestStringConvertible {
    var layout: String
    var causes: Set<Cause>
    var mode: RunMode = .native
    var names: [String] = []
    var testDescription: String { layout }

    static let all: [LayoutExpectation] = [
        .init(layout: "healthy", causes: []),
        .init(layout: "crlf", causes: []),
        .init(layout: "drift", causes: [.keyDrift], names: ["hivecfm-core/.env:3", "hivecfm-hub/.env:3"]),
        .init(layout: "drift-env-local", causes: [.keyDrift], names: ["hivecfm-core/.env.local:2", "wins over hivecfm-core/.env"]),
        .init(layout: "caller-empty", causes: [.callerKeyMissing], names: ["hivecfm-core/.env:3", "no Authorization header"]),
        .init(layout: "caller-absent", causes: [.callerKeyMissing], names: ["not defined in hivecfm-core/.env"]),
        .init(layout: "server-missing", causes: [.serverKeyMissing], names: ["hivecfm-hub/.env:3", "refuses to start"]),
        .init(layout: "placeholder", causes: [.placeholderKey], names: ["placeholder"]),
        .init(layout: "whitespace", causes: [.keyWhitespace, .keyDrift], names: ["ends with a space"]),
        .init(layout: "quoted", causes: [.keyQuoted, .keyDrift], names: ["literal double quotes"]),
        .init(layout: "dialect", causes: [.dialectDisagreement, .keyDrift], names: ["godotenv reads 26 chars", "compose reads 13 chars", "same text"]),
        .init(layout: "url-native-docker-host", causes: [.urlModeMismatch], names: ["hivecfm-hub-api", "http://localhost:8090"]),
        .init(layout: "url-docker-localhost", causes: [.urlModeMismatch], mode: .docker, names: ["http://hivecfm-hub-api:8080"]),
        .init(layout: "hub-env-unreadable", causes: [.sourceUnreadable], names: ["hivecfm-hub/.env: is a directory"]),
        .init(layout: "hub-env-bom", causes: [.sourceUnreadable], names: ["hivecfm-hub/.env:1", "godotenv"]),
        .init(layout: "no-hub-folder", causes: [.sourceUnreadable], names: ["hivecfm-hub/.env: no such file"]),
    ]
}

@Suite struct LayoutDiagnosisTests {
    static func diagnose(_ layout: String, mode: ModeChoice = .auto) async throws -> Report {
        var o = CheckOptions()
        o.root = Repo.layout(layout)
        o.offline = true
        o.mode = mode
        o.environment = [:]
        return try await Doctor.check(o)
    }

    @Test(arguments: LayoutExpectation.all)
    func eachLayoutGetsExactlyItsCauses(_ e: LayoutExpectation) async throws {
        let report = try await Self.diagnose(e.layout)
        let failing = report.findings.filter { $0.status == .fail }
        #expect(Set(failing.compactMap(\.cause)) == e.causes)
        #expect(report.exitCode == (e.causes.isEmpty ? 0 : 1))
        #expect(report.links.first?.mode == e.mode.rawValue)
        let text = failing.map { $0.message + " " + $0.evidence.map(\.source).joined(separator: " ") }.joined(separator: "\n")
        for name in e.names { #expect(text.contains(name), "\(name) not in: \(text)") }
    }

    @Test func nativeModeOnEnvLocalDriftSaysDockerWouldMatch() async throws {
        let report = try await Self.diagnose("drift-env-local")
        let compare = try #require(report.findings.first { $0.check == CheckID.modeCompare })
        #expect(compare.status == .warn)
        #expect(compare.message.contains("docker mode reads hivecfm-core/.env:3, which matches"))
        #expect(report.links.first?.modeReason?.contains(".env.local") == true)
    }

    @Test func dockerModeReadsOnlyDotEnvWithTheComposeReader() async throws {
        let report = try await Self.diagnose("drift-env-local", mode: .docker)
        #expect(report.findings.first { $0.check == CheckID.keysMatch }?.status == .pass)
        #expect(report.links.first?.modeReason == "--mode docker")
    }

    @Test func callerKeyMissingNamesTheFileThatWon() async throws {
        let report = try await Self.diagnose("caller-empty")
        let f = try #require(report.findings.first { $0.cause == .callerKeyMissing })
        #expect(f.check == CheckID.keysCallerPresent)
        #expect(f.evidence.first?.file == "hivecfm-core/.env")
        #expect(f.evidence.first?.line == 3)
        #expect(f.evidence.first?.present == true)
        #expect(f.evidence.first?.length == 0)
    }

    @Test func driftEvidenceCarriesFingerprintsAndLengthsButNoValue() async throws {
        let report = try await Self.diagnose("drift")
        let f = try #require(report.findings.first { $0.check == CheckID.keysMatch })
        #expect(f.evidence.map(\.fingerprint) == [Fingerprint.of("hk_Vq3Ws8Nd2Kp7Hx4Tb9Mz6Rf"), Fingerprint.of("hk_5Jx9Qm2Rv8Tz4Wn7Lp3Yb6Ck")])
        #expect(f.evidence.map(\.length) == [26, 27])
        let json = JSONReporter.render(report)
        expectNoSecrets(json, Repo.fixtureKeys)
    }

    @Test func onlyAndSkipSelectChecksByIdOrArea() async throws {
        var o = CheckOptions()
        o.root = Repo.layout("drift")
        o.offline = true
        o.only = ["keys"]
        o.skip = ["keys.match"]
        let report = try await Doctor.check(o)
        #expect(report.findings.allSatisfy { $0.check.area == "keys" && $0.check != CheckID.keysMatch })
        #expect(Set(report.findings.map(\.check)).isSuperset(of: [CheckID.keysCallerPresent, CheckID.keysServicePresent, CheckID.keysDialect]))
        #expect(report.exitCode == 0)
    }

    @Test func failOnWarningTurnsAWarningIntoExitOne() async throws {
        var o = CheckOptions()
        o.root = Repo.layout("drift-env-local")
        o.offline = true
        o.mode = .auto
        o.skip = ["keys.match"]
        #expect(try await Doctor.check(o).exitCode == 0)
        o.failOn = .warning
        #expect(try await Doctor.check(o).exitCode == 1)
    }

    @Test func aRootThatIsNotADirectoryIsAToolError() async {
        var o = CheckOptions()
        o.root = Repo.path("fixtures/layouts/does-not-exist")
        await #expect(throws: HubdoctorError.self) { try await Doctor.check(o) }
    }
}
