/// Classifies the credentials one request carries against the key the service expects. It
/// separates what the Hub's middleware lumps into three 401 answers: a missing key, a placeholder
/// that was never filled in, the right key in the wrong shape, the right key with whitespace,
/// and a different key.
public enum AuthorizationClassifier {
    /// Headers and query parameters that clients use instead of `Authorization`.
    static let otherKeyHeaders = ["X-API-Key", "Api-Key", "X-Api-Token", "X-Auth-Token", "X-Access-Token", "Token", "ApiKey"]
    static let keyParameters = ["api_key", "apikey", "api-key", "key", "token", "access_token", "auth"]

    public static func classify(_ request: ListenerRequest, expected: ExpectedKey) -> CaptureVerdict {
        let values = request.values(of: "Authorization")
        let source = "request from \(request.remote ?? "an unknown client")"
        guard let header = values.first else {
            return noHeader(request, expected: expected, source: source)
        }
        var verdict = classifyHeader(header, expected: expected, source: source)
        if values.count > 1 {
            verdict.message += " The request carried \(values.count) Authorization headers; the Hub reads only the first (Go's Header.Get)."
        }
        return verdict
    }

    static func noHeader(_ request: ListenerRequest, expected: ExpectedKey, source: String) -> CaptureVerdict {
        for name in otherKeyHeaders {
            guard let value = request.header(name), !value.isEmpty else { continue }
            let v = SecretValue(value)
            return CaptureVerdict(
                status: .fail, cause: .headerShape, summary: "key in \(name), not Authorization",
                message: "The request carries its credential in \(name) instead of `Authorization: Bearer <key>`; the Hub reads only Authorization and " +
                    "answers 401 Missing Authorization header." + sameKeyNote(v, expected),
                received: credential(source: source, header: name, value: v))
        }
        if let parameter = queryKeyParameter(request.target) {
            return CaptureVerdict(
                status: .fail, cause: .headerShape, summary: "key in the query string (\(parameter)=), not Authorization",
                message: "The request carries a `\(parameter)=` query parameter and no Authorization header; the Hub reads only `Authorization: Bearer " +
                    "<key>`. A key in a URL also ends up in access logs and proxies' logs.",
                received: Evidence(source: source, var: "Authorization", present: false, length: 0, detail: "no Authorization header; query parameter \(parameter)="))
        }
        return CaptureVerdict(
            status: .fail, cause: .callerKeyMissing, summary: "no Authorization header",
            message: "The request carries no Authorization header at all: the caller's key is empty or unset, and its HTTP client adds the header only " +
                "when the key is non-empty (the gitea-mcp incident: an empty GITEA_MCP_TOKEN, so `mcp http 401: unauthorized`). The Hub answers 401 Missing Authorization header.",
            received: Evidence(source: source, var: "Authorization", present: false, length: 0, detail: "no Authorization header"))
    }

