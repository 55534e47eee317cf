import Foundation

/// Masks everything key-like in a log line before it is shown as a sample: bearer credentials,
/// `Authorization` values, `token=`/`api_key:`/`"secret":"…"` values, passwords in URLs, and long
/// random-looking strings. It errs on the side of masking: a sample line only has to show the
/// shape of what happened. Values that say something without being secret stay visible: an empty
/// value, `undefined`/`null`/`None`, `${VAR}` and `<api-key>` templates, and the documented
/// public Team Hub prefix (`hbk_` and 8 characters).
///
/// Keys the run knows (`--key-env`, the keys read from the layout) are removed first by a
/// `KeyScrubber`, whole and by every run of 10 characters, wherever they stand: the shapes below
/// are for the keys nobody named.
public enum LogMasker {
    public static let mark = "‹redacted›"

    public static func mask(_ line: String, scrubber: KeyScrubber = .empty) -> String {
        var s = Array(scrubber.scrub(line).unicodeScalars)
        s = maskSchemes(s)
        s = maskElements(s)
        s = maskAssignments(s)
        s = maskURLPasswords(s)
        s = maskPublicPrefixTokens(s)
        s = maskRandomRuns(s)
        var out = String.UnicodeScalarView()
        out.append(contentsOf: s)
        return String(out)
    }

    static let markScalars = Array(mark.unicodeScalars)
    static let schemes = ["bearer", "basic", "token", "apikey", "api-key", "digest", "negotiate"]
    static let harmless: Set<String> = ["undefined", "null", "none", "nil", "<nil>", "\"\"", "''"]
    static let sensitiveFragments = ["token", "secret", "passw", "pwd", "credential", "cookie", "session", "signature",
                                     "authorization", "private"]

    /// Whether a credential value says something useful without being secret.
    static func isHarmless(_ v: [Unicode.Scalar]) -> Bool {
        if v.isEmpty || v.first == markScalars.first { return true }
        let text = string(v)
        if harmless.contains(text.lowercased()) { return true }
        if text.hasPrefix("${"), text.hasSuffix("}") { return true }
        if text.hasPrefix("$"), v.count > 1, v.dropFirst().allSatisfy({ isWordScalar($0) }) { return true }
        if text.hasPrefix("<"), text.hasSuffix(">"), v.count <= 24,
           v.dropFirst().dropLast().allSatisfy({ $0.properties.isAlphabetic || $0 == "-" || $0 == "_" || $0 == " " }) {
            return true
        }
        return false
    }

    /// What replaces a credential value: the mark, after the public `hbk_` prefix where present.
    static func replacement(_ v: [Unicode.Scalar]) -> [Unicode.Scalar] {
        if isHarmless(v) { return v }
        if string(Array(v.prefix(4))) == "hbk_" {
            // The documented public part alone (as `team-hub user token list` prints it) stays.
            return v.count <= 12 ? v : Array(v.prefix(12)) + markScalars
        }
        return markScalars
    }

