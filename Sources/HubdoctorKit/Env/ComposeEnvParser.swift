/// compose-go v2's dotenv reader (`dotenv.ParseWithFormat`): what `docker compose` puts in a
/// container from an `env_file` and what it reads from the project `.env`. Unlike godotenv it
/// strips a BOM, keeps CRLF inside quotes, understands `\t`, `$$` and `${VAR:-default}`, and
/// refuses an invalid `${`.
enum ComposeEnvParser {
    static func parse(_ input: [UInt8], lookup: [String: String] = [:]) -> EnvDocument {
        var src = input
        if src.starts(with: [0xEF, 0xBB, 0xBF]) { src.removeFirst(3) }
        let lines = LineIndex(bytes: src)
        var entries: [EnvEntry] = []
        var envMap: [String: [UInt8]] = [:]
        var budget = ReadBudget()
        let mapping: (String) -> [UInt8]? = { name in
            if let v = lookup[name] { return Array(v.utf8) }
            return envMap[name]
        }
        func refused(_ line: Int, _ reason: String, isLimit: Bool = false) -> EnvDocument {
            EnvDocument(dialect: .compose, entries: [], error: EnvParseError(line: line, reason: reason, isLimit: isLimit))
        }
        var pos = 0
        while true {
            guard let start = GodotenvParser.statementStart(src, from: pos) else { break }
            var s = start
            // `^export\s+` (Go's \s: tab, LF, FF, CR, space), then the readers' own spaces.
            if src.count - s > 6, GoText.hasExport(src, at: s), [0x09, 0x0A, 0x0C, 0x0D, 0x20].contains(src[s + 6]) {
                s = GoText.trimLeft(src, from: s + 6, GoText.isInlineSpace)
                if s == src.count {
                    // Go's "zero length string".
                    return refused(lines.line(at: start), "the file ends with a bare `export`; Compose refuses the whole file")
                }
            }
            var i = s
            var terminator: (at: Int, inherited: Bool)? = nil
            while i < src.count {
                let (r, w) = GoText.decodeRune(src, at: i)
                if GoText.isInlineSpace(r) { i += w; continue }
                if r == 0x3D || r == 0x3A || r == 0x0A { terminator = (i, r == 0x0A); break }
                if r == 0x5F || r == 0x2E || r == 0x2D || r == 0x5B || r == 0x5D || GoText.isLetter(r) || GoText.isNumber(r) { i += w; continue }
                return refused(lines.line(at: i), "unexpected character \(GoText.quote(r)) in variable name; Compose refuses the whole file")
            }
            var key = ""
            var valueAt = s
            var inherited = false
            if let t = terminator {
                key = String(decoding: src[s..<GoText.trimRight(src, from: s, to: t.at, GoText.isSpace)], as: UTF8.self)
                valueAt = GoText.trimLeft(src, from: t.at + 1, GoText.isInlineSpace)
                inherited = t.inherited
            }
            if key.utf8.contains(0x20) {
                return refused(lines.line(at: s), "a variable name cannot contain a space; Compose refuses the whole file")
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
            switch extractValue(src, from: valueAt, mapping: mapping, lines: lines, variable: key, budget: &budget) {
            case .failure(let error):
                return EnvDocument(dialect: .compose, entries: [], error: error)
            case .success(let (value, rest)):
                if let exceeded = budget.produce(value.count, variable: EnvParseError.shown(key)) {
                    return refused(lines.line(at: s), exceeded.reason, isLimit: true)
                }
                envMap[key] = value
                if !key.isEmpty {
                    entries.append(EnvEntry(name: key, value: SecretValue(bytes: value), line: lines.line(at: s)))
                }
                pos = rest
            }
        }
        return EnvDocument(dialect: .compose, entries: entries)
    }

    static func extractValue(_ src: [UInt8], from: Int, mapping: (String) -> [UInt8]?, lines: LineIndex, variable: String,
                             budget: inout ReadBudget) -> Result<([UInt8], Int), EnvParseError> {
        func failure(_ f: ComposeTemplate.Failure) -> EnvParseError {
            EnvParseError(line: lines.line(at: from), reason: f.isLimit ? f.reason : f.reason + "; Compose refuses the whole file", isLimit: f.isLimit)
        }
        let quote: UInt8? = from < src.count && (src[from] == 0x22 || src[from] == 0x27) ? src[from] : nil
        guard let quote else {
            let eol = src[from...].firstIndex(of: 0x0A) ?? src.count
            var end = eol
            // Only " #" starts a comment: a tab before # does not.
            var k = from
            while k + 1 < eol {
                if src[k] == 0x20, src[k + 1] == 0x23 { end = k; break }
                k += 1
            }
            end = GoText.trimRight(src, from: from, to: end, GoText.isSpace)
            let rest = eol < src.count ? eol + 1 : src.count
            return ComposeTemplate.substitute(Array(src[from..<end]), mapping: mapping, variable: variable, budget: &budget)
                .map { ($0, rest) }
                .mapError(failure)
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
                    switch ComposeTemplate.substitute(expandEscapes(value), mapping: mapping, variable: variable, budget: &budget) {
                    case .success(let v): value = v
                    case .failure(let f): return .failure(failure(f))
                    }
                }
                return .success((value, i + 1))
            }
            chars.append(c)
        }
        return .failure(EnvParseError(line: lines.line(at: from), reason: "unterminated quoted value; Compose refuses the whole file"))
    }

    /// `\\(?:[abcfnrtv$"\\]|0\d{0,3})`, each match unquoted as a Go rune literal by
    /// `strconv.UnquoteChar`, or kept as it is when that fails; `\$` becomes `$$`. A `\0` prefix is
    /// first rewritten to `\`, so `\0101` is the octal `\101` (`A`), while `\0`, `\05` and `\0128`
    /// are not valid literals and stay as `\`, `\5` and `\128`.
    static func expandEscapes(_ s: [UInt8]) -> [UInt8] {
        guard s.contains(0x5C) else { return s }
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
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
                let digits = s[(i + 2)..<j]
                // `\ddd`: exactly three octal digits, at most 255.
                if digits.count == 3, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x37 }) {
                    let v = digits.reduce(0) { $0 * 8 + Int($1 - 0x30) }
                    if v <= 255 { out.append(contentsOf: GoText.encode(UInt32(v))); i = j; continue }
                }
                out.append(0x5C)
                out.append(contentsOf: digits)
                i = j
            default:
                out.append(0x5C)
                i += 1
            }
        }
        return out
    }
}

