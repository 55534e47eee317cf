import Foundation

/// Turns the WebSocket probes of a link into `probe.websocket` and `probe.websocket.wrong-key`
/// findings. A refused upgrade is read exactly as the HTTP probes read the same answer; after an
/// upgrade, the close reason (or the error frame's `reason`) names the cause; a reason nobody
/// taught hubdoctor is shown in the server's own words, never dropped.
struct WebSocketClassifier {
    let target: ProbeTarget
    let spec: WebSocketProbeSpec
    let exchanges: [WebSocketProbeExchange]
    /// The HTTP probes' classifier of the same link, for refused upgrades.
    let http: ProbeClassifier
    let link: String?
    let facts: [String: String]
    let timeout: Double

    /// The service says the key is refused for this reason, with the runbook made for it.
    static let runbook = "websocket-auth"
    /// The causes that runbook explains for WebSocket clients.
    static let ownCauses: Set<Cause> = [.keyNotFound, .keyRevoked, .missingCapability, .keyRejected, .keyDrift, .headerShape]

    var scrubber: KeyScrubber { SecretRegistry.shared.scrubber.adding(target.secrets) }

    var url: String { spec.url(base: target.baseURL) }

    var path: String {
        URLComponents(string: url).map { $0.percentEncodedPath.isEmpty ? "/" : $0.percentEncodedPath } ?? spec.path
    }

    func findings() -> [Finding] {
        exchanges.map(finding)
    }

    func finding(_ e: WebSocketProbeExchange) -> Finding {
        let v = verdict(e)
        var f = facts
        f.merge(v.facts) { _, new in new }
        f["websocket.url"] = e.kind == .key ? e.url : shownKeyURL
        f["websocket.path"] = path
        f["websocket.auth"] = authKind
        let title = e.kind == .key
            ? "\(target.serviceTitle) accepts \(target.keyLabel) on its WebSocket \(path)"
            : "\(target.serviceTitle)'s WebSocket \(path) refuses a key it cannot know"
        let message = e.skipReason.map { "Skipped: " + $0 } ?? v.sentence
        let evidence = e.result.map { [self.evidence(e, $0)] } ?? []
        let runbook = v.cause.map { Self.ownCauses.contains($0) ? Self.runbook : $0.defaultRunbook }
        return Finding(check: e.check, status: v.status, cause: v.cause, title: title, message: scrubber.scrub(message), evidence: evidence,
                       runbook: runbook, remediation: v.remediation, link: link, facts: f)
    }

    var shownKeyURL: String { exchanges.first { $0.kind == .key }?.url ?? Redact.url(url) }

    var authKind: String {
        switch spec.auth {
        case .message: return "message"
        case .header: return "header"
        case .query: return "query"
        }
    }

    func verdict(_ e: WebSocketProbeExchange) -> ProbeVerdict {
        guard let r = e.result else { return .skip(e.skipReason ?? "not sent") }
        return e.kind == .key ? keyVerdict(r) : wrongKeyVerdict(r)
    }

    // MARK: - The caller's key

    func keyVerdict(_ r: WebSocketResult) -> ProbeVerdict {
        let reading = WebSocketReading(result: r, scrubber: scrubber)
        var v = keyVerdictSentence(r, reading)
        v.facts.merge(resultFacts(reading)) { a, _ in a }
        return v
    }

