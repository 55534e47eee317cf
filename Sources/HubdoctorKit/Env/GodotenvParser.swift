/// joho/godotenv v1.5.1's parser, byte for byte: the Go Hub's reader in native mode.
/// Some of its rules look like bugs; they are what the Hub really gets, so they are kept:
/// the key is checked one *byte* at a time (a BOM refuses the file), `#` starts a comment only
/// after a space, `\t` in double quotes becomes `t`, only `$UPPER_CASE` names expand.
enum GodotenvParser {
    static func parse(_ input: [UInt8]) -> EnvDocument {
        let src = lfLineEnds(input)
        let lines = LineIndex(bytes: src)
        var entries: [EnvEntry] = []
        var vars: [String: [UInt8]] = [:]
        var budget = ReadBudget()
        var pos = 0
        while true {
            guard let start = statementStart(src, from: pos) else { break }
            switch locateKeyName(src, from: start, lines: lines) {
            case .failure(let error):
                return EnvDocument(dialect: .godotenv, entries: [], error: error)
            case .success(let (key, keyAt, valueAt)):
                switch extractValue(src, from: valueAt, vars: vars, lines: lines, key: key) {
                case .failure(let error):
                    return EnvDocument(dialect: .godotenv, entries: [], error: error)
                case .success(let (value, rest)):
                    if let exceeded = budget.produce(value.count, variable: EnvParseError.shown(key)) {
                        return EnvDocument(dialect: .godotenv, entries: [], error: EnvParseError(line: lines.line(at: keyAt), reason: exceeded.reason, isLimit: true))
                    }
                    if !key.isEmpty {
                        vars[key] = value
                        entries.append(EnvEntry(name: key, value: SecretValue(bytes: value), line: lines.line(at: keyAt)))
                    }
                    pos = rest
                }
            }
        }
        return EnvDocument(dialect: .godotenv, entries: entries)
    }

    /// `bytes.Replace(src, "\r\n", "\n", -1)`: a lone CR stays.
    static func lfLineEnds(_ input: [UInt8]) -> [UInt8] {
        guard input.contains(0x0D) else { return input }
        var src: [UInt8] = []
        src.reserveCapacity(input.count)
        var i = 0
        while i < input.count {
            if input[i] == 0x0D, i + 1 < input.count, input[i + 1] == 0x0A { i += 1; continue }
            src.append(input[i])
            i += 1
        }
        return src
    }

    /// Skips blank space and comment lines.
    static func statementStart(_ src: [UInt8], from: Int) -> Int? {
        var pos = from
        while true {
            guard let p = GoText.indexRune(src, from: pos, { !GoText.isSpace($0) }) else { return nil }
            if src[p] != UInt8(ascii: "#") { return p }
            guard let nl = src[p...].firstIndex(of: 0x0A) else { return nil }
            pos = nl
        }
    }

    static func locateKeyName(_ src: [UInt8], from: Int, lines: LineIndex) -> Result<(String, Int, Int), EnvParseError> {
        var s = GoText.trimLeft(src, from: from, GoText.isInlineSpace)
        if GoText.hasExport(src, at: s) {
            let t = s + 6
            if t < src.count, GoText.isInlineSpace(GoText.decodeRune(src, at: t).rune) {
                s = GoText.trimLeft(src, from: t, GoText.isInlineSpace)
            }
        }
        if s == src.count {
            // `export` and spaces at the very end: Go's "zero length string".
            return .failure(EnvParseError(line: lines.line(at: from), reason: "the file ends with a bare `export`; godotenv refuses the whole file"))
        }
        var keyEnd: Int? = nil
        var offset = s
        var i = s
        // Go ranges over the []byte here: each byte is taken as the rune of the same number.
        while i < src.count {
            let b = src[i]
            let r = UInt32(b)
            if GoText.isInlineSpace(r) { i += 1; continue }
            if b == UInt8(ascii: "=") || b == UInt8(ascii: ":") {
                keyEnd = i
                offset = i + 1
                break
            }
            if b == UInt8(ascii: "_") || b == UInt8(ascii: ".") || GoText.isLetter(r) || GoText.isNumber(r) {
                i += 1
                continue
            }
            if i < 3, src.starts(with: [0xEF, 0xBB, 0xBF]) {
                return .failure(EnvParseError(line: 1, reason: "the file starts with a UTF-8 byte order mark (BOM), which godotenv reads as part of " +
                    "the first variable's name (unexpected character \(GoText.quote(r))); godotenv refuses the whole file. Save it as UTF-8 without BOM"))
            }
            return .failure(EnvParseError(line: lines.line(at: i),
                                          reason: "unexpected character \(GoText.quote(r)) in variable name; godotenv refuses the whole file"))
        }
        var key = ""
        if let keyEnd {
            let end = GoText.trimRight(src, from: s, to: keyEnd, GoText.isSpace)
            key = String(decoding: src[s..<end], as: UTF8.self)
        }
        return .success((key, s, GoText.trimLeft(src, from: offset, GoText.isInlineSpace)))
    }

