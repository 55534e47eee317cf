import Foundation

/// Turns the exchanges of one probe run into findings, one per check id, each with the HTTP
/// evidence of every exchange behind it.
struct ProbeClassifier {
    let target: ProbeTarget
    let exchanges: [ProbeExchange]
    let link: String?
    let facts: [String: String]
    /// Every key this run knows, with the target's: what a service echoes is scrubbed of them.
    let scrubber: KeyScrubber

    init(target: ProbeTarget, exchanges: [ProbeExchange], link: String?, facts: [String: String]) {
        self.target = target
        self.exchanges = exchanges
        self.link = link
        self.facts = facts
        scrubber = SecretRegistry.shared.scrubber.adding(target.secrets)
    }

    static let titles: [ProbeKind: String] = [
        .reach: "The service can be reached",
        .health: "The health endpoint answers without credentials",
        .noAuth: "Protected paths refuse requests without credentials",
        .key: "The service accepts the caller's key",
        .serviceKey: "The service accepts the key in its own file",
        .shape: "A key without `Bearer ` is refused",
        .wrongKey: "A wrong key is refused",
        .session: "The key's owner and capabilities",
    ]

    func findings() -> [Finding] {
        var out: [Finding] = []
        for kind in ProbeKind.allCases {
            let mine = exchanges.filter { $0.kind == kind }
            guard !mine.isEmpty else { continue }
            out.append(finding(kind, mine))
            if kind == .key || (kind == .noAuth && !exchanges.contains { $0.kind == .key }) {
                if let r = redirectFinding() { out.append(r) }
            }
        }
        return out
    }

    func title(_ kind: ProbeKind) -> String {
        switch kind {
        case .key: return "\(target.serviceTitle) accepts \(target.keyLabel)"
        case .serviceKey: return "\(target.serviceTitle) accepts the key in its own file"
        case .reach: return "\(target.serviceTitle) can be reached"
        default: return Self.titles[kind] ?? kind.check.info.title
        }
    }

    func finding(_ kind: ProbeKind, _ mine: [ProbeExchange]) -> Finding {
        let verdicts = mine.map { verdict($0) }
        let evidence = mine.filter { $0.skipReason == nil }.map(evidence)
        // `mine` is never empty: findings() only asks for kinds that have exchanges.
        let worst = verdicts.max { $0.status < $1.status } ?? .skip("no probe of this kind was sent")
        var message: String
        if worst.status == .pass || worst.status == .skip {
            message = summary(kind, mine, verdicts) ?? verdicts.map(\.sentence).joined(separator: "\n")
        } else {
            let worstOnes = zip(mine, verdicts).filter { $0.1.status == worst.status }
            message = Self.merge(worstOnes.map { ($0.0.path, $0.1.sentence) }).joined(separator: "\n")
        }
        if mine.allSatisfy({ $0.skipReason != nil }) {
            message = "Skipped: " + (mine[0].skipReason ?? "")
        }
        var f = facts
        for v in verdicts { f.merge(v.facts) { a, _ in a } }
        let remediation = verdicts.filter { $0.status == worst.status }.flatMap(\.remediation).uniqued()
        return Finding(check: kind.check, status: worst.status, cause: worst.cause, title: title(kind), message: redact(message),
                       evidence: evidence, remediation: remediation, link: link, facts: f)
    }

    /// A service may echo what it was sent, whole, in part or encoded; nothing it says reaches a
    /// report with a key in it.
    func redact(_ text: String) -> String {
        scrubber.scrub(text)
    }

    /// A `Location` the service answered, scrubbed of keys and of credentials in the URL.
    func location(_ r: HTTPClientResponse) -> String? {
        r.header("Location").map { Redact.url(redact($0)) }
    }

    /// Sentences that differ only in their path become one that lists the paths:
    /// "GET /a answers 401 …" and "GET /b answers 401 …" → "GET /a and /b answer 401 …".
    static func merge(_ items: [(path: String, sentence: String)]) -> [String] {
        let marker = "\u{1}"
        var groups: [(template: String, paths: [String])] = []
        for (path, sentence) in items {
            let template = path.isEmpty ? sentence : sentence.replacingOccurrences(of: "GET \(path)", with: "GET \(marker)")
            if let i = groups.firstIndex(where: { $0.template == template }) {
                if !groups[i].paths.contains(path) { groups[i].paths.append(path) }
            } else {
                groups.append((template, [path]))
            }
        }
        return groups.map { group in
            guard group.template.contains(marker) else { return group.template }
            guard group.paths.count > 1 else { return group.template.replacingOccurrences(of: marker, with: group.paths[0]) }
            let list = group.paths.dropLast().joined(separator: ", ") + " and " + (group.paths.last ?? "")
            var text = group.template.replacingOccurrences(of: marker, with: list)
            if let range = text.range(of: " answers ") { text.replaceSubrange(range, with: " answer ") }
            return text
        }
    }

