/// Looks at key values and describes them without revealing them: placeholders, whitespace or
/// quotes at the ends, and the *shape* of the difference between two keys.
public enum KeyAnalysis {
    static let placeholderWords: Set<String> = [
        "changeme", "change-me", "change_me", "changeit", "change-it", "replaceme", "replace-me", "replace_me",
        "placeholder", "todo", "tbd", "fixme", "undefined", "null", "none", "nil", "empty", "secret", "password",
        "your-api-key", "your_api_key", "yourapikey", "your-key", "your_key", "api-key", "api_key", "apikey",
        "example", "dummy", "sample", "default", "test", "token", "your-token", "your_token", "key", "redacted",
        "insert-key-here", "insert_key_here", "set-me", "setme", "missing", "false", "true", "0", "-",
    ]
    static let placeholderFragments = ["changeme", "change-me", "change_me", "your-", "your_", "placeholder", "replace-me",
                                       "replace_me", "replaceme", "insert-", "insert_"]

    /// Why `value` is not a real key, or nil when it could be one. Never quotes the value.
    public static func placeholderReason(_ value: SecretValue) -> String? {
        let t = DotenvJSParser.jsTrim(value.text)
        let lower = t.lowercased()
        let scalars = Array(t.unicodeScalars)
        guard !scalars.isEmpty else { return nil }
        if lower.hasPrefix("enc[") { return "it is a SOPS-encrypted value (ENC[…]) that was never decrypted" }
        if t.hasPrefix("<"), t.hasSuffix(">") { return "it is a template marker (<…>) that was never filled in" }
        if t.contains("${") || t.contains("{{") || (t.hasPrefix("$") && scalars.count > 1 && (scalars[1].properties.isAlphabetic || scalars[1] == "_")) {
            return "it is a variable reference (${…}, $VAR or {{…}}) that no reader expanded"
        }
        if placeholderWords.contains(lower) { return "it is a well-known placeholder word" }
        if Set(scalars).count == 1 { return "it is one character repeated \(scalars.count) times" }
        if lower.allSatisfy({ $0 == "x" || $0 == "*" || $0 == "." || $0 == "-" || $0 == "_" }) { return "it is filler characters, not a key" }
        if placeholderFragments.contains(where: { lower.contains($0) }) { return "it contains placeholder text" }
        if scalars.count < 8 { return "it is only \(scalars.count) characters long: far too short for a key" }
        if isSequence(scalars) { return "it is a plain sequence of characters" }
        if entropyBitsPerChar(scalars) < 2.0 { return "it has too little variety to be a generated key" }
        return nil
    }

    static func isSequence(_ s: [Unicode.Scalar]) -> Bool {
        guard s.count >= 4 else { return false }
        let up = zip(s, s.dropFirst()).allSatisfy { $1.value == $0.value + 1 }
        let down = zip(s, s.dropFirst()).allSatisfy { $1.value + 1 == $0.value }
        return up || down
    }

    static func entropyBitsPerChar(_ s: [Unicode.Scalar]) -> Double {
        var counts: [Unicode.Scalar: Int] = [:]
        for c in s { counts[c, default: 0] += 1 }
        let n = Double(s.count)
        return counts.values.reduce(0) { acc, k in
            let p = Double(k) / n
            return acc - p * log2(p)
        }
    }

    private static func log2(_ x: Double) -> Double { _log2(x) }

    /// Names of whitespace-like characters at the ends of `value` ("ends with LF").
    public static func edgeWhitespace(_ value: SecretValue) -> String? {
        let s = Array(value.text.unicodeScalars)
        guard let first = s.first, let last = s.last else { return nil }
        var parts: [String] = []
        if let n = spaceName(first) { parts.append("starts with \(n)") }
        if s.count > 1 || parts.isEmpty, let n = spaceName(last) {
            if s.count >= 2, last == "\n", s[s.count - 2] == "\r" { parts.append("ends with CR LF") }
            else { parts.append("ends with \(n)") }
        }
        return parts.isEmpty ? nil : parts.joined(separator: " and ")
    }

    static func spaceName(_ c: Unicode.Scalar) -> String? {
        switch c.value {
        case 0x20: return "a space"
        case 0x09: return "a tab"
        case 0x0D: return "CR (\\r)"
        case 0x0A: return "LF (\\n)"
        case 0xFEFF: return "a BOM (U+FEFF)"
        case 0xA0: return "a no-break space (U+00A0)"
        case 0x200B: return "a zero-width space (U+200B)"
        default:
            return c.properties.isWhitespace ? String(format: "a Unicode space (U+%04X)", c.value) : nil
        }
    }

    /// Whether the reader delivered literal quote characters around the key.
    public static func quoteReason(_ value: SecretValue) -> String? {
        let s = Array(value.text.unicodeScalars)
        guard let first = s.first, ["\"", "'", "`"].contains(first) else { return nil }
        let name = first == "\"" ? "double quotes" : first == "'" ? "single quotes" : "backticks"
        if s.count >= 2, s.last == first { return "it keeps literal \(name) around the key" }
        if s.dropFirst().contains(first) { return "it starts with a literal quote (text after the closing quote was kept)" }
        return "it starts with an unmatched literal quote"
    }

    /// The shape of the difference between two different keys, in words, revealing neither.
    public static func differenceShape(_ a: SecretValue, _ aName: String, _ b: SecretValue, _ bName: String) -> String {
        let ta = a.text, tb = b.text
        let trimA = DotenvJSParser.jsTrim(ta), trimB = DotenvJSParser.jsTrim(tb)
        if trimA == trimB {
            var parts: [String] = []
            if let w = edgeWhitespace(a) { parts.append("\(aName)'s value \(w)") }
            if let w = edgeWhitespace(b) { parts.append("\(bName)'s value \(w)") }
            return "they differ only by whitespace at an end: " + parts.joined(separator: "; ")
        }
        if unquote(trimA) == unquote(trimB) {
            let who = unquote(trimA) == trimA ? bName : aName
            return "they differ only by quotes: \(who)'s reader keeps literal quote characters that the other side's reader strips"
        }
        if trimA.lowercased() == trimB.lowercased() {
            return "they differ only in letter case"
        }
        let sa = Array(ta.unicodeScalars), sb = Array(tb.unicodeScalars)
        if sb.count > sa.count, sb.starts(with: sa) {
            return "\(aName)'s value is a prefix of \(bName)'s: \(sb.count - sa.count) characters are missing at its end (cut at a `#`, a `$` or a line break?)"
        }
        if sa.count > sb.count, sa.starts(with: sb) {
            return "\(bName)'s value is a prefix of \(aName)'s: \(sa.count - sb.count) characters are missing at its end (cut at a `#`, a `$` or a line break?)"
        }
        if sa.count == sb.count {
            return "same length (\(sa.count) characters) but different characters: a different key of the same format (an old key, or another environment's)"
        }
        return "different values (\(sa.count) vs \(sb.count) characters)"
    }

    static func unquote(_ s: String) -> String {
        let c = Array(s.unicodeScalars)
        guard c.count >= 2, let f = c.first, ["\"", "'", "`"].contains(f), c.last == f else { return s }
        return String(String.UnicodeScalarView(c[1..<(c.count - 1)]))
    }
}

import Foundation
private func _log2(_ x: Double) -> Double { Foundation.log2(x) }
