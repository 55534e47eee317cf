/// compose-go v2's dotenv reader: what `docker compose` puts in a container from an `env_file`
/// and what it reads from the project `.env`. Unlike godotenv it strips a BOM, keeps CRLF inside
/// quotes, understands `\t`, `$$` and `${VAR:-default}`, and refuses an invalid `${`.
enum ComposeEnvParser {
    static func parse(_ input: [UInt8], lookup: [String: String] = [:]) -> EnvDocument {
        var src = input
        if src.starts(with: [0xEF, 0xBB, 0xBF]) { src.removeFirst(3) }
        let lines = LineIndex(bytes: src)
        var entries: [EnvEntry] = []
        var envMap: [String: [UInt8]] = [:]
        let mapping: (String) -> [UInt8]? = { name in
            if let v = lookup[name] { return Array(v.utf8) }
            return envMap[name]
        }
        var pos = 0
        while true {
            guard let start = GodotenvParser.statementStart(src, from: pos) else { break }
            var s = start
            // `^export\s+` (Go's \s: tab, LF, FF, CR, space).
            let export = Array("export".utf8)
            if src.count - s > export.count, Array(src[s..<(s + export.count)]) == export,
               [0x09, 0x0A, 0x0C, 0x0D, 0x20].contains(src[s + export.count]) {
                s = GoText.trimLeft(src, from: s + export.count, GoText.isInlineSpace)
            }
            var i = s
            var terminator: (at: Int, inherited: Bool)? = nil
            while i < src.count {
                let (r, w) = GoText.decodeRune(src, at: i)
                if GoText.isInlineSpace(r) { i += w; continue }
                if r == 0x3D || r == 0x3A || r == 0x0A { terminator = (i, r == 0x0A); break }
                if [0x5F, 0x2E, 0x2D, 0x5B, 0x5D].contains(r) || GoText.isLetter(r) || GoText.isNumber(r) { i += w; continue }
                return EnvDocument(dialect: .compose, entries: [], error: EnvParseError(
                    line: lines.line(at: i), reason: "unexpected character \(GoText.quote(r)) in variable name; Compose refuses the whole file"))
            }
            var key = ""
            var valueAt = s
            var inherited = false
            if let t = terminator {
                key = String(decoding: src[s..<GoText.trimRight(src, from: s, to: t.at, GoText.isSpace)], as: UTF8.self)
                valueAt = GoText.trimLeft(src, from: t.at + 1, GoText.isInlineSpace)
                inherited = t.inherited
            }
            if key.contains(" ") {
                return EnvDocument(dialect: .compose, entries: [], error: EnvParseError(
                    line: lines.line(at: s), reason: "a variable name cannot contain a space; Compose refuses the whole file"))
            }
            if inherited {
                // A bare `KEY` line takes the value from the environment Compose runs in, if any.
                if let v = lookup[key] {
                    envMap[key] = Array(v.utf8)
                    entries.append(EnvEntry(name: key, value: SecretValue(v), line: lines.line(at: s)))
                }
                pos = valueAt
                continue
            }
            switch extractValue(src, from: valueAt, mapping: mapping, lines: lines) {
            case .failure(let error):
                return EnvDocument(dialect: .compose, entries: [], error: error)
            case .success(let (value, rest)):
                if !key.isEmpty {
                    envMap[key] = value
                    entries.append(EnvEntry(name: key, value: SecretValue(bytes: value), line: lines.line(at: s)))
                }
                pos = rest
            }
        }
        return EnvDocument(dialect: .compose, entries: entries)
    }

