/// One auth failure recognized in a log: which group it belongs to, the signal that gave it away
/// (a stable label such as `[agent] auth fail reason=invalid_api_key`), and where it was.
struct LogEvent: Sendable {
    var kind: LogFailureKind
    var signal: String
    var line: Int
    /// The line as written (with the body line appended when the two were merged). Unmasked:
    /// only `LogMasker.mask` of it is ever shown.
    var text: String
    var time: LogTimestamp?
    var retryAfter: String?
}

/// Recognizes auth failures line by line. An HTTP status line whose reason is on the next line
/// (Core logs `POST http://… 401 (Unauthorized)` and then the body, `curl -i` puts headers between)
/// is held for a few lines, then merged with its body or reported without one.
struct LogClassifier {
    /// How many header or blank lines may stand between a status line and its body.
    static let maxLinesToBody = 8

    private struct Pending {
        var code: Int
        var line: Int
        var text: String
        var time: LogTimestamp?
        var retryAfter: String?
        var waited = 0
    }

    private var pending: Pending?

    /// While a status line waits for its body, every following line must be looked at.
    var hasPending: Bool { pending != nil }

    /// A cheap byte scan that every line the classifier can recognize passes: the codes 401, 403,
    /// 429, 503, 4001, "auth"/"Auth" (auth fail, Authorization, Unauthorized, auth_error), the
    /// reason strings (`_key`, `_cap…`, `_roo…`), and the error bodies (Forbidden, Too Many, Unavailable,
    /// API key). Most lines of a busy log fail it, and are never turned into strings.
    static func isCandidate(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = p.count
        guard n >= 3 else { return false }
        return openers.withUnsafeBufferPointer { table in
            // Most bytes cannot open a match: one table load and a branch that is rarely taken,
            // instead of a jump per byte through the switch of `scan`.
            var i = 0
            while i + 2 < n {
                if table[Int(p[i])] != 0, scan(p, from: i, to: i + 1) { return true }
                i += 1
            }
            return false
        }
    }

    /// The bytes that can open a match in `scan`: 4 5 u U _ f F m M a A.
    private static let openers: [UInt8] = {
        var t = [UInt8](repeating: 0, count: 256)
        for b in "45uU_fFmMaA".utf8 { t[Int(b)] = 1 }
        return t
    }()

