import Foundation
import Testing
@testable import HubdoctorKit

/// The WebSocket client on its own, against the sandbox Hub in process and the Python server:
/// what it reads of each step, and that it always ends within its timeout.
@Suite struct WebSocketClientTests {
    static let frame = #"{"type":"auth","api_key":"{{key}}"}"#

    func sandbox(_ configure: (inout SandboxOptions) -> Void = { _ in }) async throws -> (SandboxHub, SecretValue) {
        let key = SandboxOptions.generateKey()
        var options = SandboxOptions(key: key)
        configure(&options)
        return (try await SandboxHub.start(options), key)
    }

    func ws(_ hub: SandboxHub, _ path: String) -> String { "ws://\(hub.address)\(path)" }

    @Test func aValidKeyIsAcceptedAndClosedFromThisSideAfterTheSettleTime() async throws {
        let (hub, key) = try await sandbox()
        try await serving(hub) { hub in
            let r = await WebSocketClient.run(WebSocketRequest(url: ws(hub, "/ws/supervisor"), auth: .message(template: Self.frame), key: key, settle: 0.2))
            guard case .settled = r.ending else { Issue.record("ended \(r.ending)"); return }
            #expect(r.upgradeStatus == 101)
            #expect(r.frames.first?.text == #"{"type":"auth_ok"}"#)
            #expect(r.close?.byServer == false && r.close?.code == 1000)
            #expect(r.sentAuthFrame)
            let total = r.timings.totalMs, first = r.timings.firstFrameMs ?? 0
            #expect(total - first >= 190 && total - first < 1000, "\(first) → \(total) ms")
        }
    }

    @Test func aRevokedKeyReadsTheErrorFrameAndTheCloseCodeAndReason() async throws {
        let revoked = SandboxOptions.generateKey()
        let (hub, _) = try await sandbox { $0.keyStates[revoked] = .revoked }
        try await serving(hub) { hub in
            let r = await WebSocketClient.run(WebSocketRequest(url: ws(hub, "/ws/supervisor"), auth: .message(template: Self.frame), key: revoked))
            guard case .closedByServer = r.ending else { Issue.record("ended \(r.ending)"); return }
            #expect(r.close?.code == 4001)
            #expect(r.close?.reasonText == "api_key_revoked")
            #expect(r.frames.map(\.text) == [#"{"type":"auth_error","reason":"api_key_revoked"}"#])
            let t = r.timings
            #expect((t.connectMs ?? 0) <= (t.upgradeMs ?? 0) && (t.upgradeMs ?? 0) <= (t.firstFrameMs ?? 0) && (t.firstFrameMs ?? 0) <= (t.closeMs ?? 0))
            let reading = WebSocketReading(result: r, scrubber: .empty)
            #expect(reading.meaning == .revoked)
            #expect(reading.closeText == "close 4001 `api_key_revoked`")
        }
    }

    @Test func aServerThatNeverSendsAFrameEndsAtTheTimeout() async throws {
        let (hub, key) = try await sandbox { $0.faults = [.wsSilent] }
        try await serving(hub) { hub in
            let started = Date()
            let r = await WebSocketClient.run(WebSocketRequest(url: ws(hub, "/ws/agent"), auth: .message(template: Self.frame), key: key, timeout: 1))
            let seconds = Date().timeIntervalSince(started)
            guard case .timedOut(.firstFrame) = r.ending else { Issue.record("ended \(r.ending)"); return }
            #expect(r.upgradeStatus == 101)
            #expect(seconds >= 0.95 && seconds < 1.8, "\(seconds) s")
        }
    }

    @Test func aServerThatNeverAnswersTheUpgradeEndsAtTheTimeout() async throws {
        let (hub, key) = try await sandbox { $0.faults = [.hanging] }
        try await serving(hub) { hub in
            let started = Date()
            let r = await WebSocketClient.run(WebSocketRequest(url: ws(hub, "/ws/agent"), auth: .header, key: key, timeout: 1))
            guard case .timedOut(.upgrade) = r.ending else { Issue.record("ended \(r.ending)"); return }
            #expect(Date().timeIntervalSince(started) < 1.8)
        }
    }

