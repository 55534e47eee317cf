import Foundation
import Testing
@testable import HubdoctorKit

/// `hubdoctor check` and `hubdoctor probe ws://…` (the built binary) against seed 001's
/// WebSocket auth: the sandbox Hub on loopback, and an independent Python server
/// (`fixtures/websocket/hub_ws_server.py`, on the `websockets` library) that no hubdoctor code
/// runs in.
@Suite(.serialized) struct WebSocketProbeEndToEndTests {
    /// The four key states of the issue, each a caller of its own.
    struct Keys: Sendable {
        let valid = SandboxOptions.generateKey()
        let revoked = SandboxOptions.generateKey()
        let noCapability = SandboxOptions.generateKey()
        let unknown = SandboxOptions.generateKey()

        var all: [SecretValue] { [valid, revoked, noCapability, unknown] }
        var texts: [String] { all.map(\.text) }
        /// Link name → key, and the verdict `probe.websocket` must give.
        var links: [(name: String, key: SecretValue, cause: String?)] {
            [("valid-to-hub", valid, nil), ("revoked-to-hub", revoked, "key-revoked"),
             ("nocap-to-hub", noCapability, "missing-capability"), ("unknown-to-hub", unknown, "key-not-found")]
        }
    }

    static let supervisorFrame = #"{"type":"auth","api_key":"{{key}}"}"#
    static let agentFrame = #"{"type":"auth","api_key":"{{key}}","project_dir":"/srv/app"}"#

    /// A layout with one env file per caller and a config whose links leave out `service.key`.
    static func layout(_ links: [(name: String, key: SecretValue)], url: String, path: String, auth: String,
                       health: Bool = true) -> (TemporaryLayout, String) {
        let layout = TemporaryLayout()
        var yaml = "version: 1\nlinks:\n"
        for link in links {
            let caller = String(link.name.prefix { $0 != "-" })
            layout.write("\(caller)/.env", "HUB_KEY=\(link.key.text)\n")
            yaml += """
              - name: \(link.name)
                caller:
                  name: \(caller)
                  key: {env: \(caller)/.env, var: HUB_KEY}
                  url: \(url)
                  restart: systemctl restart \(caller)
                service:
                  name: Hub
                probes:
                  health: \(health ? "/health" : "null")
                  websocket:
                    path: \(path)
                    auth: \(auth)

            """
        }
        return (layout, layout.write("hubdoctor.yaml", yaml))
    }

    static func message(_ template: String) -> String { "{message: '\(template)'}" }

    func finding(_ run: Binary.Result, _ check: String, link: String) -> [String: Any]? {
        run.findings.first { $0["check"] as? String == check && $0["link"] as? String == link }
    }

    func websocketEvidence(_ f: [String: Any]?) -> [String: Any]? {
        (f?["evidence"] as? [[String: Any]])?.first?["websocket"] as? [String: Any]
    }

    /// The four states give their causes with the close code and reason in the evidence, and no
    /// output holds a key.
    func expectFourStates(_ run: Binary.Result, _ keys: Keys, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(run.status == 1, "\(run.stderr)", sourceLocation: sourceLocation)
        for link in keys.links {
            let f = finding(run, "probe.websocket", link: link.name)
            #expect(f?["cause"] as? String == link.cause, "\(link.name): \(f?["message"] ?? "no finding")", sourceLocation: sourceLocation)
            #expect(f?["status"] as? String == (link.cause == nil ? "pass" : "fail"), sourceLocation: sourceLocation)
            let w = websocketEvidence(f)
            #expect(w?["upgradeStatus"] as? Int == 101, sourceLocation: sourceLocation)
            if let cause = link.cause {
                let reason = ["key-revoked": "api_key_revoked", "missing-capability": "missing_supervisor_capability",
                              "key-not-found": "api_key_not_found"][cause]
                #expect(w?["closeCode"] as? Int == 4001, sourceLocation: sourceLocation)
                #expect(w?["closeReason"] as? String == reason, sourceLocation: sourceLocation)
                #expect(w?["closedBy"] as? String == "server", sourceLocation: sourceLocation)
                #expect((f?["message"] as? String)?.contains("close 4001 `\(reason ?? "")`") == true, sourceLocation: sourceLocation)
                let frames = w?["frames"] as? [[String: Any]] ?? []
                #expect(frames.first?["type"] as? String == "auth_error", sourceLocation: sourceLocation)
                #expect(frames.first?["reason"] as? String == reason, sourceLocation: sourceLocation)
                let timings = w?["timings"] as? [String: Any] ?? [:]
                #expect(timings["closeMs"] as? Double != nil && timings["upgradeMs"] as? Double != nil, sourceLocation: sourceLocation)
                // The runbook's steps, filled with the link's names.
                let steps = (f?["remediation"] as? [[String: Any]] ?? []).map { "\($0["text"] ?? "") \($0["run"] ?? "")" }
                #expect(f?["runbook"] as? String == "websocket-auth", sourceLocation: sourceLocation)
                #expect(steps.contains { $0.contains("systemctl restart \(link.name.prefix { $0 != "-" })") }, "\(steps)", sourceLocation: sourceLocation)
            } else {
                #expect(w?["closedBy"] as? String == "hubdoctor", sourceLocation: sourceLocation)
                #expect((w?["frames"] as? [[String: Any]])?.first?["type"] as? String == "auth_ok", sourceLocation: sourceLocation)
            }
            // The key checks step aside: the Hub's keys are in its database.
            let match = finding(run, "keys.match", link: link.name)
            #expect(match?["status"] as? String == "skip", sourceLocation: sourceLocation)
            #expect((match?["message"] as? String)?.contains("own store") == true, sourceLocation: sourceLocation)
        }
        expectNoKeyFragments(run.all, keys.texts)
    }

