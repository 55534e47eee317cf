import Foundation

/// What a service said, beyond its status: the error text in its body, its RFC 6750
/// `WWW-Authenticate` challenge, `Retry-After`, and hints about the key's state.
struct AnswerReading {
    let response: HTTPClientResponse

    init(_ response: HTTPClientResponse) { self.response = response }

    var status: Int { response.status }

    /// The body parsed as a JSON object, when it is one.
    var json: [String: Any]? {
        guard !response.bodyTruncated else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any]
    }

    /// The service let the request through: 2xx, or 404 with a JSON body (the route's own "not
    /// found", past the auth middleware, as the runbook's smoke test expects).
    var acceptsCredential: Bool {
        (200..<300).contains(status) || (status == 404 && isJSON)
    }

    var isJSON: Bool {
        !response.bodyTruncated && (try? JSONSerialization.jsonObject(with: Data(response.body), options: [.fragmentsAllowed])) != nil
    }

    /// The service's own words: `error`, `message` or `error_description` of a JSON body, or a
    /// short plain-text body.
    var message: String? {
        if let j = json {
            for field in ["error", "message", "error_description", "detail"] {
                if let s = j[field] as? String, !s.isEmpty { return s }
                if let nested = j[field] as? [String: Any], let s = nested["message"] as? String { return s }
            }
            return nil
        }
        let text = response.bodyText.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, text.count <= 200, !text.contains("<") else { return nil }
        return text
    }

    /// `WWW-Authenticate: Bearer error="invalid_token", error_description="…"` as a map.
    var challenge: [String: String] { Self.parseChallenge(response.header("WWW-Authenticate") ?? "") }

    static func parseChallenge(_ header: String) -> [String: String] {
        var out: [String: String] = [:]
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard let space = trimmed.firstIndex(of: " ") else {
            if !trimmed.isEmpty { out["scheme"] = trimmed }
            return out
        }
        out["scheme"] = String(trimmed[..<space])
        var rest = Substring(trimmed[trimmed.index(after: space)...])
        while !rest.isEmpty {
            rest = rest.drop { $0 == " " || $0 == "," }
            guard let eq = rest.firstIndex(of: "=") else { break }
            let name = rest[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            rest = rest[rest.index(after: eq)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                var escaped = false
                while let c = rest.first {
                    rest = rest.dropFirst()
                    if escaped { value.append(c); escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { break } else { value.append(c) }
                }
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                value = rest[..<end].trimmingCharacters(in: .whitespaces)
                rest = rest[end...]
            }
            out[name] = value
        }
        return out
    }

    /// `Retry-After` in seconds from now (delta-seconds or an HTTP-date).
    var retryAfterSeconds: Int? {
        guard let raw = response.header("Retry-After")?.trimmingCharacters(in: .whitespaces) else { return nil }
        if let s = Int(raw) { return max(0, s) }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = f.date(from: raw) else { return nil }
        return max(0, Int(date.timeIntervalSinceNow.rounded(.up)))
    }

    enum KeyState { case revoked, notFound, missingCapability, insufficientScope }

    /// What the service says about the key itself, from its body or its challenge.
    var keyState: KeyState? {
        let c = challenge
        var words = [c["error"], c["error_description"], message].compactMap { $0 }
        if let j = json {
            for field in ["reason", "code", "error_code"] { if let s = j[field] as? String { words.append(s) } }
        }
        let text = words.joined(separator: " ").lowercased()
        if text.contains("revoked") { return .revoked }
        if text.contains("capabilit") { return .missingCapability }
        if c["error"] == "insufficient_scope" || text.contains("scope") { return .insufficientScope }
        if text.contains("not_found") || text.contains("not found") || text.contains("unknown") || text.contains("deleted") { return .notFound }
        return nil
    }

    /// The seed runbook's first 401 body: the header never arrived.
    var saysHeaderMissing: Bool { message?.localizedCaseInsensitiveContains("missing authorization") ?? false }

    /// The seed runbook's second 401 body: the header arrived, but not as `Bearer <key>`.
    var saysHeaderMalformed: Bool {
        guard let m = message?.lowercased() else { return false }
        return m.contains("authorization header format") || m.contains("expected: bearer")
    }

    /// A TLS server's answer to plain HTTP (Go: "Client sent an HTTP request to an HTTPS server.").
    var saysPlainHTTPToTLSPort: Bool {
        guard status == 400 else { return false }
        let t = response.bodyText.lowercased()
        return t.contains("https server") || t.contains("https port")
    }

    /// The body as evidence: at most 300 characters on one line, with every known key (whole, in
    /// part, or encoded) cut out first: a key cut in half would no longer be recognised.
    func evidenceBody(scrubber: KeyScrubber) -> String? {
        guard !response.bodyText.isEmpty else { return nil }
        var text = scrubber.scrub(response.bodyText)
        text = String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) })
        let cut = text.count > 300 || response.bodyTruncated
        return String(text.prefix(300)) + (cut ? "… (\(response.bodyTruncated ? "over \(response.body.count / 1024) KiB" : "\(response.body.count) bytes"))" : "")
    }
}