    @Test func aRefusedUpgradeKeepsItsStatusHeadersAndBody() async throws {
        let (hub, _) = try await sandbox { $0.faults = [.throttled]; $0.retryAfterSeconds = 42 }
        try await serving(hub) { hub in
            let r = await WebSocketClient.run(WebSocketRequest(url: ws(hub, "/ws/supervisor"), auth: .message(template: Self.frame), key: SecretValue("hubdoctor-test-key")))
            guard case .refused = r.ending else { Issue.record("ended \(r.ending)"); return }
            #expect(r.upgradeStatus == 429)
            #expect(r.refusal?.header("Retry-After") == "42")
            #expect(r.refusal?.bodyText == #"{"error":"Too Many Requests"}"#)
            #expect(!r.sentAuthFrame)
        }
    }

    @Test func nothingListeningIsAConnectionRefused() async throws {
        let port = try await freePort()
        let r = await WebSocketClient.run(WebSocketRequest(url: "ws://127.0.0.1:\(port)/ws/agent", auth: .header, key: SecretValue("hubdoctor-test-key")))
        #expect(r.failure?.kind == .connectionRefused)
    }

    @Test func theKeyGoesIntoTheQueryPercentEncodedAndIsShownAsItsVariable() async throws {
        let (hub, key) = try await sandbox()
        try await serving(hub) { hub in
            let r = await WebSocketClient.run(WebSocketRequest(url: ws(hub, "/ws/bearer?x=1"), auth: .query(name: "token"), key: key, settle: 0.1))
            guard case .settled = r.ending else { Issue.record("ended \(r.ending)"); return }
            #expect(hub.entries.last?.credentialFingerprint == key.fingerprint)
            #expect(WebSocketProber.shownURL(ws(hub, "/ws/bearer?x=1"), .query(name: "token"), variable: "HUB_KEY").hasSuffix("/ws/bearer?x=1&token=$HUB_KEY"))
            let target = WebSocketClient.Target.parse("ws://h/p?x=1")
            guard case .success(let t) = target else { Issue.record("no target"); return }
            #expect(t.requestTarget(auth: .query(name: "token"), key: "a&b=c d") == "/p?x=1&token=a%26b%3Dc%20d")
        }
    }

    @Test func aTemplateThatIsJSONGetsTheKeyEscaped() {
        #expect(WebSocketAuth.fill(#"{"api_key":"{{key}}"}"#, key: #"a"b\c"#) == #"{"api_key":"a\"b\\c"}"#)
        #expect(WebSocketAuth.fill("AUTH {{key}}", key: #"a"b"#) == #"AUTH a"b"#)
        #expect(WebSocketAuth.templateNames(#"{"type":"auth","api_key":"{{key}}"}"#, field: "project_dir") == false)
    }

