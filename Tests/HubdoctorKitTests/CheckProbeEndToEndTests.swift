import Foundation
import Testing
@testable import HubdoctorKit

/// `hubdoctor check` (the built binary) against a sandbox Hub on loopback, for every fault mode.
@Suite struct CheckProbeEndToEndTests {
    /// The key both files of the healthy fixture hold.
    static let fixtureKey = SecretValue("hk_5Jx9Qm2Rv8Tz4Wn7Lp3Yb6Ck")
    static var healthy: String { Repo.path("fixtures/layouts/healthy") }

    struct Mode: CustomTestStringConvertible, Sendable {
        var faults: Set<SandboxFault>
        var check: String
        var cause: String?
        var arguments: [String] = []
        var testDescription: String { faults.isEmpty ? "no fault" : faults.map(\.rawValue).sorted().joined(separator: "+") }
    }

    static let modes: [Mode] = [
        Mode(faults: [], check: "probe.key", cause: nil),
        Mode(faults: [.throttled], check: "probe.key", cause: "throttled"),
        Mode(faults: [.authStoreDown], check: "probe.key", cause: "auth-store-down"),
        Mode(faults: [.authNotEnforced], check: "probe.no-auth", cause: "auth-not-enforced"),
        Mode(faults: [.healthBehindAuth], check: "probe.health", cause: "health-not-public"),
        Mode(faults: [.redirect], check: "probe.redirect", cause: "redirect-drops-auth"),
        Mode(faults: [.redirectLoop], check: "probe.health", cause: "hub-unreachable"),
        Mode(faults: [.forbidden], check: "probe.key", cause: "forbidden-scope"),
        Mode(faults: [.revoked], check: "probe.key", cause: "key-revoked"),
        Mode(faults: [.hanging], check: "probe.health", cause: "hub-unreachable", arguments: ["--timeout", "1"]),
        Mode(faults: [.blackhole], check: "probe.reach", cause: "hub-unreachable", arguments: ["--timeout", "1"]),
        Mode(faults: [.slow], check: "probe.key", cause: nil, arguments: ["--timeout", "2"]),
    ]

    func check(_ url: String, root: String = CheckProbeEndToEndTests.healthy, _ extra: [String] = []) async throws -> Binary.Result {
        try await Binary.running(["check", "--root", root, "--hub-url", url, "--format", "json"] + extra)
    }