    static func extractValue(_ src: [UInt8], from: Int, mapping: (String) -> [UInt8]?, lines: LineIndex) -> Result<([UInt8], Int), EnvParseError> {
        let quote: UInt8? = from < src.count && (src[from] == 0x22 || src[from] == 0x27) ? src[from] : nil
        guard let quote else {
            let eol = src[from...].firstIndex(of: 0x0A) ?? src.count
            var value = Array(src[from..<eol])
            // Only " #" starts a comment: a tab before # does not.
            if let hash = firstIndex(of: [0x20, 0x23], in: value) { value = Array(value[..<hash]) }
            value = Array(value[..<GoText.trimRight(value, from: 0, to: value.count, GoText.isSpace)])
            let rest = eol < src.count ? eol + 1 : src.count
            return ComposeTemplate.substitute(value, mapping: mapping)
                .map { ($0, rest) }
                .mapError { EnvParseError(line: lines.line(at: from), reason: $0.reason + "; Compose refuses the whole file") }
        }
        var chars: [UInt8] = []
        var escaped = false
        var i = from + 1
        while i < src.count {
            let c = src[i]
            defer { i += 1 }
            if escaped {
                escaped = false
                // An escaped quote loses its backslash; any other escaped character keeps it.
                if c != quote { chars.append(0x5C) }
                chars.append(c)
                continue
            }
            if c == 0x5C { escaped = true; continue }
            if c == quote {
                var value = chars
                if quote == 0x22 {
                    switch ComposeTemplate.substitute(expandEscapes(value), mapping: mapping) {
                    case .success(let v): value = v
                    case .failure(let e):
                        return .failure(EnvParseError(line: lines.line(at: from), reason: e.reason + "; Compose refuses the whole file"))
                    }
                }
                return .success((value, i + 1))
            }
            chars.append(c)
        }
        return .failure(EnvParseError(line: lines.line(at: from), reason: "unterminated quoted value; Compose refuses the whole file"))
    }

    static func firstIndex(of needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i] == needle[0] && Array(hay[i..<(i + needle.count)]) == needle {
            return i
        }
        return nil
    }

    /// `\\(?:[abcfnrtv$"\\]|0\d{0,3})` unquoted as Go rune literals; `\$` becomes `$$`.
    static func expandEscapes(_ s: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < s.count {
            guard s[i] == 0x5C, i + 1 < s.count else { out.append(s[i]); i += 1; continue }
            let c = s[i + 1]
            switch c {
            case UInt8(ascii: "a"): out.append(0x07); i += 2
            case UInt8(ascii: "b"): out.append(0x08); i += 2
            case UInt8(ascii: "f"): out.append(0x0C); i += 2
            case UInt8(ascii: "n"): out.append(0x0A); i += 2
            case UInt8(ascii: "r"): out.append(0x0D); i += 2
            case UInt8(ascii: "t"): out.append(0x09); i += 2
            case UInt8(ascii: "v"): out.append(0x0B); i += 2
            case UInt8(ascii: "\""): out.append(0x22); i += 2
            case UInt8(ascii: "\\"): out.append(0x5C); i += 2
            case UInt8(ascii: "$"): out.append(contentsOf: [0x24, 0x24]); i += 2
            case UInt8(ascii: "c"): out.append(contentsOf: [0x5C, c]); i += 2 // matched, but not a Go escape: kept
            case UInt8(ascii: "0"):
                var j = i + 2
                while j < s.count, j < i + 5, s[j] >= 0x30, s[j] <= 0x39 { j += 1 }
                let digits = Array(s[(i + 2)..<j])
                // `\0ddd` is read as Go's `\ddd`: exactly three octal digits, at most 255.
                if digits.count == 3, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x37 }) {
                    let v = digits.reduce(0) { $0 * 8 + Int($1 - 0x30) }
                    if v <= 255 { out.append(contentsOf: GoText.encode(UInt32(v))); i = j; continue }
                }
                out.append(contentsOf: s[i..<j])
                i = j
            default:
                out.append(0x5C)
                i += 1
            }
        }
        return out
    }
}