    @Test func theSandboxsFourKeyStatesGiveNotFoundRevokedMissingCapabilityAndPass() async throws {
        let keys = Keys()
        var options = SandboxOptions(key: keys.valid)
        options.keyStates = [keys.revoked: .revoked, keys.noCapability: .missingCapability]
        let hub = try await SandboxHub.start(options)
        try await serving(hub) { hub in try await sandboxFourStates(hub, keys) }
    }

    /// The body of the test above, as a method: the compiler's region analysis crashed on it as a closure.
    func sandboxFourStates(_ hub: SandboxHub, _ keys: Keys) async throws {
        let made = Self.layout(keys.links.map { ($0.name, $0.key) }, url: hub.baseURL, path: "/ws/supervisor",
                               auth: Self.message(Self.supervisorFrame))
        let config = made.1
        let run = try await Binary.running(["check", "--config", config, "--format", "json"])
        expectFourStates(run, keys)
        // Budget: each real key went out once, on one connection; one throwaway token in all.
        let sockets = hub.entries.filter { $0.method == "WS" }
        for key in keys.all {
            #expect(sockets.filter { $0.credentialFingerprint == key.fingerprint }.count == 1)
        }
        let others = sockets.filter { e in !keys.all.contains { $0.fingerprint == e.credentialFingerprint } }
        #expect(others.count == 1, "\(others)")
        #expect(!others.contains { $0.carriesKey })
        let text = try await Binary.running(["check", "--config", config])
        #expect(text.stdout.contains("close 4001 `api_key_revoked`"))
        expectNoKeyFragments(text.all, keys.texts)
        withExtendedLifetime(made.0) {}
    }

    @Test func anIndependentPythonServerGivesTheSameFourVerdicts() async throws {
        let keys = Keys()
        let server = try await PythonWebSocketServer.start(valid: keys.valid.text, revoked: keys.revoked.text, noCapability: keys.noCapability.text)
        defer { server.stop() }
        let (layout, config) = Self.layout(keys.links.map { ($0.name, $0.key) }, url: server.httpBase, path: "/ws/supervisor",
                                           auth: Self.message(Self.supervisorFrame), health: false)
        let run = try await Binary.running(["check", "--config", config, "--format", "json"])
        expectFourStates(run, keys)
        _ = layout
    }