    @Test func reasonsMapToTheirMeanings() {
        let cases: [(String, WebSocketReading.Meaning?)] = [
            ("api_key_not_found", .notFound), ("api_key_revoked", .revoked), ("missing_supervisor_capability", .missingCapability),
            ("missing_agent_capability", .missingCapability), ("invalid_api_key", .invalidKey), ("no_project_or_rootless", .noProjectOrRootless),
            ("too_many_attempts", .throttled), ("session_quota_exceeded", nil), ("", nil),
        ]
        for (reason, meaning) in cases { #expect(WebSocketReading.meaning(of: reason) == meaning, "\(reason)") }
        #expect(WebSocketReading.isErrorFrame(#"{"type":"auth_error","reason":"x"}"#))
        #expect(!WebSocketReading.isErrorFrame(#"{"type":"auth_ok"}"#))
        #expect(!WebSocketReading.isErrorFrame(#"{"type":"hello","error":null}"#))
    }

    @Test func shownTextLosesControlCharactersAndKeys() {
        let key = "hk_Secret0123456789abcdef"
        let scrubber = KeyScrubber(keys: [key])
        let text = WebSocketReading.clean("bad key \(key)\u{07}\n\u{202E}tail", scrubber: scrubber)
        #expect(text == "bad key ‹redacted›tail")
        // A key cut by the close reason's 123-byte limit is still removed.
        #expect(WebSocketReading.clean("x " + String(key.prefix(14)), scrubber: scrubber) == "x ‹redacted›")
    }

    /// A port with nothing listening: bound, then closed.
    func freePort() async throws -> Int {
        let listener = try await HTTPListener.start(host: "127.0.0.1", port: 0) { _ in .text(200, "") }
        let port = listener.port
        await listener.stop(grace: 0)
        return port
    }
}

/// `wss:` with the HTTP probes' trust: the system's authorities or `--cacert`, and the name.
@Suite struct WebSocketTLSTests {
    @Test func wssTrustsOnlyWhatTheHTTPProbesTrust() async throws {
        guard let openssl = ["/usr/bin/openssl", "/usr/local/bin/openssl"].first(where: FileManager.default.isExecutableFile(atPath:)) else {
            if ProcessInfo.processInfo.environment["CI"] != nil { Issue.record("openssl is required for the TLS tests in CI") }
            return
        }
        let dir = TemporaryLayout()
        let make = Process()
        make.executableURL = URL(fileURLWithPath: openssl)
        make.arguments = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                          "-addext", "subjectAltName=DNS:localhost", "-keyout", dir.path("key.pem"), "-out", dir.path("cert.pem")]
        make.standardError = FileHandle.nullDevice
        try make.run()
        make.waitUntilExit()
        let revoked = SandboxOptions.generateKey()
        let server = try await PythonWebSocketServer.start(valid: SandboxOptions.generateKey().text, revoked: revoked.text, noCapability: "",
                                                           tls: (dir.path("cert.pem"), dir.path("key.pem")))
        defer { server.stop() }
        let env = ["K": revoked.text]
        let url = "wss://localhost:\(server.port)/ws/supervisor"
        let trusted = try await Binary.running(["probe", url, "--key-env", "K", "--cacert", dir.path("cert.pem"), "--format", "json"], environment: env)
        #expect(trusted.cause("probe.websocket") == "key-revoked", "\(trusted.stdout)")
        let tls = (trusted.finding("probe.websocket")?["evidence"] as? [[String: Any]])?.first?["websocket"] as? [String: Any]
        #expect(((tls?["timings"] as? [String: Any])?["tlsMs"] as? Double ?? 0) > 0)
        let untrusted = try await Binary.running(["probe", url, "--key-env", "K", "--format", "json"], environment: env)
        #expect(untrusted.cause("probe.websocket") == "hub-unreachable")
        #expect((untrusted.finding("probe.websocket")?["message"] as? String)?.contains("cannot be verified") == true, "\(untrusted.stdout)")
        let otherName = try await Binary.running(["probe", "wss://127.0.0.1:\(server.port)/ws/supervisor", "--key-env", "K", "--cacert", dir.path("cert.pem"),
                                                  "--format", "json"], environment: env)
        #expect(otherName.cause("probe.websocket") == "hub-unreachable")
        #expect((otherName.finding("probe.websocket")?["message"] as? String)?.contains("TLS") == true, "\(otherName.stdout)")
        let plain = try await Binary.running(["probe", "ws://localhost:\(server.port)/ws/supervisor", "--key-env", "K", "--format", "json"], environment: env)
        #expect(plain.cause("probe.websocket") == "hub-unreachable", "\(plain.stdout)")
        expectNoKeyFragments(trusted.all + untrusted.all + otherName.all + plain.all, [revoked.text])
    }
}
