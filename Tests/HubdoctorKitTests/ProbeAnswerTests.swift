import Foundation
import Testing
@testable import HubdoctorKit

/// Reading what a service said, and probing services that misbehave in ways the sandbox Hub
/// does not: lying, truncating, oversized, not JSON.
@Suite struct ProbeAnswerTests {
    static let key = SecretValue("hk_Answer0Reading1Key2Value3")

    func response(_ status: Int, _ body: String = "", headers: [(String, String)] = []) -> HTTPClientResponse {
        HTTPClientResponse(status: status, headers: headers.map { (name: $0.0, value: $0.1) }, body: Array(body.utf8))
    }

    @Test func rfc6750ChallengesAreParsedWithQuotedAndBareParameters() {
        let c = AnswerReading.parseChallenge(#"Bearer realm="hub", error="invalid_token", error_description="The key \"k1\" was revoked", scope=read"#)
        #expect(c["scheme"] == "Bearer")
        #expect(c["realm"] == "hub")
        #expect(c["error"] == "invalid_token")
        #expect(c["error_description"] == #"The key "k1" was revoked"#)
        #expect(c["scope"] == "read")
        #expect(AnswerReading.parseChallenge("Basic")["scheme"] == "Basic")
    }

    @Test func keyStateComesFromTheChallengeOrTheBody() {
        let revoked = response(401, headers: [("WWW-Authenticate", #"Bearer error="invalid_token", error_description="token revoked""#)])
        #expect(AnswerReading(revoked).keyState == .revoked)
        #expect(AnswerReading(response(401, #"{"error":"unauthorized","reason":"api_key_not_found"}"#)).keyState == .notFound)
        #expect(AnswerReading(response(403, #"{"error":"missing_supervisor_capability"}"#)).keyState == .missingCapability)
        #expect(AnswerReading(response(403, headers: [("WWW-Authenticate", #"Bearer error="insufficient_scope""#)])).keyState == .insufficientScope)
        #expect(AnswerReading(response(401, #"{"error":"Invalid API key"}"#)).keyState == nil)
    }

    @Test func retryAfterIsReadAsSecondsOrAsAnHTTPDate() {
        #expect(AnswerReading(response(429, headers: [("Retry-After", "900")])).retryAfterSeconds == 900)
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let inTwoMinutes = f.string(from: Date().addingTimeInterval(120))
        let seconds = AnswerReading(response(429, headers: [("Retry-After", inTwoMinutes)])).retryAfterSeconds ?? -1
        #expect(seconds > 100 && seconds <= 121)
        #expect(AnswerReading(response(429, headers: [("Retry-After", "soon")])).retryAfterSeconds == nil)
    }

    @Test func evidenceBodiesAreShortOneLineAndNeverEchoAKey() {
        let echoed = response(401, "{\"error\":\"bad key \(Self.key.text)\"}\n\u{1B}[31m" + String(repeating: "x", count: 1000))
        let body = AnswerReading(echoed).evidenceBody(scrubber: KeyScrubber([Self.key])) ?? ""
        #expect(!body.contains(Self.key.text))
        #expect(body.contains("‹redacted›"))
        #expect(!body.contains("\n") && !body.contains("\u{1B}"))
        #expect(body.count < 340)
    }

    func probe(_ handler: @escaping HTTPListener.Handler, paths: [String] = ["/v1/webhooks"]) async throws -> [Finding] {
        let listener = try await HTTPListener.start(handler: handler)
        return try await serving(listener, stop: { await $0.stop(grace: 0) }) { listener in
            let target = ProbeTarget(baseURL: listener.baseURL, protectedPaths: paths, key: Self.key, filesAgree: true,
                                     serviceName: "Hub", keyLabel: "Core's key")
            let exchanges = await Prober.run(target, ProbeOptions(timeout: 2))
            return ProbeClassifier(target: target, exchanges: exchanges, link: nil, facts: [:]).findings()
        }
    }

    @Test func aServerThatEchoesTheKeyNeverGetsItIntoTheReport() async throws {
        let findings = try await probe { request in
            .json(401, #"{"error":"Invalid API key","got":"\#(request.header("Authorization") ?? "")"}"#)
        }
        let json = JSONReporter.render(Report(command: "probe", findings: findings))
        #expect(!json.contains(Self.key.text))
        #expect(findings.first { $0.check == CheckID.probeKey }?.cause == .keyRejected)
    }

    @Test func aKeyEchoedAcrossTheMessageCutOrJSONEscapedIsStillCutOut() async throws {
        // The message is cut at 160 characters; a key that straddles the cut must be recognised
        // before the cut. And a key with a `/` comes back JSON-escaped as `\/`.
        let slashKey = SecretValue("hk_Answer0/Reading1/Key2Value3")
        let echoed = response(401, #"{"error":"bad key hk_Answer0\/Reading1\/Key2Value3"}"#)
        #expect(!(AnswerReading(echoed).evidenceBody(scrubber: KeyScrubber([slashKey])) ?? "").contains("Reading1"))
        let findings = try await probe { request in
            let padding = String(repeating: "x", count: 140)
            return .json(401, #"{"error":"\#(padding) \#(request.header("Authorization") ?? "")"}"#)
        }
        let json = JSONReporter.render(Report(command: "probe", findings: findings))
        expectNoSecrets(json, [Self.key.text])
    }

    @Test func anHTMLErrorPageAndAHugeBodyAreReadWithoutJSONAndWithoutCrashing() async throws {
        let findings = try await probe { request in
            if request.path == "/health" { return ListenerResponse(status: 200, body: [UInt8](repeating: 65, count: 5 * 1024 * 1024)) }
            return .text(404, "<html><body>nginx: Not Found</body></html>")
        }
        #expect(findings.first { $0.check == CheckID.probeHealth }?.status == .pass)
        let key = findings.first { $0.check == CheckID.probeKey }!
        #expect(key.cause == .hubUnreachable)
        #expect(key.message.contains("(not JSON)"))
        #expect(findings.first { $0.check == CheckID.probeNoAuth }?.status == .warn)
    }

    @Test func aServerThatClosesMidAnswerIsReportedAsSuch() async throws {
        let findings = try await probe { request in
            request.path == "/health"
                ? .json(200, #"{"status":"ok"}"#)
                : ListenerResponse(status: 200, body: Array(repeating: 66, count: 1000), delivery: .truncated(afterBytes: 100))
        }
        let key = findings.first { $0.check == CheckID.probeKey }!
        #expect(key.cause == .hubUnreachable)
        #expect(key.message.contains("closed the connection in the middle of its answer"))
    }

    @Test func plainHTTPToATLSPortIsToldToUseHTTPS() async throws {
        let findings = try await probe { _ in .text(400, "Client sent an HTTP request to an HTTPS server.\n") }
        let health = findings.first { $0.check == CheckID.probeHealth }!
        #expect(health.cause == .hubUnreachable)
        #expect(health.message.contains("Use https://"))
    }

    @Test func aProxyThatStripsAuthorizationIsAHeaderShapeProblem() async throws {
        let findings = try await probe { request in
            request.path == "/health" ? .json(200, "{}") : .json(401, #"{"error":"Missing Authorization header"}"#)
        }
        let key = findings.first { $0.check == CheckID.probeKey }!
        #expect(key.cause == .headerShape)
        #expect(key.message.contains("never reached Hub"))
    }

    @Test func aBasePathInTheURLIsKeptForEveryProbe() async throws {
        let listener = try await HTTPListener.start { request in
            request.path.hasPrefix("/hub/") ? .json(200, "{}") : .text(404, "no")
        }
        try await serving(listener) { listener in
            let target = ProbeTarget(baseURL: listener.baseURL + "/hub/", protectedPaths: ["/v1/webhooks"], key: Self.key)
            let exchanges = await Prober.run(target, ProbeOptions(timeout: 2, noNegative: true))
            let sent = exchanges.filter { $0.kind != .reach && $0.skipReason == nil }
            #expect(sent.map(\.kind) == [.health, .noAuth, .key])
            #expect(sent.allSatisfy { $0.url.hasPrefix(listener.baseURL + "/hub/") && !$0.url.contains("//v1") })
            #expect(exchanges.first { $0.kind == .health }?.status == 200)
        }
    }
}