    @Test func agentReasonsInvalidKeyAndNoProjectOrRootless() async throws {
        let keys = Keys()
        var options = SandboxOptions(key: keys.valid)
        options.keyStates = [keys.revoked: .revoked]
        let hub = try await SandboxHub.start(options)
        try await serving(hub) { hub in
            let server = try await PythonWebSocketServer.start(valid: keys.valid.text, revoked: keys.revoked.text, noCapability: keys.noCapability.text)
            defer { server.stop() }
            for (base, health) in [(hub.baseURL, true), (server.httpBase, false)] {
                let (l1, withProject) = Self.layout([("revoked-to-hub", keys.revoked)], url: base, path: "/ws/agent", auth: Self.message(Self.agentFrame), health: health)
                let refused = try await Binary.running(["check", "--config", withProject, "--format", "json"])
                let f = finding(refused, "probe.websocket", link: "revoked-to-hub")
                #expect(f?["cause"] as? String == "key-rejected", "\(f?["message"] ?? "")")
                #expect(websocketEvidence(f)?["closeReason"] as? String == "invalid_api_key")
                let (l2, noProject) = Self.layout([("valid-to-hub", keys.valid)], url: base, path: "/ws/agent", auth: Self.message(Self.supervisorFrame), health: health)
                let bare = try await Binary.running(["check", "--config", noProject, "--format", "json"])
                let g = finding(bare, "probe.websocket", link: "valid-to-hub")
                #expect(g?["cause"] as? String == "header-shape", "\(g?["message"] ?? "")")
                #expect(websocketEvidence(g)?["closeReason"] as? String == "no_project_or_rootless")
                let steps = (g?["remediation"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }
                #expect(steps.contains { $0.contains("project_dir or rootless_sessions") }, "\(steps)")
                expectNoKeyFragments(refused.all + bare.all, keys.texts)
                _ = (l1, l2)
            }
        }
    }

    /// A server that accepts the upgrade and then says nothing is reported within the timeout,
    /// and gets no throwaway token (silence proves nothing about a key).
    @Test func aSilentServerIsReportedWithinTheTimeout() async throws {
        let keys = Keys()
        var options = SandboxOptions(key: keys.valid)
        options.faults = [.wsSilent]
        let hub = try await SandboxHub.start(options)
        try await serving(hub) { hub in
            let server = try await PythonWebSocketServer.start(valid: keys.valid.text, revoked: keys.revoked.text, noCapability: keys.noCapability.text)
            defer { server.stop() }
            for (base, path, health) in [(hub.baseURL, "/ws/supervisor", true), (server.httpBase, "/ws/silent", false)] {
                let (layout, config) = Self.layout([("valid-to-hub", keys.valid)], url: base, path: path, auth: Self.message(Self.supervisorFrame), health: health)
                let (run, seconds) = try await Binary.timedRunAsync(["check", "--config", config, "--format", "json", "--timeout", "2"])
                let f = finding(run, "probe.websocket", link: "valid-to-hub")
                #expect(f?["status"] as? String == "warn", "\(f?["message"] ?? "")")
                #expect(f?["cause"] as? String == "hub-unreachable")
                #expect((f?["message"] as? String)?.contains("no frame and no close came within 2 s") == true, "\(f?["message"] ?? "")")
                let w = websocketEvidence(f)
                #expect(w?["outcome"] as? String == "timeout")
                let total = (w?["timings"] as? [String: Any])?["totalMs"] as? Double ?? 0
                #expect(total >= 1900 && total < 2600, "\(total) ms")
                #expect(seconds < 2 + 4, "\(seconds) s")
                #expect(finding(run, "probe.websocket.wrong-key", link: "valid-to-hub")?["status"] as? String == "skip")
                _ = layout
            }
            #expect(hub.entries.filter { $0.method == "WS" }.count == 1)
        }
    }

    /// An upgrade refused with 401 reads as the HTTP 401 of a protected path does.
    @Test func anUpgradeRefusedWith401ReadsAsTheHTTP401() async throws {
        let keys = Keys()
        let hub = try await SandboxHub.start(SandboxOptions(key: keys.valid))
        try await serving(hub) { hub in
            let server = try await PythonWebSocketServer.start(valid: keys.valid.text, revoked: keys.revoked.text, noCapability: keys.noCapability.text)
            defer { server.stop() }
            // The HTTP reading of the same key, for comparison.
            let http = try await Binary.running(["probe", hub.baseURL, "--key-env", "HUB_KEY", "--path", "/v1/webhooks", "--format", "json", "--no-negative"],
                                                environment: ["HUB_KEY": keys.unknown.text])
            let httpKey = http.finding("probe.key")
            #expect(httpKey?["cause"] as? String == "key-rejected")
            for base in [hub.baseURL, server.httpBase] {
                let (layout, config) = Self.layout([("unknown-to-hub", keys.unknown)], url: base, path: "/ws/bearer",
                                                   auth: "{header: Authorization}", health: base == hub.baseURL)
                let run = try await Binary.running(["check", "--config", config, "--format", "json"])
                let f = finding(run, "probe.websocket", link: "unknown-to-hub")
                #expect(f?["cause"] as? String == httpKey?["cause"] as? String, "\(f?["message"] ?? "")")
                #expect(f?["status"] as? String == "fail")
                #expect(websocketEvidence(f)?["upgradeStatus"] as? Int == 401)
                #expect((websocketEvidence(f)?["body"] as? String)?.contains("Invalid API key") == true)
                #expect((f?["message"] as? String)?.hasPrefix("The WebSocket upgrade is refused: GET /ws/bearer answers 401 `Invalid API key`") == true,
                        "\(f?["message"] ?? "")")
                expectNoKeyFragments(run.all, keys.texts)
                _ = layout
            }
            // With the right key the same endpoint upgrades and accepts.
            let ok = try await Binary.running(["probe", hub.baseURL.replacingOccurrences(of: "http:", with: "ws:") + "/ws/bearer", "--key-env", "HUB_KEY",
                                               "--ws-header", "--format", "json"], environment: ["HUB_KEY": keys.valid.text])
            #expect(ok.statusOf("probe.websocket") == "pass", "\(ok.stdout)")
            #expect(ok.statusOf("probe.websocket.wrong-key") == "pass", "\(ok.stdout)")
            expectNoKeyFragments(ok.all + http.all, keys.texts)
        }
    }