    /// The exact test, byte by byte, for the openings at `from..<to` (reading past `to` as needed).
    private static func scan(_ p: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Bool {
        let n = p.count
        var i = from
        while i < to, i + 2 < n {
            let b = p[i]
            switch b {
            case 0x34: // 4
                let c = p[i + 1], d = p[i + 2]
                if c == 0x30, d == 0x31 || d == 0x33 { return true }
                if c == 0x32, d == 0x39 { return true }
                if c == 0x30, d == 0x30, i + 3 < n, p[i + 3] == 0x31 { return true }
            case 0x35: // 5
                if p[i + 1] == 0x30, p[i + 2] == 0x33 { return true }
            case 0x75, 0x55: // u U
                if p[i + 1] | 0x20 == 0x74, p[i + 2] | 0x20 == 0x68 { return true }       // uth
                if p[i + 1] | 0x20 == 0x6E, p[i + 2] | 0x20 == 0x61, i + 3 < n, p[i + 3] | 0x20 == 0x76 { return true } // unav
            case 0x5F: // _
                if i + 3 < n {
                    let c = p[i + 1] | 0x20, d = p[i + 2] | 0x20, e = p[i + 3] | 0x20
                    if c == 0x6B, d == 0x65, e == 0x79 { return true } // _key
                    if c == 0x63, d == 0x61, e == 0x70 { return true } // _cap
                    if c == 0x72, d == 0x6F, e == 0x6F { return true } // _roo
                }
            case 0x66, 0x46: // f F
                if p[i + 1] | 0x20 == 0x6F, p[i + 2] | 0x20 == 0x72, i + 3 < n, p[i + 3] | 0x20 == 0x62 { return true } // forb
            case 0x6D, 0x4D: // m M
                if p[i + 1] | 0x20 == 0x61, p[i + 2] | 0x20 == 0x6E, i + 3 < n, p[i + 3] | 0x20 == 0x79 { return true } // many
            case 0x61, 0x41: // a A
                if p[i + 1] | 0x20 == 0x70, p[i + 2] | 0x20 == 0x69, i + 3 < n, p[i + 3] == 0x20 { return true } // "api "
            default:
                break
            }
            i += 1
        }
        return false
    }

    mutating func feed(_ text: String, line: Int) -> [LogEvent] {
        let l = text.lowercased()
        var out: [LogEvent] = []
        if var p = pending {
            // A line with its own status code or signal is a new answer, never the body of this one.
            let body = Self.httpStatus(in: l) == nil && !Self.hasOwnSignal(l) ? Self.body(in: l) : nil
            if let body, body.kind != .generic || p.code == 401 {
                pending = nil
                out.append(Self.statusEvent(code: p.code, body: body.kind, line: p.line, text: p.text + " ⏎ " + text,
                                            time: p.time, retryAfter: p.retryAfter ?? Self.retryAfter(in: text, lower: l)))
                return out
            }
            if Self.isHeaderOrBlank(text), p.waited < Self.maxLinesToBody {
                p.waited += 1
                if let r = Self.retryAfter(in: text, lower: l) { p.retryAfter = r }
                pending = p
                return out
            }
            out += finish()
        }
        out += recognize(text, lower: l, line: line)
        return out
    }

    /// Reports a status line still waiting for its body (at the end of the input, or when an
    /// unrelated line arrives).
    mutating func finish() -> [LogEvent] {
        guard let p = pending else { return [] }
        pending = nil
        return [Self.statusEvent(code: p.code, body: nil, line: p.line, text: p.text, time: p.time, retryAfter: p.retryAfter)]
    }

    private mutating func recognize(_ text: String, lower l: String, line: Int) -> [LogEvent] {
        func event(_ kind: LogFailureKind, _ signal: String) -> [LogEvent] {
            [LogEvent(kind: kind, signal: signal, line: line, text: text, time: LogTimestamp.parse(text),
                      retryAfter: Self.retryAfter(in: text, lower: l))]
        }
        if let r = l.byteRange(of: "auth fail") {
            let role = Self.roleTag(l[..<r.lowerBound])
            let reason = Self.word(after: ["reason=", "reason: ", "reason\":\"", "reason\": \""], in: l)
            let prefix = role.isEmpty ? "auth fail" : "\(role) auth fail"
            guard let reason, let kind = Self.authFailReasons[reason] else {
                return event(.keyDrift, "\(prefix) with a reason hubdoctor does not know")
            }
            return event(kind, "\(prefix) reason=\(reason)")
        }
        if l.hasBytes("mcp http 401") {
            return event(.callerKeyMissing, "mcp http 401: unauthorized (the MCP client's 401)")
        }
        let has4001 = Self.containsNumber("4001", in: l)
        if let (reason, kind) = Self.closeReasons.first(where: { l.hasBytes($0.0) }),
           has4001 || l.hasBytes("auth_error") || l.hasBytes("close") || l.hasBytes("reason") {
            return event(kind, "WebSocket close 4001 \(reason)")
        }
        if has4001, l.hasBytes("close") {
            return event(.keyNotFound, "WebSocket close 4001 without a reason (a hub older than the reason strings)")
        }
        if let (code, after) = Self.httpStatus(in: l) {
            let body = Self.body(in: String(l[after...]))
            let time = LogTimestamp.parse(text)
            let retry = Self.retryAfter(in: text, lower: l)
            if let body, body.kind != .generic {
                return [Self.statusEvent(code: code, body: body.kind, line: line, text: text, time: time, retryAfter: retry)]
            }
            pending = Pending(code: code, line: line, text: text, time: time, retryAfter: retry)
            return []
        }
        if let body = Self.body(in: l), body.kind != .generic, body.standalone {
            return [Self.statusEvent(code: body.kind.impliedStatus, body: body.kind, line: line, text: text,
                                     time: LogTimestamp.parse(text), retryAfter: Self.retryAfter(in: text, lower: l))]
        }
        return []
    }

    static func hasOwnSignal(_ l: String) -> Bool {
        l.hasBytes("auth fail") || l.hasBytes("mcp http 401") || containsNumber("4001", in: l)
    }

    static let authFailReasons: [String: LogFailureKind] = [
        "not_found": .keyNotFound, "revoked": .keyRevoked, "deleted": .keyRevoked,
        "missing_capability": .missingCapability, "invalid_api_key": .keyNotFound,
        "no_project_or_rootless": .noProjectOrRootless,
    ]

    static let closeReasons: [(String, LogFailureKind)] = [
        ("api_key_not_found", .keyNotFound), ("api_key_revoked", .keyRevoked),
        ("missing_supervisor_capability", .missingCapability), ("invalid_api_key", .keyNotFound),
        ("no_project_or_rootless", .noProjectOrRootless),
    ]

    // MARK: HTTP answers

    enum BodyKind: Equatable {
        case missingHeader, headerFormat, invalidKey, forbidden, tooMany, unavailable, generic

        var impliedStatus: Int {
            switch self {
            case .missingHeader, .headerFormat, .invalidKey, .generic: return 401
            case .forbidden: return 403
            case .tooMany: return 429
            case .unavailable: return 503
            }
        }
    }

    /// The error body of an answer. The Hub's two header messages are distinctive wherever they
    /// stand; the generic ones count only inside a JSON `"error"` body.
    static func body(in l: String) -> (kind: BodyKind, standalone: Bool)? {
        if l.hasBytes("missing authorization header") { return (.missingHeader, true) }
        if l.hasBytes("invalid authorization header format") { return (.headerFormat, true) }
        let json = l.hasBytes("\"error\"") || l.hasBytes("\"message\"")
        guard json else { return nil }
        if l.hasBytes("invalid api key") || l.hasBytes("invalid key") || l.hasBytes("invalid token") || l.hasBytes("api key mismatch") {
            return (.invalidKey, true)
        }
        if l.hasBytes("too many requests") { return (.tooMany, true) }
        if l.hasBytes("service unavailable") { return (.unavailable, true) }
        if l.hasBytes("forbidden") { return (.forbidden, true) }
        return (.generic, false)
    }

    static func statusEvent(code: Int, body: BodyKind?, line: Int, text: String, time: LogTimestamp?, retryAfter: String?) -> LogEvent {
        let (kind, signal): (LogFailureKind, String)
        switch code {
        case 403: (kind, signal) = (.forbidden, "HTTP 403 Forbidden")
        case 429: (kind, signal) = (.throttled, "HTTP 429 Too Many Requests")
        case 503: (kind, signal) = (.storeDown, "HTTP 503 Service Unavailable")
        default:
            switch body {
            case .missingHeader: (kind, signal) = (.callerKeyMissing, "HTTP 401 Missing Authorization header")
            case .headerFormat: (kind, signal) = (.headerShape, "HTTP 401 Invalid Authorization header format")
            case .invalidKey: (kind, signal) = (.keyDrift, "HTTP 401 with an invalid-key body")
            default: (kind, signal) = (.keyDrift, "HTTP 401 with no reason logged")
            }
        }
        return LogEvent(kind: kind, signal: signal, line: line, text: text, time: time, retryAfter: retryAfter)
    }

    static let reasonPhrases: [Int: [[UInt8]]] = [
        401: ["unauthorized", "(unauthorized)"], 403: ["forbidden", "(forbidden)"],
        429: ["too many requests", "(too many requests)"], 503: ["service unavailable", "(service unavailable)"],
    ].mapValues { $0.map { Array($0.utf8) } }
    /// What stands before a status code in the log formats hubdoctor knows: `status=`,
    /// `"statusCode":`, `HTTP/1.1 `, nginx's `HTTP/1.1" `, Gin's `| `, `-> `, `returned `.
    static let statusLeads: [[UInt8]] = [
        "status", "status:", "status=", "\"status\":", "statuscode", "statuscode:", "statuscode=", "\"statuscode\":",
        "status_code", "status_code=", "status_code:", "code=", "code:", "http/1.1", "http/1.0", "http/2", "http/2.0",
        "http/1.1\"", "http/1.0\"", "http/2.0\"", "http", "|", "->", "→", "=>", "returned", "responded", "response", "got",
    ].map { Array($0.utf8) }

    /// Finds a 401, 403, 429 or 503 that a known log format marks as an HTTP status, and where
    /// the text after it starts. Works on the bytes: most candidate lines hold numbers that are
    /// not statuses, and this runs for each of them.
    static func httpStatus(in l: String) -> (Int, String.Index)? {
        let u = Array(l.utf8)
        var i = 0
        while i + 2 < u.count {
            defer { i += 1 }
            guard u[i] == 0x34 || u[i] == 0x35 else { continue }
            // A status code stands apart: `/v1/items/401`, `#4013` and `1.401` are not one.
            if i > 0, !statusOpeners.contains(u[i - 1]) { continue }
            if i + 3 < u.count, isAlnum(u[i + 3]) || u[i + 3] == 0x2E && i + 4 < u.count && isDigit(u[i + 4]) { continue }
            guard isDigit(u[i + 1]), isDigit(u[i + 2]) else { continue }
            let code = Int(u[i] - 0x30) * 100 + Int(u[i + 1] - 0x30) * 10 + Int(u[i + 2] - 0x30)
            guard let phrases = reasonPhrases[code] else { continue }
            var after = i + 3
            while after < u.count, u[after] == 0x20 || u[after] == 0x3A { after += 1 }
            var leadEnd = i
            while leadEnd > 0, u[leadEnd - 1] == 0x20 { leadEnd -= 1 }
            var tokenStart = leadEnd
            while tokenStart > 0, u[tokenStart - 1] != 0x20 { tokenStart -= 1 }
            let token = u[tokenStart..<leadEnd]
            let phraseFollows = phrases.contains { starts(u, at: after, with: $0) }
            let leadMarks = statusLeads.contains { ends(u, before: leadEnd, with: $0) }
            let afterURL = token.starts(with: Array("http://".utf8)) || token.starts(with: Array("https://".utf8))
                || (token.first == 0x2F && token.count > 1) || (token.last == 0x22 && token.contains(0x2F))
            let chiStyle = leadEnd > 0 && u[leadEnd - 1] == 0x2D && after < u.count && isDigit(u[after])
                && Substring(l.utf8.dropFirst(after)).hasBytes("b in ")
            if phraseFollows || leadMarks || afterURL || chiStyle {
                return (code, l.utf8.index(l.utf8.startIndex, offsetBy: i + 3))
            }
        }
        return nil
    }

    static func starts(_ u: [UInt8], at i: Int, with p: [UInt8]) -> Bool {
        i + p.count <= u.count && u[i..<(i + p.count)].elementsEqual(p)
    }

    static func ends(_ u: [UInt8], before end: Int, with p: [UInt8]) -> Bool {
        end >= p.count && u[(end - p.count)..<end].elementsEqual(p)
    }

    /// What may stand right before a status code: a space, tab, `=`, `:`, a quote, `|`, `(`, `[` or `,`.
    static let statusOpeners: Set<UInt8> = [0x20, 0x09, 0x3D, 0x3A, 0x22, 0x27, 0x7C, 0x28, 0x5B, 0x2C]

    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    static func isAlnum(_ b: UInt8) -> Bool { isDigit(b) || (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || b == 0x5F }

    static func containsNumber(_ number: String, in l: String) -> Bool {
        var search = l[...]
        while let r = search.byteRange(of: number) {
            let before = r.lowerBound == l.startIndex ? nil : l[l.index(before: r.lowerBound)]
            let after = r.upperBound == l.endIndex ? nil : l[r.upperBound]
            if !(before?.isNumber ?? false), !(after?.isNumber ?? false) { return true }
            search = l[r.upperBound...]
        }
        return false
    }

    /// `Retry-After: 900` (or `retry_after=900`, `"retry-after":"900"`) as the log wrote it.
    static func retryAfter(in text: String, lower l: String) -> String? {
        // Found in `text` itself: indices of the lowered copy do not fit it (lowering `İ` makes
        // the string longer). `l` only answers, cheaply, whether there is anything to find.
        guard l.byteRange(of: "retry") != nil,
              let r = ["retry-after", "retry_after", "retryafter"].lazy.compactMap({ text.asciiCaseInsensitiveRange(of: $0) }).first
        else { return nil }
        let rest = text[r.upperBound...].drop { $0 == " " || $0 == ":" || $0 == "=" || $0 == "\"" || $0 == "'" }
        if rest.first?.isNumber == true { return String(rest.prefix { $0.isNumber }.prefix(12)) }
        // An HTTP date, `Wed, 21 Oct 2026 07:28:00 GMT`, and nothing else: whatever else follows
        // the name (a token, on a JSON line) must not become part of a message.
        let date = String(rest.prefix(29))
        let pattern = #"^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$"#
        return date.range(of: pattern, options: .regularExpression) != nil ? date : nil
    }

    /// The lines `curl -i`/`-v` prints between a status line and its body.
    static func isHeaderOrBlank(_ text: String) -> Bool {
        var t = text.drop { $0 == " " || $0 == "\t" }
        if t.isEmpty { return true }
        if t.hasPrefix("< ") || t.hasPrefix("> ") { t = t.dropFirst(2) }
        if t.isEmpty { return true }
        guard let colon = t.firstIndex(of: ":") else { return false }
        let name = t[..<colon]
        return !name.isEmpty && name.allSatisfy { $0.isLetterQuick || $0.isNumberQuick || $0 == "-" } && t[colon...].hasPrefix(": ")
    }

    /// The `[agent]`/`[supervisor]` tag closest before "auth fail".
    static func roleTag(_ before: Substring) -> String {
        guard let close = before.lastIndex(of: "]"), let open = before[..<close].lastIndex(of: "[") else { return "" }
        let tag = before[before.index(after: open)..<close]
        guard !tag.isEmpty, tag.count <= 24, tag.allSatisfy({ $0.isLetterQuick || $0 == "-" || $0 == "_" }) else { return "" }
        return "[\(tag)]"
    }

    static func word(after markers: [String], in l: String) -> String? {
        for m in markers {
            guard let r = l.byteRange(of: m) else { continue }
            let w = l[r.upperBound...].prefix { $0.isLetterQuick || $0 == "_" }
            if !w.isEmpty { return String(w) }
        }
        return nil
    }
}