    static func classifyHeader(_ header: String, expected: ExpectedKey, source: String) -> CaptureVerdict {
        let trimmed = trimWhitespace(header)
        if trimmed.isEmpty {
            return CaptureVerdict(status: .fail, cause: .callerKeyMissing, summary: "empty Authorization header",
                                  message: "The request carries an Authorization header with an empty value: the caller's key is empty. " +
                                      "The Hub answers 401 Missing Authorization header.",
                                  received: Evidence(source: source, var: "Authorization", present: true, length: 0, detail: "empty value"))
        }
        if trimmed.lowercased() == "bearer" {
            return CaptureVerdict(status: .fail, cause: .callerKeyMissing, summary: "`Bearer` with no key",
                                  message: "The request carries `Authorization: Bearer` with nothing after it: the client formats `Bearer <key>` with " +
                                      "an empty key. The Hub answers 401 Invalid Authorization header format.",
                                  received: Evidence(source: source, var: "Authorization", present: true, length: 0, detail: "`Bearer` and no key"))
        }
        if header.hasPrefix("Bearer ") {
            return classifyToken(SecretValue(String(header.dropFirst(7))), expected: expected, source: source)
        }
        let scalars = Array(header.unicodeScalars)
        let schemeEnd = scalars.firstIndex { $0 == " " || $0 == "\t" } ?? scalars.count
        let scheme = Self.schemeText(String(String.UnicodeScalarView(scalars[..<schemeEnd])))
        let rest = SecretValue(trimWhitespace(String(String.UnicodeScalarView(scalars[schemeEnd...]))))
        if scheme.lowercased() == "bearer" {
            let how = scheme == "Bearer" ? "`Bearer` followed by something other than one space" : "the scheme written `\(scheme)`"
            return CaptureVerdict(
                status: .fail, cause: .headerShape, summary: "scheme `\(scheme)`, not `Bearer `",
                message: "The request sends \(how). RFC 9110 (section 11.1) makes authentication schemes case-insensitive, so many servers would " +
                    "accept it; the Hub's Go middleware compares the prefix `Bearer ` exactly and answers 401 Invalid Authorization header format. " +
                    "Send exactly `Authorization: Bearer <key>`." + sameKeyNote(rest, expected),
                received: credential(source: source, header: "Authorization", value: rest, shape: "scheme `\(scheme)`"))
        }
        if schemeEnd == scalars.count {
            let raw = SecretValue(header)
            if raw == expected.value || SecretValue(trimmed) == expected.value {
                return CaptureVerdict(
                    status: .fail, cause: .headerShape, summary: "the raw key, without `Bearer `",
                    message: "The request sends the expected key itself as the Authorization header, without the `Bearer ` scheme (the seed runbook's " +
                        "third cause). The Hub answers 401 Invalid Authorization header format. Send `Authorization: Bearer <key>`.",
                    received: credential(source: source, header: "Authorization", value: raw, shape: "no scheme"))
            }
            if let placeholder = placeholderReason(trimmed) {
                return CaptureVerdict(
                    status: .fail, cause: .placeholderKey, summary: "placeholder `\(trimmed)`, without `Bearer `",
                    message: "The request sends `\(trimmed)` as the Authorization header: \(placeholder), and it lacks the `Bearer ` scheme too. The " +
                        "caller's key variable was never set to a real value.",
                    received: Evidence(source: source, var: "Authorization", present: true, length: raw.length, detail: "placeholder `\(trimmed)`, no scheme"))
            }
            return CaptureVerdict(
                status: .fail, cause: .headerShape, summary: "a credential without a scheme",
                message: "The request sends a bare credential as the Authorization header, without `Bearer `; the Hub answers 401 Invalid Authorization header format." + sameKeyNote(raw, expected),
                received: credential(source: source, header: "Authorization", value: raw, shape: "no scheme"))
        }
        return CaptureVerdict(
            status: .fail, cause: .headerShape, summary: "scheme `\(scheme)`, not `Bearer`",
            message: "The request uses the `\(scheme)` scheme; the Hub accepts only `Authorization: Bearer <key>` and answers 401 Invalid Authorization header format." + sameKeyNote(rest, expected),
            received: credential(source: source, header: "Authorization", value: rest, shape: "scheme `\(scheme)`"))
    }

    /// The part after `Bearer `.
    static func classifyToken(_ token: SecretValue, expected: ExpectedKey, source: String) -> CaptureVerdict {
        if token == expected.value {
            return CaptureVerdict(status: .pass, cause: nil, summary: "expected key",
                                  message: "The request carries `Authorization: Bearer <key>` with the expected key; the Hub answers 200.",
                                  received: credential(source: source, header: "Authorization", value: token, shape: "Bearer"))
        }
        let text = token.text
        let trimmed = trimWhitespace(text)
        if trimmed.isEmpty {
            return CaptureVerdict(status: .fail, cause: .callerKeyMissing, summary: "`Bearer ` with no key",
                                  message: "The request carries `Bearer ` followed by \(text.isEmpty ? "nothing" : "only whitespace"): the client " +
                                      "formats `Bearer <key>` with an empty key. The Hub answers 401 Invalid API key.",
                                  received: Evidence(source: source, var: "Authorization", present: true, length: token.length, detail: "`Bearer ` and no key"))
        }
        if let placeholder = placeholderReason(trimmed) {
            return CaptureVerdict(status: .fail, cause: .placeholderKey, summary: "placeholder `Bearer \(trimmed)`",
                                  message: "The request carries `Authorization: Bearer \(trimmed)`: \(placeholder). The caller's key variable was " +
                                      "never set to a real value (a JavaScript client formats an unset variable as `undefined`, Python's as `None`, a " +
                                      "template left unrendered keeps `${…}` or `<…>`). The Hub answers 401 Invalid API key.",
                                  received: Evidence(source: source, var: "Authorization", present: true, length: token.length, detail: "placeholder `\(trimmed)`"))
        }
        let trimmedValue = SecretValue(trimmed)
        if trimmedValue == expected.value {
            let edge = KeyAnalysis.edgeWhitespace(token) ?? "carries whitespace"
            return CaptureVerdict(status: .fail, cause: .keyWhitespace, summary: "expected key with whitespace at an end",
                                  message: "The request carries the expected key, but the value \(edge); the Hub compares bytes exactly and answers " +
                                      "401 Invalid API key. Remove the whitespace from the caller's key (a trailing space or CR in its env file, a " +
                                      "newline from `echo` or a Secret written without `-n`).",
                                  received: credential(source: source, header: "Authorization", value: token, shape: "Bearer, \(edge)"))
        }
        let trimmedExpected = trimWhitespace(expected.value.text)
        if trimmedExpected == text || trimmedExpected == trimmed {
            let edge = KeyAnalysis.edgeWhitespace(expected.value) ?? "carries whitespace"
            return CaptureVerdict(status: .fail, cause: .keyWhitespace, summary: "service key has whitespace at an end",
                                  message: "The caller sends the right key, but the service's own key (\(expected.name) from \(expected.origin)) " +
                                      "\(edge), so no client can match it. Remove the whitespace from the service's key and restart it.",
                                  received: credential(source: source, header: "Authorization", value: token, shape: "Bearer"))
        }
        let unquoted = KeyAnalysis.unquote(trimmed)
        if unquoted != trimmed, SecretValue(unquoted) == expected.value {
            return CaptureVerdict(status: .fail, cause: .keyQuoted, summary: "expected key inside literal quotes",
                                  message: "The request carries the expected key wrapped in literal quote characters: the caller's reader kept the " +
                                      "quotes of its env file. Remove them (or use a reader that strips them).",
                                  received: credential(source: source, header: "Authorization", value: token, shape: "Bearer, quoted"))
        }
        let shape = KeyAnalysis.differenceShape(token, "the caller's key", expected.value, "the expected key")
        return CaptureVerdict(status: .fail, cause: .keyDrift, summary: "a different key",
                              message: "The request carries `Bearer` and a key, but not the expected one: it sends \(token.fingerprint) " +
                                  "(\(token.length) chars), \(expected.name) from \(expected.origin) is \(expected.value.fingerprint) " +
                                  "(\(expected.value.length) chars); \(shape). The Hub answers 401 Invalid API key.",
                              received: credential(source: source, header: "Authorization", value: token, shape: "Bearer"))
    }

