import Foundation
import Testing
@testable import HubdoctorKit

/// The probe matrix against a real sandbox Hub on loopback, one fault mode at a time.
@Suite struct ProberTests {
    static let key = SecretValue("hk_Prober0Test1Key2Value3xyz")

    func sandbox(_ faults: Set<SandboxFault> = [], key: SecretValue = ProberTests.key,
                 configure: (inout SandboxOptions) -> Void = { _ in }) async throws -> SandboxHub {
        var options = SandboxOptions(key: key)
        options.faults = faults
        configure(&options)
        return try await SandboxHub.start(options)
    }

    func probe(_ url: String, key: SecretValue? = ProberTests.key, agree: Bool? = nil, serviceKey: SecretValue? = nil,
               timeout: Double = 3, noNegative: Bool = false, paths: [String] = HiveCFMProfile.protectedPaths,
               session: String? = nil, maxConnections: Int = HTTPClientRequest.defaultMaxConnections) async -> [Finding] {
        let target = ProbeTarget(baseURL: url, protectedPaths: paths, sessionPath: session, key: key, serviceKey: serviceKey,
                                 filesAgree: agree, callerName: "Core", serviceName: "Hub", keyLabel: "Core's HIVECFM_HUB_API_KEY",
                                 serviceKeyLabel: "hivecfm-hub/.env:2", composeHosts: ["hivecfm-hub-api"],
                                 expectedURL: "http://localhost:8090")
        var options = ProbeOptions(timeout: timeout, noNegative: noNegative)
        options.maxConnections = maxConnections
        let exchanges = await Prober.run(target, options)
        return ProbeClassifier(target: target, exchanges: exchanges, link: "core-to-hub", facts: [:]).findings()
    }

    func finding(_ findings: [Finding], _ check: CheckID) -> Finding? { findings.first { $0.check == check } }

    func causes(_ findings: [Finding]) -> Set<Cause> { Set(findings.compactMap(\.cause)) }

    /// At most one wrong-shape and one wrong-key request (a `Bearer` credential that is neither the
    /// sandbox's key nor the caller's), and no request in a wrong shape carried a real key.
    func expectNegativeBudget(_ hub: SandboxHub, callerKey: SecretValue = ProberTests.key,
                              sourceLocation: SourceLocation = #_sourceLocation) {
        let e = hub.entries
        let real = Set([callerKey.fingerprint, hub.options.key.fingerprint])
        let throwaway = e.filter { $0.auth == .bearerOther && !real.contains($0.credentialFingerprint ?? "") }
        #expect(e.filter { $0.auth == .rawOther }.count <= 1, sourceLocation: sourceLocation)
        #expect(throwaway.count <= 1, sourceLocation: sourceLocation)
        #expect(e.filter { $0.auth == .rawKey }.isEmpty, sourceLocation: sourceLocation)
        let wrongShapes: Set<SandboxLogEntry.AuthShape> = [.rawOther, .otherScheme, .bearerEmpty]
        let leaked = e.filter { wrongShapes.contains($0.auth) && ($0.carriesKey || real.contains($0.credentialFingerprint ?? "")) }
        #expect(leaked.isEmpty, sourceLocation: sourceLocation)
    }

    @Test func aHealthyHubPassesEveryProbeWithOneNegativeOfEachKind() async throws {
        let hub = try await sandbox()
        try await serving(hub) { hub in
            let findings = await probe(hub.baseURL, agree: true)
            #expect(findings.allSatisfy { $0.status == .pass }, "\(findings.filter { $0.status != .pass }.map(\.message))")
            #expect(findings.map(\.check) == [CheckID.probeReach, CheckID.probeHealth, CheckID.probeNoAuth, CheckID.probeKey, CheckID.probeRedirect, CheckID.probeShape, CheckID.probeWrongKey])
            #expect(hub.entries.filter { $0.auth == .rawOther }.count == 1)
            #expect(hub.entries.filter { $0.auth == .bearerOther }.count == 1)
            #expect(hub.entries.filter { $0.auth == .bearerKey }.count == 2)
            expectNegativeBudget(hub)
            let key = finding(findings, CheckID.probeKey)!
            #expect(key.evidence.count == 2)
            #expect(key.evidence[0].http?.curl == "curl -sS -i --max-time 3 -H \"Authorization: Bearer $API_KEY\" '\(hub.baseURL)/v1/feedback-records'")
            #expect(key.evidence[0].http?.timings?.totalMs ?? 0 > 0)
        }
    }

    @Test func aHubRunningWithAnotherKeyThanBothFilesIsKeyRejected() async throws {
        let hub = try await sandbox(key: SecretValue("hk_The0Running1Hub2Has3Another"))
        try await serving(hub) { hub in
            let f = finding(await probe(hub.baseURL, agree: true), CheckID.probeKey)!
            #expect(f.status == .fail)
            #expect(f.cause == .keyRejected)
            #expect(f.message.contains("Restart Hub"))
            expectNegativeBudget(hub)
        }
    }

