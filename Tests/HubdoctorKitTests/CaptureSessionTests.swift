import Foundation
import Testing
@testable import HubdoctorKit

/// `capture` against real clients on loopback: the listener, the classifier and the Hub's answers.
@Suite struct CaptureSessionTests {
    static let key = "hk_Z8q2Lw5Rt9Vx3Mn7Pb4Jc6Yd"
    /// Captures bind a loopback address of their own: other tests probe 127.0.0.1 ports they
    /// believe closed, and a capture given the same port there would count their requests.
    static let host = "127.0.0.3"

    static func start(count: Int? = nil, timeout: Double? = 120, limits: ListenerLimits? = nil, maxListed: Int? = nil) async throws -> CaptureSession {
        var options = CaptureOptions()
        options.host = CaptureSessionTests.host
        options.port = 0
        options.count = count
        options.timeout = timeout
        options.expectKeyEnv = "CAPTURE_TEST_KEY"
        options.environment = ["CAPTURE_TEST_KEY": key]
        if let limits { options.limits = limits }
        if let maxListed { options.maxListed = maxListed }
        return try await CaptureSession.start(options)
    }

    /// Runs one client request against a fresh capture and returns what the client saw and the report.
    static func capture(_ client: (String) -> TokenClient) async throws -> (TokenClient.Answer, Finding) {
        let session = try await start(count: 1)
        let answer = try await client(session.baseURL).post("/v1/feedback-records")
        let report = await session.finish()
        #expect(report.findings.count == 1)
        return (answer, try #require(report.findings.first))
    }

    @Test func emptyTokenClientIsReportedAsCallerKeyMissing() async throws {
        let (answer, finding) = try await Self.capture { TokenClient(baseURL: $0, token: "") }
        #expect(finding.check == CheckID.captureRequest)
        #expect(finding.cause == .callerKeyMissing)
        #expect(finding.evidence.first?.present == false)
        #expect(answer.status == 401)
        #expect(answer.body == SandboxHub.missingHeader)
    }

    @Test func rawKeyClientIsReportedAsHeaderShape() async throws {
        let (answer, finding) = try await Self.capture { TokenClient(baseURL: $0, token: Self.key, template: "{token}") }
        #expect(finding.cause == .headerShape)
        #expect(finding.message.contains("without the `Bearer ` scheme"))
        #expect(finding.evidence.first?.fingerprint == Fingerprint.of(Self.key))
        #expect(answer.status == 401)
        #expect(answer.body == SandboxHub.invalidFormat)
    }

    @Test func undefinedTokenClientIsReportedAsPlaceholderKey() async throws {
        let (answer, finding) = try await Self.capture { TokenClient(baseURL: $0, token: nil) }
        #expect(finding.cause == .placeholderKey)
        #expect(finding.message.contains("Bearer undefined"))
        #expect(answer.status == 401)
        #expect(answer.body == SandboxHub.invalidKey)
    }

    @Test func rightKeyClientPassesAndGets200() async throws {
        let (answer, finding) = try await Self.capture { TokenClient(baseURL: $0, token: Self.key) }
        #expect(finding.status == .pass)
        #expect(finding.cause == nil)
        #expect(answer.status == 200)
        #expect(answer.body == "{}")
    }

    @Test func anOldKeyIsKeyDriftWithBothFingerprints() async throws {
        let old = "hk_Q3m9Xr2Tb7Vn4Lw8Kp5Jd1Zc"
        let (_, finding) = try await Self.capture { TokenClient(baseURL: $0, token: old) }
        #expect(finding.cause == .keyDrift)
        #expect(finding.evidence.map(\.fingerprint) == [Fingerprint.of(old), Fingerprint.of(Self.key)])
        #expect(finding.message.contains("same length"))
    }

    @Test func requestsAreReportedInArrivalOrderAndTheCountStopsTheListener() async throws {
        let session = try await Self.start(count: 3)
        let url = session.baseURL
        for token in ["", Self.key, "undefined-not"] {
            _ = try await TokenClient(baseURL: url, token: token).post("/v1/webhooks")
        }
        let report = await session.finish()
        #expect(report.findings.map(\.cause) == [.callerKeyMissing, nil, .keyDrift])
        #expect(report.findings.map { $0.title.prefix(3) } == ["#1 ", "#2 ", "#3 "])
        #expect(report.exitCode == 1)
        // Stopped: the port no longer answers.
        await #expect(throws: (any Error).self) { try await TokenClient(baseURL: url, token: "").post("/v1/webhooks") }
    }

    @Test func aTimeoutWithNoRequestSaysTheCallerNeverArrived() async throws {
        let session = try await Self.start(timeout: 0.3)
        let report = await session.finish()
        #expect(report.findings.map(\.check) == [CheckID.captureNone])
        #expect(report.findings.first?.cause == .hubUnreachable)
        #expect(report.exitCode == 1)
    }

    @Test func theExpectedKeyComesFromTheProfileUnderRoot() async throws {
        var options = CaptureOptions()
        options.host = CaptureSessionTests.host
        options.port = 0
        options.count = 1
        options.root = Repo.layout("healthy")
        let session = try await CaptureSession.start(options)
        #expect(session.expected.origin == "hivecfm-hub/.env:3")
        #expect(session.expected.name == "API_KEY")
        _ = try await TokenClient(baseURL: session.baseURL, token: "hk_5Jx9Qm2Rv8Tz4Wn7Lp3Yb6Ck").post("/v1/webhooks")
        let report = await session.finish()
        #expect(report.findings.first?.status == .pass)
    }

    @Test func withALayoutTheRunbookStepsNameTheCallersOwnFiles() async throws {
        var options = CaptureOptions()
        options.host = CaptureSessionTests.host
        options.port = 0
        options.count = 1
        options.root = Repo.layout("drift-env-local")
        let session = try await CaptureSession.start(options)
        _ = try await TokenClient(baseURL: session.baseURL, token: "").post("/v1/feedback-records")
        let report = await session.finish()
        let finding = try #require(report.findings.first)
        #expect(finding.cause == .callerKeyMissing)
        #expect(finding.link == "core-to-hub")
        #expect(finding.runbook == "hub-401")
        #expect(finding.remediation.contains { $0.text.contains("hivecfm-core/.env.local:2") })
    }

    @Test func aMissingExpectedKeyIsAToolError() async throws {
        var options = CaptureOptions()
        options.host = CaptureSessionTests.host
        options.port = 0
        options.expectKeyEnv = "NOT_SET_ANYWHERE"
        options.environment = [:]
        await #expect(throws: HubdoctorError.self) { try await CaptureSession.start(options) }
        options.expectKeyEnv = nil
        options.root = Repo.layout("server-missing")
        await #expect(throws: HubdoctorError.self) { try await CaptureSession.start(options) }
    }

    @Test func noOutputOfACaptureContainsAKey() async throws {
        let session = try await Self.start(count: 6)
        let url = session.baseURL
        let other = "hk_Q3m9Xr2Tb7Vn4Lw8Kp5Jd1Zc"
        for (token, template) in [(Self.key, "{token}"), (Self.key, "Bearer {token}"), (other, "Bearer {token}"),
                                  (Self.key, "bearer {token}"), (Self.key, "Bearer  {token}"), (other, "Token {token}")] {
            _ = try await TokenClient(baseURL: url, token: token, template: template).post("/v1/webhooks")
        }
        let report = await session.finish()
        let lines = report.findings.map(\.message).joined()
        let rendered = JSONReporter.render(report) + TextReporter(style: TextStyle(color: false), verbose: true).render(report) + lines
        for secret in [Self.key, other] {
            #expect(!rendered.contains(secret))
            #expect(!rendered.contains(String(secret.dropFirst(3).prefix(8))))
        }
        #expect(report.findings.compactMap(\.cause) == [.headerShape, .keyDrift, .headerShape, .keyWhitespace, .headerShape])
    }
}

/// The seed incident replayed: capture stands in for gitea-mcp with the static token of the
/// SOPS-encrypted Secret that `hubdoctor.yaml` names, and the routing pod's MCP client calls it.
@Suite struct CaptureGiteaMCPTests {
    static func environment() -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["SOPS_AGE_KEY_FILE"] = Repo.path("fixtures/keys/throwaway-age-key.txt")
        env["SOPS_AGE_KEY"] = ""
        return env
    }