/// compose-go's `template.Substitute`, as its regular expression and replacement function
/// really behave:
///
/// `\$(?i:(?P<escaped>\$)|(?P<named>[_a-z][_a-z0-9]*)|{(?:(?P<braced>[_a-z][_a-z0-9]*(?::?[-+?](.*))?)}|(?P<invalid>)))`
///
/// - `$$` is `$`; `$name` and `${name}` are the variable or nothing; a `$` that starts none of these
///   stays; `${` that is not a valid braced form makes the whole template invalid;
/// - with an operator (`:-` `-` `:+` `+` `:?` `?`), `(.*)` is greedy, so the match runs to the
///   *last* `}` of the line; the replacement then cuts it at the first `}` that balances the
///   braces counted from `${` (each `{` also skips the character after it), applies the operator
///   to what lies inside, and substitutes the rest of the match on its own;
/// - a default, alternative or message is itself substituted (errors included).
///
/// Substitution is iterative along the text and recursive only into defaults, with bounds on
/// nesting, output and work.
enum ComposeTemplate {
    struct Failure: Error {
        var reason: String
        var isLimit = false
    }

    static let maxNesting = 200

    static func substitute(_ s: [UInt8], mapping: (String) -> [UInt8]?) -> Result<[UInt8], Failure> {
        var budget = ReadBudget()
        return substitute(s, mapping: mapping, variable: "a value", budget: &budget)
    }