    func keyVerdictSentence(_ r: WebSocketResult, _ reading: WebSocketReading) -> ProbeVerdict {
        let service = target.serviceName
        let label = target.keyLabel
        switch r.ending {
        case .failed(let f):
            return .fail(.hubUnreachable, "WebSocket \(path): \(f.reason).")
        case .refused:
            return refusedUpgrade(r)
        case .timedOut(.upgrade):
            return .fail(.hubUnreachable, String(format: "WebSocket \(path): no answer to the upgrade within %g s. Something accepts the connection " +
                "but does not answer (a hung \(service), or a proxy that holds upgrades).", timeout))
        default:
            break
        }
        let said = saidText(r, reading)
        if let meaning = reading.meaning {
            switch meaning {
            case .notFound:
                return .fail(.keyNotFound, "\(said): \(service)'s key store does not know \(label). It was never issued there, was deleted, belongs to " +
                    "another environment, or \(target.callerName) is pointed at another \(service). Issue a key in this \(service) and install it where \(target.callerName) reads it.")
            case .revoked:
                return .fail(.keyRevoked, "\(said): \(service) knows \(label) but it has been revoked. A revoked key never works again: issue a new one, install it and restart \(target.callerName).")
            case .missingCapability:
                return .fail(.missingCapability, "\(said): \(label) is valid and not revoked, but lacks the capability this endpoint needs " +
                    "(\(capabilityName(reading) ?? "named in the reason")). Grant it, or issue a key that has it.")
            case .invalidKey:
                return byFiles(said, "\(service) does not accept \(label) (unknown or revoked: this endpoint does not say which).")
            case .noProjectOrRootless:
                var sentence = "\(said): the auth frame names neither a project_dir nor rootless_sessions, so \(service) refuses the agent before it uses the key."
                if case .message(let template) = spec.auth, WebSocketAuth.templateNames(template, field: "project_dir") == false {
                    sentence += " The probe's template (probes.websocket.auth.message) has no project_dir either: add the one the agent sends, or rootless_sessions: true."
                } else {
                    sentence += " Start the agent with a project directory, or enable rootless sessions."
                }
                return .fail(.headerShape, sentence)
            case .throttled:
                return .fail(.throttled, "\(said): \(service) is throttling this client after too many failed attempts. hubdoctor does not retry, so as not to extend the block.")
            }
        }
        if let error = reading.errorFrame, r.close?.byServer != true || reading.rawCloseReason == nil {
            _ = error
            return unknownRefusal(r, reading, said)
        }
        if case .closedByServer = r.ending {
            return unknownRefusal(r, reading, said)
        }
        switch r.ending {
        case .settled:
            let first = r.frames.first.map { reading.type(of: $0) ?? $0.kind.rawValue } ?? "a frame"
            return .pass(String(format: "WebSocket \(path): upgraded (101) in %.0f ms; \(authSentence) was answered with `\(first)` at %.0f ms and no " +
                "close followed, so \(service) accepted \(label) (hubdoctor then closed with 1000).", r.timings.upgradeMs ?? 0, r.timings.firstFrameMs ?? 0))
        case .droppedWithoutClose:
            return .warn(.hubUnreachable, String(format: "WebSocket \(path): upgraded (101) in %.0f ms, then the connection dropped without a close " +
                "frame (1006) at %.0f ms. An older \(service) drops refused clients like this, without a reason; so does a proxy with a short idle " +
                "timeout. Its log says which (hubdoctor logs).", r.timings.upgradeMs ?? 0, r.timings.totalMs))
        case .timedOut(.firstFrame):
            return .warn(.hubUnreachable, String(format: "WebSocket \(path): upgraded (101) in %.0f ms and \(authSentence) was sent, but no frame and " +
                "no close came within %g s. Either \(service) accepts clients silently, or it hangs on the auth (a stuck key store); its log shows " +
                "which. \(target.callerName) would see a connection that opens and then nothing.", r.timings.upgradeMs ?? 0, timeout))
        default:
            return .warn(.hubUnreachable, "WebSocket \(path): \(reading.closeText).")
        }
    }

    /// `WebSocket /ws/agent: upgraded (101) in 3 ms; auth_error (api_key_revoked) at 5 ms, close 4001 `api_key_revoked` at 5 ms`
    func saidText(_ r: WebSocketResult, _ reading: WebSocketReading) -> String {
        var parts = [String(format: "upgraded (101) in %.0f ms", r.timings.upgradeMs ?? 0)]
        if let f = reading.errorFrame {
            var s = "`\(reading.type(of: f) ?? "error frame")`"
            if let reason = reading.rawReason(of: f).map({ reading.clean($0, limit: 120) }), !reason.isEmpty { s += " (\(reason))" }
            parts.append(s + String(format: " at %.0f ms", f.atMs))
        }
        if let c = r.close, c.byServer {
            parts.append("close \(c.code.map(String.init) ?? "without a code")" + (reading.rawCloseReason.map { " `\(reading.clean($0, limit: 120))`" } ?? "")
                         + String(format: " at %.0f ms", c.atMs))
        } else if case .timedOut(.close) = r.ending {
            parts.append(String(format: "no close within %g s", timeout))
        }
        return "WebSocket \(path): " + parts.joined(separator: ", ")
    }

    var authSentence: String {
        switch spec.auth {
        case .message: return "the auth frame"
        case .header: return "the upgrade with `Authorization: Bearer`"
        case .query(let name): return "the upgrade with ?\(name)="
        }
    }

    func capabilityName(_ reading: WebSocketReading) -> String? {
        guard let reason = reading.rawReason?.lowercased() else { return nil }
        let words = reason.split { !$0.isLetter && $0 != "_" }.map(String.init)
        return words.first { $0.hasPrefix("missing_") && $0.hasSuffix("_capability") }
            .map { String($0.dropFirst("missing_".count).dropLast("_capability".count)) + " capability" }
    }

