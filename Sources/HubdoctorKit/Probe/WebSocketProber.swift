import Foundation

/// One WebSocket probe: the caller's key, or the throwaway token.
struct WebSocketProbeExchange: Sendable {
    enum Kind: Sendable { case key, wrongKey }

    var kind: Kind
    /// The URL as shown: a key in the query is replaced by the variable that holds it.
    var url: String
    var result: WebSocketResult?
    var skipReason: String?

    var check: CheckID { kind == .key ? .probeWebsocket : .probeWebsocketWrongKey }
}

/// The WebSocket probes of a link, under the same budget as the HTTP ones: the caller's key is
/// sent once, on one connection; then at most one connection with a random throwaway token in
/// the same place, and none when the service has answered with a throttle (429, a rate-limit
/// close) or a failing auth store (503), or when another link already sent one to this origin.
enum WebSocketProber {
    static func run(_ spec: WebSocketProbeSpec, _ target: ProbeTarget, _ options: ProbeOptions,
                    httpAnswers: [ProbeExchange], negativesSkipped: String?) async -> [WebSocketProbeExchange] {
        let url = spec.url(base: target.baseURL)
        let shown = shownURL(url, spec.auth, variable: target.keyEnv)
        if let reach = httpAnswers.first(where: { $0.kind == .reach }), let failure = reach.failure {
            let reason = "not sent: the service cannot be reached (\(failure.summary); see probe.reach)"
            return [WebSocketProbeExchange(kind: .key, url: shown, skipReason: reason),
                    WebSocketProbeExchange(kind: .wrongKey, url: shownURL(url, spec.auth, variable: nil), skipReason: reason)]
        }
        guard let key = target.key, !key.isEmpty else {
            return [WebSocketProbeExchange(kind: .key, url: shown, skipReason: "not sent: \(target.keyLabel) is empty or missing")]
        }
        let mine = await WebSocketClient.run(request(url, spec, key: key, options))
        var out = [WebSocketProbeExchange(kind: .key, url: shown, result: mine)]
        let wrongURL = shownURL(url, spec.auth, variable: nil)
        if let reason = negativeGate(mine, httpAnswers: httpAnswers, options: options, negativesSkipped: negativesSkipped) {
            out.append(WebSocketProbeExchange(kind: .wrongKey, url: wrongURL, skipReason: reason))
        } else {
            let token = SecretValue(ThrowawayToken.make(avoiding: target.secrets))
            let theirs = await WebSocketClient.run(request(url, spec, key: token, options))
            out.append(WebSocketProbeExchange(kind: .wrongKey, url: wrongURL, result: theirs))
        }
        return out
    }

    static func request(_ url: String, _ spec: WebSocketProbeSpec, key: SecretValue, _ options: ProbeOptions) -> WebSocketRequest {
        WebSocketRequest(url: url, auth: spec.auth, key: key, connectTimeout: options.connectTimeout, timeout: options.timeout,
                         settle: min(0.5, options.timeout / 4), caFile: options.caFile)
    }

    /// Why the throwaway token must not be sent, or nil when it may be.
    static func negativeGate(_ mine: WebSocketResult, httpAnswers: [ProbeExchange], options: ProbeOptions, negativesSkipped: String?) -> String? {
        if options.noNegative { return "not sent: --no-negative" }
        if let negativesSkipped { return "not sent: \(negativesSkipped)" }
        let statuses = httpAnswers.compactMap(\.status) + [mine.upgradeStatus].compactMap { $0 }
        if statuses.contains(429) || throttled(mine) {
            return "not sent: the service answered with a throttle, and more failed attempts would only extend the block"
        }
        if statuses.contains(503) {
            return "not sent: the service answered 503, so a wrong key could not be told from a failing auth store"
        }
        switch mine.ending {
        case .failed, .timedOut(.upgrade):
            return "not sent: the connection with the key got no answer to its upgrade"
        case .timedOut(.firstFrame):
            return "not sent: the service said nothing to the key, so a random key's silence would prove nothing"
        default:
            return nil
        }
    }

    static func throttled(_ r: WebSocketResult) -> Bool {
        if let code = r.close?.code, r.close?.byServer == true, [1013, 4029, 4429].contains(code) { return true }
        let reading = WebSocketReading(result: r, scrubber: .empty)
        return reading.meaning == .throttled
    }

    /// The URL without the key: in query mode the parameter shows the variable that holds the
    /// key (`?token=$HUB_KEY`), or `<throwaway>` for the random token.
    static func shownURL(_ url: String, _ auth: WebSocketAuth, variable: String?) -> String {
        let base = Redact.url(url)
        guard case .query(let name) = auth else { return base }
        return base + (base.contains("?") ? "&" : "?") + name + "=" + (variable.map { "$" + $0 } ?? "<throwaway>")
    }

    /// The command that repeats the key's probe, naming the key as a variable.
    static func command(_ url: String, _ auth: WebSocketAuth, keyEnv: String, timeout: Double) -> String {
        var parts = ["hubdoctor", "probe", CurlLine.quote(Redact.url(url)), "--key-env", keyEnv]
        switch auth {
        case .message(let template): parts += ["--ws-message", CurlLine.quote(template)]
        case .header: parts.append("--ws-header")
        case .query(let name): parts += ["--ws-query", CurlLine.quote(name)]
        }
        if timeout != 5 { parts += ["--timeout", timeout == timeout.rounded() ? String(Int(timeout)) : String(timeout)] }
        return parts.joined(separator: " ")
    }
}