    @Test func probeWebSocketURLWithEachWayOfSendingTheKey() async throws {
        let keys = Keys()
        var options = SandboxOptions(key: keys.valid)
        options.keyStates = [keys.revoked: .revoked]
        let hub = try await SandboxHub.start(options)
        try await serving(hub) { hub in
            let ws = hub.baseURL.replacingOccurrences(of: "http:", with: "ws:")
            let revoked = try await Binary.running(["probe", ws + "/ws/supervisor", "--key-env", "K", "--format", "json"], environment: ["K": keys.revoked.text])
            #expect(revoked.status == 1)
            #expect(revoked.cause("probe.websocket") == "key-revoked")
            let evidence = revoked.finding("probe.websocket").flatMap(websocketEvidence)
            #expect(evidence?["sent"] as? String == "auth frame " + Self.supervisorFrame)
            #expect((evidence?["command"] as? String)?.contains("--key-env K") == true)
            let query = try await Binary.running(["probe", ws + "/ws/bearer", "--key-env", "K", "--ws-query", "token", "--format", "json"], environment: ["K": keys.valid.text])
            #expect(query.statusOf("probe.websocket") == "pass", "\(query.stdout)")
            #expect((query.finding("probe.websocket").flatMap(websocketEvidence)?["url"] as? String)?.hasSuffix("/ws/bearer?token=$K") == true)
            let text = try await Binary.running(["probe", ws + "/ws/supervisor", "--key-env", "K", "--ws-message", Self.supervisorFrame], environment: ["K": keys.revoked.text])
            #expect(text.stdout.contains("api_key_revoked"))
            expectNoKeyFragments(revoked.all + query.all + text.all, keys.texts)
            let bad = try await Binary.running(["probe", ws + "/ws/supervisor", "--key-env", "K", "--ws-message", "{}"], environment: ["K": keys.valid.text])
            #expect(bad.status == 2)
        }
    }

    /// Reasons hubdoctor does not know are shown in the server's words, never dropped; control
    /// characters and any key material are removed first.
    @Test func unknownReasonsAreShownInTheServersWordsWithoutKeysOrControlCharacters() async throws {
        let keys = Keys()
        let server = try await PythonWebSocketServer.start(valid: keys.valid.text, revoked: keys.revoked.text, noCapability: keys.noCapability.text)
        defer { server.stop() }
        func probe(_ path: String) async throws -> Binary.Result {
            try await Binary.running(["probe", server.base + path, "--key-env", "K", "--format", "json", "--timeout", "2"], environment: ["K": keys.valid.text])
        }
        let quota = try await probe("/ws/close?code=4009&reason=session_quota_exceeded")
        #expect(quota.statusOf("probe.websocket") == "warn")
        #expect(quota.cause("probe.websocket") == "key-rejected")
        #expect((quota.finding("probe.websocket")?["message"] as? String)?.contains("`session_quota_exceeded`") == true)
        let expired = try await probe("/ws/close?code=4001&reason=token_expired")
        #expect(expired.statusOf("probe.websocket") == "fail")
        #expect(expired.cause("probe.websocket") == "key-rejected")
        #expect((expired.finding("probe.websocket")?["message"] as? String)?.contains("token_expired") == true)
        let echo = try await probe("/ws/echo")
        let reason = echo.finding("probe.websocket").flatMap(websocketEvidence)?["closeReason"] as? String
        #expect(reason == "bad key ‹redacted›", "\(reason ?? "nil")")
        #expect(!echo.stdout.contains("\\u0007"))
        let silentClose = try await probe("/ws/noclose")
        #expect(silentClose.cause("probe.websocket") == "key-not-found")
        #expect((silentClose.finding("probe.websocket")?["message"] as? String)?.contains("no close within 2 s") == true)
        expectNoKeyFragments(quota.all + expired.all + echo.all + silentClose.all, keys.texts)
    }

    @Test func demoShowsTheWebSocketCase() async throws {
        let run = try await Binary.running(["demo", "--websocket", "--format", "json"])
        #expect(run.status == 1)
        #expect(run.cause("probe.websocket") == "key-revoked", "\(run.stdout)")
        let text = try await Binary.running(["demo", "--websocket"])
        #expect(text.stdout.contains("api_key_revoked"))
        #expect(text.stdout.contains("systemctl restart remo-supervisor"))
    }
}