    @Test(.enabled(if: SopsTools.runnable, SopsTools.skipMessage))
    func theRoutingPodsEmptyTokenIsCallerKeyMissingAndItsRealTokenPasses() async throws {
        try SopsTools.require()
        let config = Repo.layout("gitea-mcp-healthy") + "/hubdoctor.yaml"
        var options = CaptureOptions()
        options.host = CaptureSessionTests.host
        options.port = 0
        options.count = 2
        options.configPath = config
        options.environment = Self.environment()
        let session = try await CaptureSession.start(options)
        #expect(session.expected.name == "GITEA_MCP_STATIC_TOKEN")
        // The caller's token as the routing pod gets it from routing-secrets.
        var check = CheckOptions()
        check.configPath = config
        check.environment = options.environment
        let setup = try Doctor.setup(check)
        let link = try #require(setup.links.first)
        let token = try #require(setup.resolver.read(link.caller.key).usableValue).text
        // mcpclient.New(url, token): Authorization only when the token is non-empty.
        let incident = try await TokenClient(baseURL: session.baseURL, token: "").post("/mcp")
        let fixed = try await TokenClient(baseURL: session.baseURL, token: token).post("/mcp")
        let report = await session.finish()
        #expect(report.findings.map(\.cause) == [.callerKeyMissing, nil])
        #expect(incident.status == 401)
        #expect(fixed.status == 200)
        let rendered = JSONReporter.render(report)
        #expect(!rendered.contains(token) && !rendered.contains(String(token.prefix(8))))
    }
}