    /// A refusal in words hubdoctor does not know: the server's words, with the cause that fits
    /// its close code.
    func unknownRefusal(_ r: WebSocketResult, _ reading: WebSocketReading, _ said: String) -> ProbeVerdict {
        let code = reading.closeCode
        let words = (reading.rawReason ?? "").lowercased()
        let service = target.serviceName
        if let code, [1013, 4029, 4429].contains(code) {
            return .fail(.throttled, "\(said): \(service) asks this client to back off (\(code)). hubdoctor does not retry.")
        }
        if code == 4403 || code == 4003 || words.contains("forbidden") || words.contains("scope") {
            return .fail(.forbiddenScope, "\(said): \(service) accepts \(target.keyLabel) but does not allow it here (its role or scope).")
        }
        if code == 1011 {
            return .warn(.hubUnreachable, "\(said): \(service) failed internally (1011), so its auth cannot be judged.")
        }
        let authWords = ["auth", "key", "token", "unauthori", "credential", "denied", "invalid"]
        let aboutAuth = [4001, 4401, 1008].contains(code ?? 0) || authWords.contains { words.contains($0) } || reading.errorFrame != nil
        let theirWords = reading.reason.map { " (\(service)'s words: `\($0)`; hubdoctor does not know this reason)" } ?? ""
        if aboutAuth {
            if reading.reason == nil {
                return byFiles(said, "\(service) refuses \(target.keyLabel) without saying why (an older \(service) closes 4001 without a reason for " +
                    "every failure: not found, revoked and missing capability look alike; its log may say more).")
            }
            return byFiles(said, "\(service) refuses \(target.keyLabel)\(theirWords).")
        }
        if code == 1000 || code == 1001 || code == nil {
            return .warn(.keyRejected, "\(said): \(service) ended the connection right after \(authSentence), without an error frame or a " +
                "reason\(theirWords). hubdoctor cannot tell whether the key was the problem.")
        }
        return .warn(.keyRejected, "\(said): a close code hubdoctor does not know\(theirWords). It may or may not be about the key.")
    }

    /// A plain refusal of the key: what the files say decides between drift and a running
    /// service that holds another key, as for an HTTP 401.
    func byFiles(_ said: String, _ what: String) -> ProbeVerdict {
        let service = target.serviceName
        switch target.filesAgree {
        case false?:
            return .fail(.keyDrift, "\(said): \(what) This confirms the drift that the key comparison found: make both sides hold the same key, then restart both.")
        case true?:
            return .fail(.keyRejected, "\(said): \(what) Both files hold the same key, so the running \(service) holds another one: restart it so that " +
                "it reads \(target.serviceKeyLabel ?? "its file") again.")
        case nil:
            return .fail(.keyRejected, "\(said): \(what) Check that \(target.callerName) calls the right \(service), and that the key it holds is one this \(service) issued.")
        }
    }

    /// A refused upgrade is an HTTP answer: read it as the HTTP probes do.
    func refusedUpgrade(_ r: WebSocketResult) -> ProbeVerdict {
        guard let response = r.refusal else { return .fail(.hubUnreachable, "WebSocket \(path): the upgrade was refused.") }
        let exchange = ProbeExchange(kind: .key, method: "GET", url: shownKeyURL, path: path, curl: "", outcome: .answered(response))
        let said = http.answerText(response)
        switch response.status {
        case 101:
            return .fail(.hubUnreachable, "WebSocket \(path): 101 without a valid upgrade.")
        case 200..<300:
            return .fail(.hubUnreachable, "GET \(path) answers \(said) instead of 101 Switching Protocols: nothing speaks WebSocket there (a catch-all " +
                "route, or a proxy that drops the Upgrade header).")
        case 300..<400:
            return .fail(.hubUnreachable, "GET \(path) redirects (\(response.status)) to \(response.header("Location").map(Redact.url) ?? "nowhere"): " +
                "WebSocket clients do not follow redirects. Use the final URL.")
        case 400, 426:
            return .fail(.hubUnreachable, "GET \(path) refuses the upgrade with \(said): a proxy in front of \(target.serviceName) may not pass " +
                "WebSocket upgrades (nginx needs `proxy_set_header Upgrade $http_upgrade` and `Connection \"upgrade\"`).")
        case 404:
            return .fail(.hubUnreachable, "GET \(path) answers \(said): there is no WebSocket endpoint at this path (a wrong path, or the URL points at another service).")
        default:
            var v = http.verdict(exchange)
            v.sentence = "The WebSocket upgrade is refused: " + v.sentence
            return v
        }
    }