    /// Evidence for a credential that is not shown: its length and fingerprint.
    static func credential(source: String, header: String, value: SecretValue, shape: String? = nil) -> Evidence {
        Evidence(source: source, var: header, present: true, length: value.length,
                 fingerprint: value.isEmpty ? nil : value.fingerprint, detail: shape)
    }

    static func sameKeyNote(_ value: SecretValue, _ expected: ExpectedKey) -> String {
        if value == expected.value || SecretValue(trimWhitespace(value.text)) == expected.value {
            return " The key itself is the expected one: only its shape is wrong."
        }
        if value.isEmpty { return "" }
        return " The credential is not the expected key either (\(value.fingerprint) vs \(expected.value.fingerprint))."
    }

    static let placeholderTokens: Set<String> = ["undefined", "null", "none", "nil", "nan", "[object object]", "false", "true"]

    /// Why a received credential is a placeholder rather than a key, or nil.
    /// The first word of a header as it may be shown: a scheme name is, anything longer or stranger
    /// may be a key sent without a scheme, so only its length is.
    static func schemeText(_ word: String) -> String {
        let ok = word.range(of: #"^[A-Za-z][A-Za-z0-9_-]{0,23}$"#, options: .regularExpression) != nil
        return ok ? word : "<a \(word.unicodeScalars.count)-character word>"
    }

    /// Whether the text between placeholder brackets reads like a variable or template name
    /// (`${HUB_KEY}`, `<api-key>`), not like a key pasted into a template.
    static func looksLikeName(_ inner: Substring) -> Bool {
        inner.count <= 40 && inner.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-. :|".contains($0)) }
    }

    /// Why `t` is a placeholder, or nil. A placeholder is echoed in messages, so only short,
    /// name-like text qualifies: a real key inside `<…>` is not called a placeholder (or shown).
    static func placeholderReason(_ t: String) -> String? {
        let lower = t.lowercased()
        if placeholderTokens.contains(lower) { return "`\(t)` is what a program prints for a variable that holds no value" }
        for (open, close) in [("${", "}"), ("$(", ")"), ("{{", "}}"), ("%", "%"), ("<", ">")]
        where t.hasPrefix(open) && t.hasSuffix(close) && t.count > open.count + close.count - 1 {
            let inner = t.dropFirst(open.count).dropLast(close.count)
            guard looksLikeName(inner) else { return nil }
            return open == "<" ? "it is a template marker that was never filled in" : "it is a variable reference that nothing expanded"
        }
        if t.hasPrefix("$"), t.count > 1, t.count <= 41, t.dropFirst().allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
            return "it is a shell variable name that nothing expanded"
        }
        if KeyAnalysis.placeholderWords.contains(lower) { return "it is a well-known placeholder word" }
        if t.count >= 3, Set(t).count == 1 { return "it is one character repeated" }
        return nil
    }

    /// Whitespace the way a key's edges are checked elsewhere: ASCII and Unicode spaces, BOM, ZWSP.
    static func trimWhitespace(_ s: String) -> String {
        var v = Substring(s).unicodeScalars[...]
        while let f = v.first, KeyAnalysis.spaceName(f) != nil { v = v.dropFirst() }
        while let l = v.last, KeyAnalysis.spaceName(l) != nil { v = v.dropLast() }
        return String(String.UnicodeScalarView(v))
    }

    static func queryKeyParameter(_ target: String) -> String? {
        guard let q = target.firstIndex(of: "?") else { return nil }
        for pair in target[target.index(after: q)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, !parts[1].isEmpty else { continue }
            let name = parts[0].lowercased()
            if keyParameters.contains(name) { return String(parts[0]) }
        }
        return nil
    }
}