    @Test func driftIsConfirmedLiveAndTheServicesOwnKeyShowsWhichSideToChange() async throws {
        let hub = try await sandbox()
        try await serving(hub) { hub in
            let findings = await probe(hub.baseURL, key: SecretValue("hk_Core0Holds1An2Older3Keyabc"), agree: false, serviceKey: Self.key)
            let key = finding(findings, CheckID.probeKey)!
            #expect(key.cause == .keyDrift)
            #expect(key.message.contains("Hub does accept the key in hivecfm-hub/.env:2, so change Core's side"))
            #expect(finding(findings, CheckID.probeServiceKey)?.status == .pass)
            #expect(hub.entries.filter { $0.auth == .bearerKey }.count == 1)
        }
    }

    @Test func throttledHubNamesRetryAfterAndGetsNoNegativeProbes() async throws {
        let hub = try await sandbox([.throttled]) { $0.retryAfterSeconds = 120 }
        try await serving(hub) { hub in
            let findings = await probe(hub.baseURL, agree: true)
            let key = finding(findings, CheckID.probeKey)!
            #expect(key.cause == .throttled)
            #expect(key.status == .fail)
            #expect(key.message.contains("Retry after 120 s"))
            #expect(key.facts["retry_after"] == "120")
            #expect(finding(findings, CheckID.probeShape)?.status == .skip)
            #expect(finding(findings, CheckID.probeWrongKey)?.status == .skip)
            #expect(!hub.entries.contains { $0.auth == .rawOther || $0.auth == .bearerOther })
            #expect(hub.entries.filter { $0.auth == .bearerKey }.count == 2) // sent once per path, never retried
        }
    }

    @Test func authStoreDownIsItsOwnCauseAndStopsTheNegativeProbes() async throws {
        let hub = try await sandbox([.authStoreDown])
        try await serving(hub) { hub in
            let findings = await probe(hub.baseURL, agree: true)
            #expect(finding(findings, CheckID.probeKey)?.cause == .authStoreDown)
            #expect(!hub.entries.contains { $0.auth == .rawOther || $0.auth == .bearerOther })
        }
    }

    @Test func authNotEnforcedIsFoundWithoutCredentials() async throws {
        let hub = try await sandbox([.authNotEnforced])
        try await serving(hub) { hub in
            let findings = await probe(hub.baseURL, agree: true)
            #expect(finding(findings, CheckID.probeNoAuth)?.cause == .authNotEnforced)
            #expect(finding(findings, CheckID.probeNoAuth)?.status == .fail)
            expectNegativeBudget(hub)
        }
    }

    @Test func healthBehindAuthIsHealthNotPublic() async throws {
        let hub = try await sandbox([.healthBehindAuth])
        try await serving(hub) { hub in
            let f = finding(await probe(hub.baseURL, agree: true), CheckID.probeHealth)!
            #expect(f.cause == .healthNotPublic)
            #expect(f.message.contains("Missing Authorization header"))
        }
    }

    @Test func aCrossOriginRedirectIsRedirectDropsAuth() async throws {
        let hub = try await sandbox([.redirect]) { $0.redirectTo = "https://hub.example.com" }
        try await serving(hub) { hub in
            let findings = await probe(hub.baseURL, agree: true)
            let f = finding(findings, CheckID.probeRedirect)!
            #expect(f.cause == .redirectDropsAuth)
            #expect(f.facts["redirect_to"] == "https://hub.example.com")
            #expect(finding(findings, CheckID.probeKey)?.status == .skip)
            expectNegativeBudget(hub)
        }
    }

    @Test func forbiddenRevokedAndSessionAreReadFromTheAnswers() async throws {
        let forbidden = try await sandbox([.forbidden], key: SecretValue("hbk_AbCd1234efgh5678ijkl9012mnop")) { $0.session = true }
        try await serving(forbidden) { forbidden in
            let f = await probe(forbidden.baseURL, key: SecretValue("hbk_AbCd1234efgh5678ijkl9012mnop"), agree: true, session: "/auth/session")
            #expect(finding(f, CheckID.probeKey)?.cause == .forbiddenScope)
            let session = finding(f, CheckID.probeSession)!
            #expect(session.cause == .forbiddenScope)
            #expect(session.message.contains("role admin"))
            #expect(session.message.contains("hbk_AbCd1234"))
            #expect(!session.message.contains("efgh5678"))
            let revoked = try await sandbox([.revoked])
            try await serving(revoked) { revoked in
                #expect(finding(await probe(revoked.baseURL, agree: true), CheckID.probeKey)?.cause == .keyRevoked)
            }
        }
    }