/// compose-go's `template.Substitute`: `$$`, `$VAR`, `${VAR}`, and `${VAR:-d}`, `${VAR-d}`,
/// `${VAR:+r}`, `${VAR+r}`, `${VAR:?e}`, `${VAR?e}` with nesting. An unset variable is empty.
enum ComposeTemplate {
    struct Failure: Error { var reason: String }

    static func isNameStart(_ c: UInt8) -> Bool { c == 0x5F || (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A) }
    static func isName(_ c: UInt8) -> Bool { isNameStart(c) || (c >= 0x30 && c <= 0x39) }

    static func substitute(_ s: [UInt8], mapping: (String) -> [UInt8]?, depth: Int = 0) -> Result<[UInt8], Failure> {
        if depth > 50 { return .failure(Failure(reason: "interpolation nested too deeply")) }
        var out: [UInt8] = []
        var i = 0
        while i < s.count {
            guard s[i] == 0x24, i + 1 < s.count else { out.append(s[i]); i += 1; continue }
            let n = s[i + 1]
            if n == 0x24 { out.append(0x24); i += 2; continue }
            if isNameStart(n) {
                var j = i + 2
                while j < s.count, isName(s[j]) { j += 1 }
                out.append(contentsOf: mapping(String(decoding: s[(i + 1)..<j], as: UTF8.self)) ?? [])
                i = j
                continue
            }
            guard n == 0x7B else { out.append(0x24); i += 1; continue }
            guard i + 2 < s.count, isNameStart(s[i + 2]) else {
                return .failure(Failure(reason: "invalid interpolation: `${` must be followed by a variable name"))
            }
            var k = i + 3
            while k < s.count, isName(s[k]) { k += 1 }
            let name = String(decoding: s[(i + 2)..<k], as: UTF8.self)
            if k < s.count, s[k] == 0x7D {
                out.append(contentsOf: mapping(name) ?? [])
                i = k + 1
                continue
            }
            var op: [UInt8] = []
            if k < s.count, s[k] == 0x3A, k + 1 < s.count, [0x2D, 0x2B, 0x3F].contains(s[k + 1]) {
                op = [0x3A, s[k + 1]]
            } else if k < s.count, [0x2D, 0x2B, 0x3F].contains(s[k]) {
                op = [s[k]]
            }
            guard !op.isEmpty, let close = closingBrace(s, from: i) else {
                return .failure(Failure(reason: "invalid interpolation: a `${` is not closed, or its operator is not one of :- - :+ + :? ?"))
            }
            let arg = Array(s[(k + op.count)..<close])
            let value = mapping(name)
            let emptyCounts = op.count == 2
            let unset = value == nil || (emptyCounts && value!.isEmpty)
            switch op.last! {
            case 0x2D: // -  default
                if unset {
                    switch substitute(arg, mapping: mapping, depth: depth + 1) {
                    case .success(let d): out.append(contentsOf: d)
                    case .failure(let f): return .failure(f)
                    }
                } else {
                    out.append(contentsOf: value!)
                }
            case 0x2B: // +  alternative
                if !unset {
                    switch substitute(arg, mapping: mapping, depth: depth + 1) {
                    case .success(let d): out.append(contentsOf: d)
                    case .failure(let f): return .failure(f)
                    }
                }
            default: // ?  required
                if unset { return .failure(Failure(reason: "required variable \(name) is missing a value")) }
                out.append(contentsOf: value!)
            }
            i = close + 1
        }
        return .success(out)
    }

    /// The `}` that closes the `${` at `from`, counting nested `${`; it must be on the same line.
    static func closingBrace(_ s: [UInt8], from: Int) -> Int? {
        var open = 0
        var i = from
        while i < s.count {
            if s[i] == 0x0A { return nil }
            if s[i] == 0x7D {
                open -= 1
                if open == 0 { return i }
            }
            if s[i] == 0x24, i + 1 < s.count, s[i + 1] == 0x7B {
                open += 1
                i += 1
            }
            i += 1
        }
        return nil
    }
}