    static func extractValue(_ src: [UInt8], from: Int, vars: [String: [UInt8]], lines: LineIndex, key: String) -> Result<([UInt8], Int), EnvParseError> {
        let quote: UInt8? = from < src.count && (src[from] == 0x22 || src[from] == 0x27) ? src[from] : nil
        guard let quote else {
            var eol = from
            var ascii = true
            while eol < src.count, src[eol] != 0x0A, src[eol] != 0x0D {
                if src[eol] >= 0x80 { ascii = false }
                eol += 1
            }
            if eol == from { return .success(([], eol)) }
            let trimmed: [UInt8]
            if ascii {
                // One byte is one rune: the right-most `#` after a space ends the value.
                var endOfVar = eol
                var j = eol - 1
                while j > from {
                    if src[j] == 0x23, GoText.isInlineSpace(UInt32(src[j - 1])) { endOfVar = j; break }
                    j -= 1
                }
                var a = from, b = endOfVar
                while a < b, GoText.isInlineSpace(UInt32(src[a])) { a += 1 }
                while b > a, GoText.isInlineSpace(UInt32(src[b - 1])) { b -= 1 }
                trimmed = Array(src[a..<b])
            } else {
                // Go converts the line to []rune: invalid bytes become U+FFFD here.
                var runes: [UInt32] = []
                var k = from
                while k < eol {
                    let (r, w) = GoText.decodeRune(src, at: k, end: eol)
                    runes.append(r)
                    k += w
                }
                var endOfVar = runes.count
                var j = runes.count - 1
                while j > 0 {
                    if runes[j] == 0x23, GoText.isInlineSpace(runes[j - 1]) { endOfVar = j; break }
                    j -= 1
                }
                var a = 0, b = endOfVar
                while a < b, GoText.isInlineSpace(runes[a]) { a += 1 }
                while b > a, GoText.isInlineSpace(runes[b - 1]) { b -= 1 }
                trimmed = runes[a..<b].flatMap { GoText.encode($0) }
            }
            return expandVariables(trimmed, vars: vars)
                .map { ($0, eol) }
                .mapError { $0.at(lines.line(at: from), key) }
        }
        var i = from + 1
        while i < src.count {
            defer { i += 1 }
            if src[i] != quote { continue }
            if src[i - 1] == 0x5C { continue }
            var a = from, b = i
            while b > a, src[b - 1] == quote { b -= 1 }
            while a < b, src[a] == quote { a += 1 }
            var value = Array(src[a..<b])
            if quote == 0x22 {
                switch expandVariables(expandEscapes(value), vars: vars) {
                case .success(let v): value = v
                case .failure(let tooLong): return .failure(tooLong.at(lines.line(at: from), key))
                }
            }
            return .success((value, i + 1))
        }
        return .failure(EnvParseError(line: lines.line(at: from), reason: "unterminated quoted value; godotenv refuses the whole file"))
    }

    /// An expanded value longer than hubdoctor reads.
    struct TooLong: Error {
        func at(_ line: Int, _ key: String) -> EnvParseError {
            EnvParseError(line: line, reason: ReadBudget.tooLong(EnvParseError.shown(key)).reason + " (godotenv itself would try to hold it all in memory)", isLimit: true)
        }
    }

    /// `\n` and `\r` become line breaks; then a backslash before any other character but `$` is dropped.
    static func expandEscapes(_ s: [UInt8]) -> [UInt8] {
        var pass1: [UInt8] = []
        var i = 0
        while i < s.count {
            if s[i] == 0x5C, i + 1 < s.count, s[i + 1] != 0x0A {
                let (_, w) = GoText.decodeRune(s, at: i + 1)
                switch s[i + 1] {
                case UInt8(ascii: "n"): pass1.append(0x0A)
                case UInt8(ascii: "r"): pass1.append(0x0D)
                default: pass1.append(contentsOf: s[i..<(i + 1 + w)])
                }
                i += 1 + w
            } else {
                pass1.append(s[i])
                i += 1
            }
        }
        var out: [UInt8] = []
        i = 0
        while i < pass1.count {
            if pass1[i] == 0x5C, i + 1 < pass1.count, pass1[i + 1] != UInt8(ascii: "$") {
                let (_, w) = GoText.decodeRune(pass1, at: i + 1)
                out.append(contentsOf: pass1[(i + 1)..<(i + 1 + w)])
                i += 1 + w
            } else {
                out.append(pass1[i])
                i += 1
            }
        }
        return out
    }

    /// `(\\)?(\$)(\()?\{?([A-Z0-9_]+)?\}?`, each match replaced: an escaped `\$` loses its
    /// backslash; a match with a name becomes that variable's value so far in this file (or
    /// nothing); any other match stays as written. v1.5.1 means to keep `$(` literal too, but
    /// tests the wrong group: `$(whoami)` stays only because `whoami` is not upper case, and
    /// `$(HOST)` is `$HOST` followed by `)`.
    static func expandVariables(_ v: [UInt8], vars: [String: [UInt8]]) -> Result<[UInt8], TooLong> {
        guard v.contains(UInt8(ascii: "$")) else { return .success(v) }
        var out: [UInt8] = []
        out.reserveCapacity(v.count)
        var i = 0
        while i < v.count {
            let escaped = v[i] == 0x5C && i + 1 < v.count && v[i + 1] == UInt8(ascii: "$")
            guard escaped || v[i] == UInt8(ascii: "$") else { out.append(v[i]); i += 1; continue }
            let start = i
            var j = escaped ? i + 2 : i + 1
            if j < v.count, v[j] == UInt8(ascii: "(") { j += 1 }
            if j < v.count, v[j] == UInt8(ascii: "{") { j += 1 }
            let nameStart = j
            while j < v.count, (v[j] >= 0x41 && v[j] <= 0x5A) || (v[j] >= 0x30 && v[j] <= 0x39) || v[j] == 0x5F { j += 1 }
            let nameEnd = j
            if j < v.count, v[j] == UInt8(ascii: "}") { j += 1 }
            if escaped {
                out.append(contentsOf: v[(start + 1)..<j])
            } else if nameEnd > nameStart {
                out.append(contentsOf: vars[String(decoding: v[nameStart..<nameEnd], as: UTF8.self)] ?? [])
                if out.count > ReadBudget.maxValueBytes { return .failure(TooLong()) }
            } else {
                out.append(contentsOf: v[start..<j])
            }
            i = j
        }
        return .success(out)
    }
}