    @Test func aClosedPortIsUnreachableAtOnceAndEveryOtherProbeIsSkippedWithTheReason() async throws {
        let hub = try await sandbox()
        let url = hub.baseURL
        await hub.stop()
        let findings = await probe(url, agree: true)
        let reach = finding(findings, CheckID.probeReach)!
        #expect(reach.cause == .hubUnreachable)
        #expect(reach.message.contains("connection refused"))
        let others = findings.filter { $0.check != CheckID.probeReach }
        #expect(others.allSatisfy { $0.status == .skip })
        #expect(finding(findings, CheckID.probeKey)?.message.contains("connection refused") == true)
    }

    @Test func aPortThatDropsConnectionsIsUnreachableWithinTheConnectTimeout() async throws {
        let hub = try await sandbox([.blackhole])
        try await serving(hub) { hub in
            let findings = await probe(hub.baseURL, agree: true, timeout: 1)
            let reach = finding(findings, CheckID.probeReach)!
            #expect(reach.cause == .hubUnreachable)
            #expect(reach.message.contains("no connection to 127.0.0.1:\(hub.port) within 1 s"))
            let total = reach.evidence.first?.http?.timings?.totalMs ?? 0
            #expect(total >= 950 && total < 1100, "libcurl gave up after \(total) ms")
            #expect(findings.filter { $0.check != CheckID.probeReach }.allSatisfy { $0.status == .skip })
        }
    }

    @Test func aComposeOnlyHostNameIsUnreachableWithTheDNSReasonAndTheNativeURL() async throws {
        let findings = await probe("http://hivecfm-hub-api:8080", agree: true)
        let reach = finding(findings, CheckID.probeReach)!
        #expect(reach.cause == .hubUnreachable)
        #expect(reach.message.contains("DNS cannot resolve hivecfm-hub-api"))
        #expect(reach.message.contains("only inside the Compose network"))
        #expect(reach.message.contains("http://localhost:8090"))
        #expect(reach.facts["unreachable_reason"] == "dns")
    }

    @Test func aHangingHubIsReportedWithinTheTimeoutAndGetsNoNegativeProbes() async throws {
        let hub = try await sandbox([.hanging])
        try await serving(hub) { hub in
            let findings = await probe(hub.baseURL, agree: true, timeout: 0.5)
            let totals = finding(findings, CheckID.probeKey)?.evidence.compactMap { $0.http?.timings?.totalMs } ?? []
            #expect(totals.count == 2 && totals.allSatisfy { $0 >= 450 && $0 < 700 }, "\(totals)")
            #expect(finding(findings, CheckID.probeHealth)?.cause == .hubUnreachable)
            #expect(finding(findings, CheckID.probeKey)?.message.contains("sent no answer within 0.5 s") == true)
            #expect(finding(findings, CheckID.probeWrongKey)?.status == .skip)
        }
    }

    @Test func healthAndEveryProtectedProbeAreSentInOneWave() async throws {
        let paths = (1...20).map { "/v1/path-\($0)" }
        let barrier = ArrivalBarrier(count: 1 + 20 + 20) // health, and each path without and with the key
        let listener = try await HTTPListener.start { request in
            guard await barrier.arriveAndWait() else { return .json(503, #"{"error":"arrived alone"}"#) }
            return request.header("Authorization") == "Bearer " + Self.key.text || request.path == "/health"
                ? .json(200, "{}") : .json(401, #"{"error":"Missing Authorization header"}"#)
        }
        try await serving(listener) { listener in
            let findings = await probe(listener.baseURL, agree: true, timeout: 30, paths: paths, maxConnections: 41)
            #expect(finding(findings, CheckID.probeHealth)?.status == .pass)
            #expect(finding(findings, CheckID.probeNoAuth)?.status == .pass)
            #expect(finding(findings, CheckID.probeKey)?.status == .pass, "a probe was answered before all 41 arrived")
        }
    }

    @Test func noNegativeSendsNeitherWrongShapeNorWrongKey() async throws {
        let hub = try await sandbox()
        try await serving(hub) { hub in
            let findings = await probe(hub.baseURL, agree: true, noNegative: true)
            #expect(finding(findings, CheckID.probeShape)?.message.contains("--no-negative") == true)
            #expect(!hub.entries.contains { $0.auth == .rawOther || $0.auth == .bearerOther })
        }
    }
}

extension ProberTests {
    @Test func aKeyWithALineBreakIsNotSentInAHeader() async throws {
        let hub = try await sandbox()
        try await serving(hub) { hub in
            let findings = await probe(hub.baseURL, key: SecretValue(Self.key.text + "\n"))
            let key = try #require(finding(findings, CheckID.probeKey))
            #expect(key.status == .skip)
            #expect(key.message.contains("line break or a NUL byte"))
            // Nothing reached the Hub carrying the key, split or whole.
            #expect(!hub.entries.contains { $0.carriesKey })
        }
    }
}