    /// One sentence for several passing exchanges, instead of one per path.
    func summary(_ kind: ProbeKind, _ mine: [ProbeExchange], _ verdicts: [ProbeVerdict]) -> String? {
        guard mine.count > 1, verdicts.allSatisfy({ $0.status == .pass }) else { return nil }
        let answers = Set(mine.compactMap { $0.response.map(answerText) })
        let paths = mine.count == 2 ? "Both protected paths" : "All \(mine.count) protected paths"
        switch kind {
        case .noAuth:
            return "\(paths) refuse a request without credentials (\(answers.sorted().joined(separator: "; ")))."
        case .key:
            return "\(paths) accept \(target.keyLabel) (\(answers.sorted().joined(separator: "; ")))."
        default:
            return nil
        }
    }

    /// `401 "Missing Authorization header"`: the status and the service's own words.
    func answerText(_ r: HTTPClientResponse) -> String {
        let reading = AnswerReading(r)
        var text = String(r.status)
        // Cut only after the keys are: a key cut in half would no longer be recognised.
        if let m = reading.message { text += " `\(redact(m).prefix(160))`" } else if !r.body.isEmpty, !reading.isJSON { text += " (not JSON)" }
        return text
    }

    func evidence(_ e: ProbeExchange) -> Evidence {
        if e.kind == .reach, let r = e.response {
            // Nothing was asked, so there is no answer to show: only the connection's timings.
            let t = r.timings
            let tls = t.tlsMs > 0 ? String(format: ", TLS %.1f ms", t.tlsMs) : ""
            return Evidence(source: source(e), detail: String(format: "connected to \(hostPort) (\(r.remoteIP ?? "?")): DNS %.1f ms, TCP %.1f ms", t.dnsMs, t.connectMs) + tls)
        }
        var http = HTTPEvidence(method: e.method, url: e.url, curl: e.curl.isEmpty ? nil : e.curl)
        switch e.outcome {
        case .answered(let r):
            let reading = AnswerReading(r)
            http.status = r.status
            http.body = reading.evidenceBody(scrubber: scrubber)
            http.wwwAuthenticate = r.header("WWW-Authenticate").map(redact)
            http.retryAfter = r.header("Retry-After").map(redact)
            http.location = location(r)
            http.timings = r.timings
        case .failed(let f):
            http.error = f.reason
            http.timings = f.timings
        case .skipped:
            break
        }
        let followed = e.redirects.map { "; redirects followed without credentials: " + $0.text } ?? ""
        return Evidence(source: source(e), detail: sent(e) + followed, http: http)
    }

    func source(_ e: ProbeExchange) -> String {
        e.kind == .reach ? "probe reach" : "probe \(e.kind.rawValue) \(e.path)"
    }

    /// What the probe sent, in words: the key only as the variable that holds it.
    func sent(_ e: ProbeExchange) -> String {
        switch e.kind {
        case .reach: return "DNS, TCP and TLS only; no request sent"
        case .health, .noAuth: return "no Authorization header"
        case .key, .session: return "Authorization: Bearer $\(target.keyEnv)"
        case .serviceKey: return "Authorization: Bearer $\(target.serviceKeyEnv) (\(target.serviceKeyLabel ?? "the service's key"))"
        case .shape: return "Authorization: <random throwaway token, no Bearer scheme>"
        case .wrongKey: return "Authorization: Bearer <random throwaway token>"
        }
    }

    var hostPort: String {
        guard let c = URLComponents(string: target.baseURL), let h = c.host else { return Redact.url(target.baseURL) }
        return "\(h):\(c.port ?? (c.scheme == "https" ? 443 : 80))"
    }

    func retryText(_ reading: AnswerReading) -> (String, [String: String]) {
        guard let s = reading.retryAfterSeconds else {
            return ("It sent no Retry-After: wait before trying again (Team Hub blocks for 15 minutes by default).", [:])
        }
        let at = ISO8601DateFormatter().string(from: Date().addingTimeInterval(Double(s)))
        return ("Retry after \(s) s (at \(at)); hubdoctor does not retry, so as not to extend the block.", ["retry_after": String(s), "retry_at": at])
    }
}

extension Array where Element: Equatable {
    /// The elements in order, each only once.
    func uniqued() -> [Element] {
        var out: [Element] = []
        for e in self where !out.contains(e) { out.append(e) }
        return out
    }
}