    func resultFacts(_ reading: WebSocketReading) -> [String: String] {
        var f: [String: String] = [:]
        if let s = reading.result.upgradeStatus { f["websocket.upgrade_status"] = String(s) }
        if let c = reading.closeCode { f["websocket.close_code"] = String(c) }
        if let r = reading.reason { f["websocket.reason"] = r }
        if let frame = reading.errorFrame ?? reading.result.frames.first, let t = reading.type(of: frame) { f["websocket.frame_type"] = t }
        return f
    }

    // MARK: - The throwaway token

    func wrongKeyVerdict(_ r: WebSocketResult) -> ProbeVerdict {
        let reading = WebSocketReading(result: r, scrubber: scrubber)
        let service = target.serviceName
        switch r.ending {
        case .failed(let f):
            return .skip("A random key's connection failed: \(f.reason).")
        case .refused:
            guard let response = r.refusal else { return .skip("A random key's upgrade was refused.") }
            let said = http.answerText(response)
            switch response.status {
            case 400, 401, 403:
                return .pass("GET \(path) refuses the upgrade with a random key: \(said).")
            default:
                let exchange = ProbeExchange(kind: .wrongKey, method: "GET", url: shownKeyURL, path: path, curl: "", outcome: .answered(response))
                return http.common(exchange, response) ?? .skip("GET \(path) answers the upgrade with a random key with \(said).")
            }
        case .timedOut(.upgrade):
            return .skip("No answer to the upgrade with a random key either.")
        case .timedOut(.firstFrame):
            return .skip("A random key got no frame and no close either, so silence says nothing about the key.")
        case .settled:
            let first = r.frames.first.map { reading.type(of: $0) ?? $0.kind.rawValue } ?? "a frame"
            return .fail(.authNotEnforced, "WebSocket \(path): a random key was answered with `\(first)` and no close: \(service) accepts keys it cannot know, so its WebSocket auth protects nothing.")
        default:
            var sentence = "WebSocket \(path): a random key gets \(reading.closeText)."
            if let mine = exchanges.first(where: { $0.kind == .key })?.result {
                let theirs = WebSocketReading(result: mine, scrubber: scrubber)
                if theirs.reason != nil, theirs.reason == reading.reason, theirs.closeCode == reading.closeCode {
                    sentence += " \(target.keyTitle) gets the same answer as a random key: \(service) does not know it."
                }
            }
            return .pass(sentence)
        }
    }

    // MARK: - Evidence

    func evidence(_ e: WebSocketProbeExchange, _ r: WebSocketResult) -> Evidence {
        let reading = WebSocketReading(result: r, scrubber: scrubber)
        let sent = e.kind == .key ? spec.auth.described(keyEnv: target.keyEnv) : throwawayDescription
        var ending: String
        var error: String?
        switch r.ending {
        case .closedByServer: ending = "closed"
        case .settled: ending = "accepted"
        case .droppedWithoutClose: ending = "dropped"
        case .refused: ending = "refused"
        case .timedOut(let phase):
            ending = "timeout"
            error = String(format: "no \(phase.rawValue) within %g s", timeout)
        case .failed(let f):
            ending = "failed"
            error = f.reason
        }
        let body = r.refusal.flatMap { AnswerReading($0).evidenceBody(scrubber: scrubber) }.map { reading.clean($0, limit: 300) }
        var timings = r.timings
        for path in [\WebSocketResult.Timings.connectMs, \.tlsMs, \.upgradeMs, \.firstFrameMs, \.closeMs] {
            timings[keyPath: path] = timings[keyPath: path].map(WebSocketReading.round)
        }
        timings.totalMs = WebSocketReading.round(timings.totalMs)
        let w = WebSocketEvidence(
            url: e.url, sent: scrubber.scrub(sent), upgradeStatus: r.upgradeStatus, body: body, frames: reading.frameEvidence,
            framesNotKept: r.framesNotKept > 0 ? r.framesNotKept : nil,
            closeCode: r.close?.code, closeReason: r.close.map { reading.clean($0.reasonText, limit: 200) },
            closedBy: r.close.map { $0.byServer ? "server" : "hubdoctor" }, outcome: ending, error: error.map(scrubber.scrub),
            timings: timings,
            command: e.kind == .key ? scrubber.scrub(WebSocketProber.command(url, spec.auth, keyEnv: target.keyEnv, timeout: timeout)) : nil)
        return Evidence(source: "probe websocket \(path)", detail: scrubber.scrub(sent), websocket: w)
    }

    var throwawayDescription: String {
        switch spec.auth {
        case .message(let template): return "auth frame \(template) with a random throwaway token as {{key}}"
        case .header: return "upgrade with Authorization: Bearer <random throwaway token>"
        case .query(let name): return "upgrade with ?\(name)=<random throwaway token>"
        }
    }
}