    static func string(_ v: [Unicode.Scalar]) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: v)
        return String(view)
    }

    static func isWordScalar(_ c: Unicode.Scalar) -> Bool {
        c.isASCII && (c.properties.isAlphabetic || c.properties.numericType != nil || c == "_")
    }

    static func lower(_ c: Unicode.Scalar) -> Unicode.Scalar {
        c.value >= 0x41 && c.value <= 0x5A ? Unicode.Scalar(UInt8(c.value + 0x20)) : c
    }

    static func matches(_ s: [Unicode.Scalar], at i: Int, _ word: String) -> Bool {
        let w = Array(word.unicodeScalars)
        guard i + w.count <= s.count else { return false }
        for k in 0..<w.count where lower(s[i + k]) != w[k] { return false }
        return true
    }

    static func isValueEnd(_ c: Unicode.Scalar) -> Bool {
        c.properties.isWhitespace || "\"'`,;&)]}\\".unicodeScalars.contains(c)
    }

    /// The end of an unquoted value that starts at `i`.
    static func valueEnd(_ s: [Unicode.Scalar], from i: Int) -> Int {
        if i + 1 < s.count, s[i] == "$", s[i + 1] == "{", let close = s[i...].firstIndex(of: "}") { return close + 1 }
        var j = i
        while j < s.count, !isValueEnd(s[j]) { j += 1 }
        return j
    }

    /// Words that follow "bearer" in prose ("missing bearer token") rather than a credential.
    static let proseAfterBearer: Set<String> = ["token", "tokens", "auth", "authentication", "credential", "credentials",
                                                "header", "scheme", "realm", "prefix", "is", "was", "missing", "required"]

    /// Copies `s`, replacing each span that `match` claims at a position: `match(i)` returns
    /// where the span ends and what stands in its place, or nil to copy `s[i]` as it is.
    static func rewrite(_ s: [Unicode.Scalar], _ match: (Int) -> (end: Int, with: [Unicode.Scalar])?) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            if let m = match(i), m.end > i {
                out += m.with
                i = m.end
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return out
    }

    /// `Bearer xyz` anywhere (also `Bearer: xyz`, `bearer=xyz`): what follows the scheme up to
    /// white space or a quote is the credential, commas and all (`Bearer A,B` is one value to a
    /// server that splits nothing). Other schemes are masked where they stand in an
    /// `Authorization` value, and random-looking values anyway.
    static func maskSchemes(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        rewrite(s) { i in
            guard i == 0 || !isWordScalar(s[i - 1]), matches(s, at: i, "bearer") else { return nil }
            var j = i + 6
            guard j < s.count, !isWordScalar(s[j]) else { return nil }
            while j < s.count, s[j] == " " { j += 1 }
            // `bearer=…` is a query parameter, which ends at `&`.
            var parameter = false
            if j < s.count, s[j] == ":" || s[j] == "=" {
                parameter = s[j] == "="
                j += 1
                while j < s.count, s[j] == " " { j += 1 }
            }
            guard j > i + 6 else { return nil }
            if j < s.count, let close = closingQuote(s, at: j) {
                let (start, end) = quotedValue(s, at: j, close: close)
                return (end, Array(s[i..<start]) + replacement(Array(s[start..<end])))
            }
            var end = j
            while end < s.count, !isCredentialEnd(s[end]), !(parameter && s[end] == "&") { end += 1 }
            guard end > j, !proseAfterBearer.contains(string(Array(s[j..<end])).lowercased()) else { return nil }
            return (end, Array(s[i..<j]) + replacement(Array(s[j..<end])))
        }
    }

    /// Where a credential after a scheme ends: white space, a quote, a backslash (an escaped
    /// quote in a JSON string), or the start of a markup tag.
    static func isCredentialEnd(_ c: Unicode.Scalar) -> Bool {
        c.properties.isWhitespace || "\"'`\\<".unicodeScalars.contains(c)
    }

    /// At `i`, an opening quote (`"`, `'`, `` ` ``, or `\"` / `\'` inside a JSON string): the
    /// sequence that closes it.
    static func closingQuote(_ s: [Unicode.Scalar], at i: Int) -> [Unicode.Scalar]? {
        if s[i] == "\"" || s[i] == "'" || s[i] == "`" { return [s[i]] }
        if s[i] == "\\", i + 1 < s.count, s[i + 1] == "\"" || s[i + 1] == "'" { return [s[i], s[i + 1]] }
        return nil
    }

    /// The value inside the quotes that open at `i`: where it starts, and where the closing quote
    /// starts (the end of the line when it is not closed). A backslash escapes the next character.
    static func quotedValue(_ s: [Unicode.Scalar], at i: Int, close: [Unicode.Scalar]) -> (start: Int, end: Int) {
        let start = i + close.count
        var k = start
        while k < s.count {
            if close.count == 1, s[k] == close[0] { break }
            if close.count == 2, s[k] == "\\", k + 1 < s.count, s[k + 1] == close[1] { break }
            k += s[k] == "\\" && close.count == 1 ? 2 : 1
        }
        return (start, min(k, s.count))
    }

    /// `<token>…</token>`, `<api_key attr="…">…</api_key>`: the text of an element whose name
    /// says it holds a secret.
    static func maskElements(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        rewrite(s) { i in
            guard s[i] == "<", i + 1 < s.count, isNameScalar(s[i + 1]) else { return nil }
            var j = i + 1
            while j < s.count, isNameScalar(s[j]) || s[j] == ":" { j += 1 }
            let name = string(Array(s[(i + 1)..<j]))
            guard isSensitiveName(name.split(separator: ":").last.map(String.init) ?? name) else { return nil }
            while j < s.count, s[j] != ">" { j += 1 }
            guard j < s.count, s[j - 1] != "/" else { return nil }
            var end = j + 1
            while end < s.count, s[end] != "<" { end += 1 }
            // Only an element that closes (`</token>`): `Bearer <api-key>` is a template.
            let closing = Array("</\(name)".unicodeScalars)
            guard end + closing.count <= s.count, Array(s[end..<(end + closing.count)]) == closing else { return nil }
            return (end, Array(s[i...j]) + replacement(Array(s[(j + 1)..<end])))
        }
    }

    static func isSensitiveName(_ name: String) -> Bool {
        let n = name.lowercased()
        if sensitiveFragments.contains(where: { n.hasBytes($0) }) { return true }
        if n == "key" || n.hasSuffix("key") || n.hasSuffix("keys") || n.hasSuffix("_pat") || n == "pat" || n == "auth" || n.hasSuffix("-auth") || n.hasSuffix("_auth") {
            return true
        }
        return n == "sig" || n == "jwt" || n == "dsn" || n == "bearer"
    }

    static func isNameScalar(_ c: Unicode.Scalar) -> Bool { isWordScalar(c) || c == "-" || c == "." }

    /// `name=value`, `name: value`, `"name":"value"`, `"name" : "value"`, `\"name\":\"value\"` (a
    /// JSON string inside a log line) where the name says it holds a secret. A quoted value is
    /// masked to its closing quote, spaces and all.
    static func maskAssignments(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        rewrite(s) { i in
            guard s[i] == "=" || s[i] == ":", !(s[i] == ":" && i + 2 < s.count && s[i + 1] == "/" && s[i + 2] == "/") else { return nil }
            // The name ends just before the separator, perhaps behind spaces and a closing quote.
            var nameEnd = i
            while nameEnd > 0, s[nameEnd - 1] == " " { nameEnd -= 1 }
            if nameEnd > 0, s[nameEnd - 1] == "\"" || s[nameEnd - 1] == "'" {
                nameEnd -= 1
                if nameEnd > 0, s[nameEnd - 1] == "\\" { nameEnd -= 1 }
            }
            var nameStart = nameEnd
            while nameStart > 0, isNameScalar(s[nameStart - 1]) { nameStart -= 1 }
            guard nameStart < nameEnd, isSensitiveName(string(Array(s[nameStart..<nameEnd]))) else { return nil }
            var j = i + 1
            while j < s.count, s[j] == " " { j += 1 }
            if j < s.count, let close = closingQuote(s, at: j) {
                let (start, end) = quotedValue(s, at: j, close: close)
                return (end, Array(s[i..<start]) + maskValue(Array(s[start..<end])))
            }
            var end = valueEnd(s, from: j)
            // `Authorization: Bearer xyz` unquoted: the scheme is one word, the credential the next.
            if schemes.contains(string(Array(s[j..<end])).lowercased()), end < s.count, s[end] == " " {
                end = valueEnd(s, from: end + 1)
            }
            return (end, Array(s[i..<j]) + maskValue(Array(s[j..<end])))
        }
    }

    /// A value after a sensitive name: a scheme in front of it stays readable.
    static func maskValue(_ v: [Unicode.Scalar]) -> [Unicode.Scalar] {
        if let space = v.firstIndex(of: " "), schemes.contains(string(Array(v[..<space])).lowercased()) {
            let rest = Array(v[(space + 1)...])
            return Array(v[...space]) + replacement(rest)
        }
        return replacement(v)
    }

    /// `https://user:password@host` keeps the user and hides the password.
    static func maskURLPasswords(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        rewrite(s) { i in
            guard s[i] == ":", i + 2 < s.count, s[i + 1] == "/", s[i + 2] == "/" else { return nil }
            var j = i + 3
            var colon: Int?
            var at: Int?
            while j < s.count, !s[j].properties.isWhitespace, s[j] != "/", s[j] != "\"" {
                if s[j] == ":", colon == nil { colon = j }
                if s[j] == "@" { at = j }
                j += 1
            }
            guard let colon, let at, colon < at else { return nil }
            return (at, Array(s[i...colon]) + replacement(Array(s[(colon + 1)..<at])))
        }
    }

    /// `hbk_` tokens anywhere keep the documented public part.
    static func maskPublicPrefixTokens(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        rewrite(s) { i in
            guard i == 0 || !isWordScalar(s[i - 1]), matches(s, at: i, "hbk_") else { return nil }
            var j = i + 4
            while j < s.count, isWordScalar(s[j]) || s[j] == "-" { j += 1 }
            return (j, replacement(Array(s[i..<j])))
        }
    }

    static func isRunScalar(_ c: Unicode.Scalar) -> Bool {
        c.isASCII && (c.properties.isAlphabetic || c.properties.numericType != nil || "+/=_-.~".unicodeScalars.contains(c))
    }

    /// Long strings that look generated (base64, hex, base32 keys) wherever they stand.
    static func maskRandomRuns(_ s: [Unicode.Scalar]) -> [Unicode.Scalar] {
        rewrite(s) { i in
            guard isRunScalar(s[i]), i == 0 || !isRunScalar(s[i - 1]) else { return nil }
            var j = i
            while j < s.count, isRunScalar(s[j]) { j += 1 }
            var end = j
            while end > i, s[end - 1] == "." { end -= 1 }
            let run = Array(s[i..<end])
            let masked = string(Array(run.prefix(4))) != "hbk_" && looksRandom(run)
            return (j, masked ? markScalars + s[end..<j] : Array(s[i..<j]))
        }
    }

    /// Whether a run of token characters looks like a generated secret rather than a word, a path
    /// or a number.
    static func looksRandom(_ run: [Unicode.Scalar]) -> Bool {
        let letters = run.filter { $0.properties.isAlphabetic }
        let digits = run.filter { $0.properties.numericType != nil }.count
        let upper = letters.filter { $0.properties.isUppercase }.count
        let lowerCount = letters.count - upper
        let hex = run.filter { $0 != "-" }.allSatisfy { $0.properties.isASCIIHexDigit }
        let core = run.filter { $0 != "-" }
        if hex, core.count >= 16, digits > 0, letters.count > 0 { return true }
        guard run.count >= 20 else { return false }
        if run.contains("/") {
            // Paths have slashes too; base64 keys mix all three character classes.
            return upper > 0 && lowerCount > 0 && digits > 0 && KeyAnalysis.entropyBitsPerChar(run) >= 4.0
        }
        let classes = [upper > 0, lowerCount > 0, digits > 0].filter { $0 }.count
        guard classes >= 2, digits >= 2 || (upper >= 3 && lowerCount >= 3) else { return false }
        return KeyAnalysis.entropyBitsPerChar(run) >= 3.5
    }
}