    func expectNoKey(_ run: Binary.Result, _ keys: [SecretValue], sourceLocation: SourceLocation = #_sourceLocation) {
        for key in keys {
            #expect(!run.all.contains(key.text), "the key leaked", sourceLocation: sourceLocation)
            #expect(!run.all.contains(String(key.text.dropFirst(3).prefix(12))), "part of the key leaked", sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: modes)
    func eachFaultModeGivesItsCauseInCheckJSON(_ mode: Mode) async throws {
        var options = SandboxOptions(key: Self.fixtureKey)
        options.faults = mode.faults
        options.delayMs = 150
        let hub = try await SandboxHub.start(options)
        try await serving(hub) { hub in
            let run = try await check(hub.baseURL, mode.arguments)
            #expect(run.json?["schema"] as? String == "hubdoctor/report@1")
            #expect(run.cause(mode.check) == mode.cause, "\(run.findings.filter { $0["status"] as? String == "fail" }.map { $0["message"] ?? "" })")
            if mode.cause == nil {
                #expect(run.status == 0, "\(run.findings.filter { $0["status"] as? String != "pass" })")
            } else {
                #expect(run.status == 1)
            }
            let entries = hub.entries
            #expect(entries.filter { $0.auth == .rawOther }.count <= 1)
            #expect(entries.filter { $0.auth == .bearerOther }.count <= 1)
            #expect(entries.filter { $0.auth == .rawKey }.isEmpty)
            #expect(!entries.contains { $0.auth != .bearerKey && $0.carriesKey })
            expectNoKey(run, [Self.fixtureKey])
        }
    }

    @Test func aHubStartedWithAnotherKeyThanBothFilesHoldIsKeyRejected() async throws {
        let hub = try await SandboxHub.start(SandboxOptions(key: SecretValue("hk_Restarted0Never1Reloaded2x")))
        try await serving(hub) { hub in
            let run = try await check(hub.baseURL)
            #expect(run.status == 1)
            #expect(run.statusOf("keys.match") == "pass")
            #expect(run.cause("probe.key") == "key-rejected")
            #expect(run.causes == ["key-rejected"])
            // The fix is a restart, in the mode's words (native: the processes started by hand).
            let steps = (run.finding("probe.key")?["remediation"] as? [[String: Any]] ?? []).map { "\($0["text"] ?? "") \($0["run"] ?? "")" }
            #expect(steps.contains { $0.contains("make run") }, "\(steps)")
            let text = try await Binary.running(["check", "--root", Self.healthy, "--hub-url", hub.baseURL])
            #expect(text.stdout.contains("both files hold the same key, but the running Hub refuses it"))
            expectNoKey(run, [Self.fixtureKey])
            expectNoKey(text, [Self.fixtureKey])
        }
    }

    @Test func aClosedPortIsHubUnreachableInAboutTheConnectTime() async throws {
        let hub = try await SandboxHub.start(SandboxOptions(key: Self.fixtureKey))
        let url = hub.baseURL
        await hub.stop()
        let (run, seconds) = try await Binary.timedRunAsync(["check", "--root", Self.healthy, "--hub-url", url, "--format", "json"])
        #expect(run.cause("probe.reach") == "hub-unreachable")
        #expect((run.finding("probe.reach")?["message"] as? String)?.contains("connection refused") == true)
        #expect(run.statusOf("probe.key") == "skip")
        #expect(seconds < Machine.allow(3), "took \(seconds) s; a refused port must not wait for any timeout (5 s)")
    }

    @Test func aPortThatDropsConnectionsIsReportedWithinTheConnectTimeout() async throws {
        var options = SandboxOptions(key: Self.fixtureKey)
        options.faults = [.blackhole]
        let hub = try await SandboxHub.start(options)
        try await serving(hub) { hub in
            let (run, seconds) = try await Binary.timedRunAsync(["check", "--root", Self.healthy, "--hub-url", hub.baseURL,
                                                                  "--timeout", "1", "--format", "json"])
            #expect(run.cause("probe.reach") == "hub-unreachable")
            #expect(run.statusOf("probe.key") == "skip")
            // Exact figures come from scripts/bench-probes; here the bound only has to tell "one
            // connect timeout" (about 1 s) from "one per probe" (7 s), even in a busy test run.
            #expect(seconds >= 1 && seconds < Machine.allow(4), "took \(seconds) s for a 1 s connect timeout")
        }
    }

    @Test func twentySlowProtectedPathsTakeAboutTwoDelaysNotFortyThree() async throws {
        var options = SandboxOptions(key: Self.fixtureKey)
        options.faults = [.slow]
        options.delayMs = 300
        let hub = try await SandboxHub.start(options)
        try await serving(hub) { hub in
            let paths = (1...20).flatMap { ["--probe-path", "/v1/bench-\($0)"] }
            let (run, seconds) = try await Binary.timedRunAsync(["check", "--root", Self.healthy, "--hub-url", hub.baseURL, "--format", "json",
                                                                  "--max-connections", "64"] + paths)
            #expect(run.status == 0, "\(run.findings.filter { $0["status"] as? String != "pass" })")
            #expect(hub.entries.count == 43)
            #expect(seconds < Machine.allow(5), "took \(seconds) s; one request after another would take 43 × 0.3 s = 12.9 s")
        }
    }

    @Test func aComposeHostNameInNativeModeIsAModeMismatchWithTheDNSReason() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("hubdoctor-native-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        for dir in ["hivecfm-hub", "hivecfm-core"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(dir), withIntermediateDirectories: true)
        }
        try "API_KEY=\(Self.fixtureKey.text)\n".write(to: root.appendingPathComponent("hivecfm-hub/.env"), atomically: true, encoding: .utf8)
        try "HIVECFM_HUB_URL=http://hivecfm-hub-api:8080\nHIVECFM_HUB_API_KEY=\(Self.fixtureKey.text)\n"
            .write(to: root.appendingPathComponent("hivecfm-core/.env"), atomically: true, encoding: .utf8)
        let run = try await Binary.running(["check", "--root", root.path, "--mode", "native", "--format", "json", "--timeout", "3"])
        #expect(run.cause("url.mode") == "url-mode-mismatch")
        #expect(run.cause("probe.reach") == "hub-unreachable")
        let message = run.finding("probe.reach")?["message"] as? String ?? ""
        #expect(message.contains("DNS cannot resolve hivecfm-hub-api"))
        #expect(message.contains("Outside Compose, use http://localhost:8090"))
        expectNoKey(run, [Self.fixtureKey])
    }

    @Test func offlineSendsNothingAndSkipProbeSkipsTheProbes() async throws {
        let hub = try await SandboxHub.start(SandboxOptions(key: Self.fixtureKey))
        try await serving(hub) { hub in
            let offline = try await check(hub.baseURL, ["--offline"])
            #expect(offline.status == 0 && offline.statusOf("keys.match") == "pass", "\(offline.all)")
            #expect(!offline.findings.contains { ($0["check"] as? String)?.hasPrefix("probe.") == true })
            let skipped = try await check(hub.baseURL, ["--skip", "probe"])
            #expect(skipped.status == 0 && skipped.statusOf("keys.match") == "pass", "\(skipped.all)")
            #expect(!skipped.findings.contains { ($0["check"] as? String)?.hasPrefix("probe.") == true })
            #expect(hub.entries.isEmpty)
        }
    }

    @Test func theDemoDiagnosesDriftWithoutSetUpAndPrintsNoKey() async throws {
        let run = try await Binary.running(["demo"])
        #expect(run.status == 1)
        #expect(run.stdout.contains("[key-drift]"))
        #expect(run.stdout.contains("live confirmation of the drift"))
        #expect(run.stdout.contains("so change Core's side to that key"))
        // The demo's keys are `hk_` and 43 URL-safe base64 characters; no such run may be printed.
        #expect(run.all.range(of: #"hk_[A-Za-z0-9_-]{20,}"#, options: .regularExpression) == nil)
        let folder = run.stdout.range(of: #"/[^ ]*hubdoctor-demo-[A-Za-z0-9]+"#, options: .regularExpression).map { String(run.stdout[$0]) }
        #expect(folder != nil)
        #expect(!FileManager.default.fileExists(atPath: folder ?? "/"), "the demo left its folder behind")
    }
}

/// Two links that call the same service share the run's one wrong-shape and one wrong-key probe.
@Suite struct SharedServiceProbeTests {
    @Test func twoLinksToOneServiceSendOneWrongShapeAndOneWrongKeyBetweenThem() async throws {
        let key = SecretValue("hk_Shared0Service1Key2Value3")
        let hub = try await SandboxHub.start(SandboxOptions(key: key))
        try await serving(hub) { hub in
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("hubdoctor-links-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: root) }
            try "API_KEY=\(key.text)\n".write(to: root.appendingPathComponent("hub.env"), atomically: true, encoding: .utf8)
            try "HUB_KEY=\(key.text)\n".write(to: root.appendingPathComponent("caller.env"), atomically: true, encoding: .utf8)
            let link = { (name: String) in """
                  - name: \(name)
                    caller:
                      key: {env: caller.env, var: HUB_KEY}
                      url: \(hub.baseURL)
                    service:
                      key: {env: hub.env, var: API_KEY}
                    probes: {health: /health, protected: [/v1/webhooks]}
                """ }
            try ("version: 1\nlinks:\n" + link("first") + "\n" + link("second") + "\n")
                .write(to: root.appendingPathComponent("hubdoctor.yaml"), atomically: true, encoding: .utf8)
            var options = CheckOptions()
            options.root = root.path
            options.configPath = root.appendingPathComponent("hubdoctor.yaml").path
            let report = try await Doctor.check(options)
            #expect(report.findings.filter { $0.check == CheckID.probeKey }.map(\.status) == [.pass, .pass])
            #expect(hub.entries.filter { $0.auth == .rawOther }.count == 1)
            #expect(hub.entries.filter { $0.auth == .bearerOther }.count == 1)
            let skipped = report.findings.filter { $0.check == CheckID.probeWrongKey && $0.status == .skip }
            #expect(skipped.count == 1)
            #expect(skipped.first?.message.contains("already sent them") == true)
        }
    }
}

/// Issue 10: many links to one service must not look like an unreachable service. Fifty links
/// would open ~200 connections at once; a service that caps connections resets some, and `check`
/// reported `hub-unreachable` on a healthy layout. Now each distinct request goes out once per
/// run (all links that share it get its answer), over at most `--max-connections` per origin.
extension CheckProbeEndToEndTests {
    /// A config of `links` healthy links, each caller with its own file, all calling `url`.
    static func manyLinks(_ links: Int, url: String, key: SecretValue = fixtureKey) -> TemporaryLayout {
        let layout = TemporaryLayout()
        layout.write("hub.env", "API_KEY=\(key.text)\n")
        var yaml = "version: 1\nlinks:\n"
        for i in 1...links {
            layout.write("caller-\(i).env", "HUB_KEY=\(key.text)\n")
            yaml += """
              - name: caller-\(i)-to-hub
                caller: {key: {env: caller-\(i).env, var: HUB_KEY}, url: "\(url)"}
                service: {key: {env: hub.env, var: API_KEY}}
                probes: {health: /health, protected: [/v1/feedback-records, /v1/webhooks]}

            """
        }
        layout.write("hubdoctor.yaml", yaml)
        return layout
    }

    @Test func fiftyLinksToAServiceThatTakes32ConnectionsPassAndEachDistinctRequestIsSentOnce() async throws {
        var options = SandboxOptions(key: Self.fixtureKey)
        options.maxConnections = 32
        try await serving(try await SandboxHub.start(options)) { hub in
            let layout = Self.manyLinks(50, url: hub.baseURL)
            let r = try await Binary.running(["check", "--config", layout.path("hubdoctor.yaml"), "--format", "json"])
            let bad = r.findings.filter { ["warn", "fail"].contains($0["status"] as? String) }
            #expect(r.status == 0, "\(bad.prefix(3))")
            #expect(bad.isEmpty)
            #expect(hub.stats.rejectedConnections == 0)
            // GET /health, each protected path without and with the key, one wrong shape and one
            // wrong key: seven requests for fifty links (the connect-only reach probe sends none).
            #expect(hub.entries.count == 7, "\(hub.entries.map { "\($0.method) \($0.path) \($0.auth)" })")
            let keyFindings = r.findings.filter { $0["check"] as? String == "probe.key" }
            #expect(keyFindings.count == 50 && keyFindings.allSatisfy { $0["status"] as? String == "pass" })
            expectNoKeyFragments(r.all, [Self.fixtureKey.text])
        }
    }

    @Test func maxConnectionsOneKeepsCheckAndProbeWithinAServiceThatTakesTwo() async throws {
        var options = SandboxOptions(key: Self.fixtureKey)
        options.maxConnections = 2   // one for the requests, one for a connection the server has not yet seen closed
        try await serving(try await SandboxHub.start(options)) { hub in
            let paths = (1...10).flatMap { ["--probe-path", "/v1/many-\($0)"] }
            let check = try await Binary.running(["check", "--root", Self.healthy, "--hub-url", hub.baseURL, "--format", "json",
                                                  "--max-connections", "1"] + paths)
            #expect(check.status == 0, "\(check.findings.filter { $0["status"] as? String != "pass" })")
            let probe = try await Binary.running(["probe", hub.baseURL, "--key-env", "K", "--format", "json", "--max-connections", "1"]
                                                 + (1...10).flatMap { ["--path", "/v1/many-\($0)"] }, environment: ["K": Self.fixtureKey.text])
            #expect(probe.status == 0, "\(probe.findings.filter { $0["status"] as? String != "pass" })")
            #expect(hub.stats.rejectedConnections == 0)
            let bad = try await Binary.running(["check", "--root", Self.healthy, "--hub-url", hub.baseURL, "--max-connections", "0"])
            #expect(bad.status == 2 && bad.stderr.contains("--max-connections"))
        }
    }
}

/// Issue 10: a service that redirects every path in a loop used to pass `check` (the key probes
/// were skipped as redirects, exit 0). No client can use it: it fails as `hub-unreachable`.
extension CheckProbeEndToEndTests {
    @Test func aRedirectLoopOnEveryPathFailsCheckAndProbeAsHubUnreachable() async throws {
        var options = SandboxOptions(key: Self.fixtureKey)
        options.faults = [.redirectLoop]
        try await serving(try await SandboxHub.start(options)) { hub in
            let run = try await check(hub.baseURL)
            #expect(run.status == 1)
            for id in ["probe.health", "probe.redirect"] {
                let f = try #require(run.finding(id), "\(id) missing")
                #expect(f["status"] as? String == "fail" && f["cause"] as? String == "hub-unreachable", "\(id): \(f)")
                let message = f["message"] as? String ?? ""
                #expect(message.contains("redirect loop"), "\(id): \(message)")
                let evidence = (f["evidence"] as? [[String: Any]] ?? []).compactMap { $0["detail"] as? String }
                #expect(evidence.contains { $0.contains("redirect loop") }, "\(id) evidence: \(evidence)")
            }
            #expect((run.finding("probe.health")?["message"] as? String)?.contains("/health → 301 /health/ → 301 /health") == true)
            // The key was never sent along a redirect, and nothing was followed with it.
            #expect(!hub.entries.contains { $0.auth == .bearerKey && $0.path.hasSuffix("/") })
            // Each path once, its slashed twin once: no client-style endless following.
            #expect(hub.entries.filter { $0.path == "/health/" }.count == 1)
            let text = try await Binary.running(["check", "--root", Self.healthy, "--hub-url", hub.baseURL])
            #expect(text.status == 1 && text.stdout.contains("redirect loop"), "\(text.stdout)")
            let probe = try await Binary.running(["probe", hub.baseURL, "--key-env", "K", "--format", "json"], environment: ["K": Self.fixtureKey.text])
            #expect(probe.status == 1 && probe.cause("probe.health") == "hub-unreachable", "\(probe.stdout)")
            expectNoKey(run, [Self.fixtureKey])
        }
    }

    @Test func aRedirectWithinTheOriginThatEndsInAnAnswerIsNoLoop() async throws {
        // /v1/x → /v1/x/ → 401: a detour, followed once, not a loop.
        try await serving(try await HTTPListener.start { request in
            if request.path == "/health" { return .json(200, #"{"status":"ok"}"#) }
            if !request.path.hasSuffix("/") { return ListenerResponse(status: 308, headers: [ListenerHeader("Location", request.path + "/")]) }
            return .json(401, SandboxHub.missingHeader)
        }) { listener in
            let run = try await Binary.running(["probe", listener.baseURL, "--path", "/v1/x", "--key-env", "K", "--format", "json"],
                                               environment: ["K": Self.fixtureKey.text])
            #expect(run.statusOf("probe.redirect") == "pass", "\(run.finding("probe.redirect") ?? [:])")
            #expect(run.cause("probe.redirect") == nil)
        }
    }
}