    /// `variable`: what the text is the value of, for messages.
    static func substitute(_ s: [UInt8], mapping: (String) -> [UInt8]?, variable: String, budget: inout ReadBudget) -> Result<[UInt8], Failure> {
        guard s.contains(0x24) else { return .success(s) }
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        let done: Result<Void, Failure> = withoutActuallyEscaping(mapping) { mapping in
            s.withUnsafeBufferPointer { b -> Result<Void, Failure> in
                do throws(Failure) {
                    try Template(s: b, mapping: mapping, variable: EnvParseError.shown(variable)).substitute(0..<b.count, depth: 0, into: &out, budget: &budget)
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
        }
        return done.map { out }
    }

    private struct Template {
        let s: UnsafeBufferPointer<UInt8>
        let mapping: (String) -> [UInt8]?
        let variable: String

        /// `[_a-z]` under `(?i)`: Go's case folding also admits U+017F (ſ) and U+212A (K).
        func nameStartWidth(_ i: Int, _ end: Int) -> Int {
            let c = s[i]
            if c == 0x5F || (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A) { return 1 }
            if c == 0xC5, i + 1 < end, s[i + 1] == 0xBF { return 2 }
            if c == 0xE2, i + 2 < end, s[i + 1] == 0x84, s[i + 2] == 0xAA { return 3 }
            return 0
        }

        func nameWidth(_ i: Int, _ end: Int) -> Int {
            let c = s[i]
            if c >= 0x30, c <= 0x39 { return 1 }
            return nameStartWidth(i, end)
        }

        /// The end of the name starting at `i`, or nil when none starts there.
        func nameEnd(_ i: Int, _ end: Int) -> Int? {
            guard i < end else { return nil }
            let w = nameStartWidth(i, end)
            guard w > 0 else { return nil }
            var j = i + w
            while j < end {
                let w = nameWidth(j, end)
                if w == 0 { break }
                j += w
            }
            return j
        }

        func text(_ r: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: s[r]), as: UTF8.self) }

        func append(_ v: [UInt8], to out: inout [UInt8], budget: inout ReadBudget) throws(Failure) {
            out.append(contentsOf: v)
            if out.count > ReadBudget.maxValueBytes { throw Failure(reason: ReadBudget.tooLong(variable).reason, isLimit: true) }
            if let e = budget.spend(v.count, variable: variable) { throw Failure(reason: e.reason, isLimit: true) }
        }

        func substitute(_ range: Range<Int>, depth: Int, into out: inout [UInt8], budget: inout ReadBudget) throws(Failure) {
            if depth > maxNesting {
                throw Failure(reason: "defaults nest more than \(maxNesting) levels deep; hubdoctor stops reading this file", isLimit: true)
            }
            let end = range.upperBound
            // The line being matched and its last `}` (the greedy `(.*)}` ends there).
            var lineEnd = -1
            var lastBrace = -1
            var i = range.lowerBound
            while i < end {
                guard let rel = UnsafeBufferPointer(rebasing: s[i..<end]).firstIndex(of: 0x24) else {
                    out.append(contentsOf: s[i..<end])
                    break
                }
                let d = i + rel
                out.append(contentsOf: s[i..<d])
                if let e = budget.spend(d - i + 1, variable: variable) { throw Failure(reason: e.reason, isLimit: true) }
                guard d + 1 < end else { out.append(0x24); break }
                let c = s[d + 1]
                if c == 0x24 { out.append(0x24); i = d + 2; continue }
                if let ne = nameEnd(d + 1, end) {
                    try append(mapping(text((d + 1)..<ne)) ?? [], to: &out, budget: &budget)
                    i = ne
                    continue
                }
                guard c == 0x7B else { out.append(0x24); i = d + 1; continue }
                guard let ne = nameEnd(d + 2, end) else { throw invalid() }
                if ne < end, s[ne] == 0x7D {
                    try append(mapping(text((d + 2)..<ne)) ?? [], to: &out, budget: &budget)
                    i = ne + 1
                    continue
                }
                var k = ne
                if k < end, s[k] == 0x3A { k += 1 }
                guard k < end, s[k] == 0x2D || s[k] == 0x2B || s[k] == 0x3F else { throw invalid() }
                let op = Array(s[ne...k])
                // `(.*)}`: the last `}` of the line, after the operator.
                if d >= lineEnd {
                    lineEnd = UnsafeBufferPointer(rebasing: s[d..<end]).firstIndex(of: 0x0A).map { d + $0 } ?? end
                    lastBrace = UnsafeBufferPointer(rebasing: s[d..<lineEnd]).lastIndex(of: 0x7D).map { d + $0 } ?? -1
                }
                guard lastBrace > k else { throw invalid() }
                let matchEnd = lastBrace + 1
                // Cut at the first balancing `}`; what follows is substituted on its own.
                var open = 0
                var closing = -1
                var j = d
                while j < matchEnd {
                    if s[j] == 0x7D {
                        open -= 1
                        if open == 0 { closing = j; break }
                    }
                    if s[j] == 0x7B { open += 1; j += 1 }
                    j += 1
                }
                if let e = budget.spend(j - d, variable: variable) { throw Failure(reason: e.reason, isLimit: true) }
                let cutEnd = closing >= 0 ? closing + 1 : matchEnd
                let name = text((d + 2)..<ne)
                let argument = (k + 1)..<(cutEnd - 1)
                let value = mapping(name)
                switch op {
                case [0x3A, 0x2D], [0x2D]: // `:-` and `-`: a default when unset (or empty)
                    if value == nil || (op.count == 2 && value?.isEmpty == true) {
                        try substitute(argument, depth: depth + 1, into: &out, budget: &budget)
                        if out.count > ReadBudget.maxValueBytes { throw Failure(reason: ReadBudget.tooLong(variable).reason, isLimit: true) }
                    } else {
                        try append(value ?? [], to: &out, budget: &budget)
                    }
                case [0x3A, 0x2B], [0x2B]: // `:+` and `+`: an alternative when set (and not empty)
                    if let v = value, op.count == 1 || !v.isEmpty {
                        try substitute(argument, depth: depth + 1, into: &out, budget: &budget)
                        if out.count > ReadBudget.maxValueBytes { throw Failure(reason: ReadBudget.tooLong(variable).reason, isLimit: true) }
                    } else {
                        try append(value ?? [], to: &out, budget: &budget)
                    }
                default: // `:?` and `?`: required
                    guard let v = value, op.count == 1 || !v.isEmpty else {
                        var message: [UInt8] = []
                        try substitute(argument, depth: depth + 1, into: &message, budget: &budget)
                        throw Failure(reason: "required variable \(EnvParseError.shown(name)) is missing a value")
                    }
                    try append(v, to: &out, budget: &budget)
                }
                i = cutEnd
            }
        }

        func invalid() -> Failure {
            Failure(reason: "invalid interpolation: a `${` is not followed by a name and `}`, or by a name, one of :- - :+ + :? ? and a `}` on the same line")
        }
    }
}
