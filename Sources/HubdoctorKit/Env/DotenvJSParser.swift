/// dotenv 16.3.1's `parse`: one JavaScript regular expression (flags `m` and `g`) run over the
/// whole file, then each value trimmed and unquoted. The expression is reproduced by hand over
/// UTF-8 bytes, with its backtracking worked out once (see `match(at:)`), so a file is read in
/// one linear pass. Its classes are JavaScript's: `\s` includes U+00A0, U+2028, U+3000 and the BOM;
/// `^` and `$` also break at U+2028 and U+2029; `.` stops at every line terminator.
enum DotenvJSParser {
    static func parse(_ bytes: [UInt8]) -> EnvDocument {
        let text = normalized(bytes)
        let lines = LineIndex(bytes: text)
        var entries: [EnvEntry] = []
        text.withUnsafeBufferPointer { s in
            let scanner = Scanner(s: s)
            var pos = 0
            while pos < s.count {
                // `(?:^|^)`: a match starts only at a line start.
                guard let start = scanner.lineStart(atOrAfter: pos) else { break }
                switch scanner.match(at: start) {
                case .failed(let firstNonSpace):
                    // Every line start up to the first non-space character fails the same way.
                    guard let next = scanner.lineStart(after: firstNonSpace) else { pos = s.count; continue }
                    pos = next
                case .matched(let m):
                    let key = String(decoding: UnsafeBufferPointer(rebasing: s[m.key]), as: UTF8.self)
                    // `obj['__proto__'] = string` sets no property: dotenv delivers nothing.
                    if key != "__proto__" {
                        let raw = m.value.map { Array(s[$0]) } ?? []
                        entries.append(EnvEntry(name: key, value: SecretValue(bytes: unquote(raw)), line: lines.line(at: m.key.lowerBound)))
                    }
                    pos = m.end
                }
            }
        }
        return EnvDocument(dialect: .dotenv, entries: entries)
    }

    /// `Buffer.toString('utf8')` (invalid bytes become U+FFFD; a BOM is kept), then
    /// `replace(/\r\n?/mg, '\n')`.
    static func normalized(_ bytes: [UInt8]) -> [UInt8] {
        var text = Array(String(decoding: bytes, as: UTF8.self).utf8)
        guard text.contains(0x0D) else { return text }
        var w = 0, r = 0
        let n = text.count
        while r < n {
            let b = text[r]
            if b == 0x0D {
                text[w] = 0x0A
                r += (r + 1 < n && text[r + 1] == 0x0A) ? 2 : 1
            } else {
                text[w] = b
                r += 1
            }
            w += 1
        }
        text.removeLast(n - w)
        return text
    }

    /// `value.trim()`, then `replace(/^(['"`])([\s\S]*)\1$/mg, '$2')`, then for a value that started
    /// with `"`, `\n` and `\r` become line breaks.
    static func unquote(_ raw: [UInt8]) -> [UInt8] {
        var value = jsTrim(raw)
        guard let first = value.first else { return value }
        // The expression is multiline: a quoted line after a line terminator inside the value counts too.
        value = stripSurroundingQuotes(value)
        if first == 0x22, value.contains(0x5C) {
            value = replacingEscape(value, letter: UInt8(ascii: "n"), with: 0x0A)
            value = replacingEscape(value, letter: UInt8(ascii: "r"), with: 0x0D)
        }
        return value
    }

    /// `/^(['"`])([\s\S]*)\1$/mg` replaced by `$2`: at each line start holding a quote, the
    /// greedy body runs to the last same quote that ends a line.
    static func stripSurroundingQuotes(_ v: [UInt8]) -> [UInt8] {
        let n = v.count
        // The last index of each quote that ends a line (followed by a terminator or the end).
        var lastAtLineEnd: [UInt8: Int] = [:]
        var hasTerminator = false
        for i in 0..<n {
            let b = v[i]
            if b == 0x22 || b == 0x27 || b == 0x60 {
                if i + 1 == n || terminatorWidth(v, i + 1) > 0 { lastAtLineEnd[b] = i }
            } else if b == 0x0A || b == 0x0D || b == 0xE2 {
                if terminatorWidth(v, i) > 0 { hasTerminator = true }
            }
        }
        if !hasTerminator {
            // One line: only the whole value can match.
            guard n >= 2, v[0] == 0x22 || v[0] == 0x27 || v[0] == 0x60, v[n - 1] == v[0] else { return v }
            return Array(v[1..<(n - 1)])
        }
        var out: [UInt8] = []
        out.reserveCapacity(n)
        var copied = 0
        var i = 0
        while i < n {
            let isStart = i == 0 || previousIsTerminator(v, i)
            let b = v[i]
            if isStart, b == 0x22 || b == 0x27 || b == 0x60, let e = lastAtLineEnd[b], e > i {
                out.append(contentsOf: v[copied..<i])
                out.append(contentsOf: v[(i + 1)..<e])
                copied = e + 1
                i = e + 1
                continue
            }
            i += 1
        }
        out.append(contentsOf: v[copied..<n])
        return out
    }

    /// `replace(/\\n/g, '\n')` (or `\r`): every backslash-letter pair, left to right.
    static func replacingEscape(_ v: [UInt8], letter: UInt8, with replacement: UInt8) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(v.count)
        var i = 0
        while i < v.count {
            if v[i] == 0x5C, i + 1 < v.count, v[i + 1] == letter {
                out.append(replacement)
                i += 2
            } else {
                out.append(v[i])
                i += 1
            }
        }
        return out
    }

    /// `String.prototype.trim`: JavaScript whitespace and line terminators at both ends.
    static func jsTrim(_ v: [UInt8]) -> [UInt8] {
        var start = 0
        while start < v.count {
            let w = spaceWidth(v, start)
            if w == 0 { break }
            start += w
        }
        var end = v.count
        while end > start {
            let w = spaceWidthEnding(v, end)
            if w == 0 { break }
            end -= w
        }
        if start == 0, end == v.count { return v }
        return Array(v[start..<end])
    }

    /// `String.prototype.trim` over text.
    static func jsTrim(_ s: String) -> String {
        let bytes = Array(s.utf8)
        let trimmed = jsTrim(bytes)
        return trimmed.count == bytes.count ? s : String(decoding: trimmed, as: UTF8.self)
    }

    static func isJSSpace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F,
             0x3000, 0xFEFF:
            return true
        default:
            return false
        }
    }

    /// The width in bytes of the JavaScript `\s` character starting at `i` (valid UTF-8), or 0.
    @inline(__always)
    static func spaceWidth<C: RandomAccessCollection>(_ s: C, _ i: Int) -> Int where C.Element == UInt8, C.Index == Int {
        let b = s[i]
        if b < 0x80 { return b == 0x20 || (b >= 0x09 && b <= 0x0D) ? 1 : 0 }
        switch b {
        case 0xC2:
            return i + 1 < s.endIndex && s[i + 1] == 0xA0 ? 2 : 0
        case 0xE1:
            return i + 2 < s.endIndex && s[i + 1] == 0x9A && s[i + 2] == 0x80 ? 3 : 0
        case 0xE2:
            guard i + 2 < s.endIndex else { return 0 }
            let b1 = s[i + 1], b2 = s[i + 2]
            if b1 == 0x80 { return b2 <= 0x8A || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF ? 3 : 0 }
            return b1 == 0x81 && b2 == 0x9F ? 3 : 0
        case 0xE3:
            return i + 2 < s.endIndex && s[i + 1] == 0x80 && s[i + 2] == 0x80 ? 3 : 0
        case 0xEF:
            return i + 2 < s.endIndex && s[i + 1] == 0xBB && s[i + 2] == 0xBF ? 3 : 0
        default:
            return 0
        }
    }

    /// The width of the `\s` character that ends just before `end`, or 0.
    static func spaceWidthEnding(_ s: [UInt8], _ end: Int) -> Int {
        let last = s[end - 1]
        if last < 0x80 { return spaceWidth(s, end - 1) }
        if end >= 2, spaceWidth(s, end - 2) == 2 { return 2 }
        if end >= 3, spaceWidth(s, end - 3) == 3 { return 3 }
        return 0
    }

    /// The width of the line terminator (LF, CR, U+2028, U+2029) starting at `i`, or 0.
    @inline(__always)
    static func terminatorWidth<C: RandomAccessCollection>(_ s: C, _ i: Int) -> Int where C.Element == UInt8, C.Index == Int {
        let b = s[i]
        if b == 0x0A || b == 0x0D { return 1 }
        if b == 0xE2, i + 2 < s.endIndex, s[i + 1] == 0x80, s[i + 2] == 0xA8 || s[i + 2] == 0xA9 { return 3 }
        return 0
    }

    @inline(__always)
    static func previousIsTerminator<C: RandomAccessCollection>(_ s: C, _ i: Int) -> Bool where C.Element == UInt8, C.Index == Int {
        let b = s[i - 1]
        if b == 0x0A || b == 0x0D { return true }
        return i >= 3 && (b == 0xA8 || b == 0xA9) && s[i - 2] == 0x80 && s[i - 3] == 0xE2
    }

    /// One match of dotenv's `LINE` expression.
    struct Match {
        var key: Range<Int>
        /// The second group (nil when it did not participate).
        var value: Range<Int>?
        /// Where the match ends: the next search starts here.
        var end: Int
    }

    enum Outcome {
        case matched(Match)
        /// The expression does not match at any line start before this first non-space character.
        case failed(firstNonSpace: Int)
    }

    /// ```
    /// (?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)
    ///   (\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?
    ///   \s*(?:#.*)?(?:$|$)
    /// ```
    /// Worked out once: the leading `\s*` and the key are always maximal (a key starts with no
    /// space and is followed by no key character); the separator's lazy `\s*?` and `\s+?` never
    /// need to grow, because the rest then always matches (at worst with no value); a quoted value
    /// opens at the first non-space after the separator and closes at the *last* same quote from
    /// which the tail matches, where every same quote in between is preceded by a backslash;
    /// otherwise the unquoted form runs to the first `#` or line break.
    struct Scanner {
        let s: UnsafeBufferPointer<UInt8>
        var n: Int { s.count }

        /// The first line start at or after `pos`.
        func lineStart(atOrAfter pos: Int) -> Int? {
            if pos == 0 || previousIsTerminator(s, pos) { return pos }
            return lineStart(after: pos)
        }

        /// The first line start after the line that holds `pos`.
        func lineStart(after pos: Int) -> Int? {
            var i = pos
            while i < n {
                let w = terminatorWidth(s, i)
                if w > 0 { return i + w < n ? i + w : nil }
                i += 1
            }
            return nil
        }

        func skipSpaces(_ from: Int) -> Int {
            var i = from
            while i < n {
                let w = spaceWidth(s, i)
                if w == 0 { break }
                i += w
            }
            return i
        }

        @inline(__always)
        func isKeyByte(_ b: UInt8) -> Bool {
            (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x5F || b == 0x2E || b == 0x2D
        }

        func match(at start: Int) -> Outcome {
            let w = skipSpaces(start)
            guard w < n else { return .failed(firstNonSpace: n) }
            let export: [UInt8] = [0x65, 0x78, 0x70, 0x6F, 0x72, 0x74]
            if n - w > 6, (0..<6).allSatisfy({ s[w + $0] == export[$0] }), spaceWidth(s, w + 6) > 0,
               let m = afterKeyStart(skipSpaces(w + 6)) {
                return .matched(m)
            }
            if let m = afterKeyStart(w) { return .matched(m) }
            return .failed(firstNonSpace: w)
        }

        func afterKeyStart(_ k: Int) -> Match? {
            var ke = k
            while ke < n, isKeyByte(s[ke]) { ke += 1 }
            guard ke > k else { return nil }
            let v: Int
            let sep = skipSpaces(ke)
            if sep < n, s[sep] == 0x3D { // \s*=
                v = sep + 1
            } else if ke + 1 < n, s[ke] == 0x3A, spaceWidth(s, ke + 1) > 0 { // :\s+?
                v = ke + 1 + spaceWidth(s, ke + 1)
            } else {
                return nil
            }
            let q = skipSpaces(v)
            if q < n, s[q] == 0x27 || s[q] == 0x22 || s[q] == 0x60, let (close, end) = closingQuote(openedAt: q) {
                return Match(key: k..<ke, value: v..<(close + 1), end: end)
            }
            var d = v
            while d < n, s[d] != 0x23, s[d] != 0x0A, s[d] != 0x0D { d += 1 }
            // Neither form can fail its tail: it ends at `#`, a line break or the end.
            let end = tail(from: d) ?? d
            return Match(key: k..<ke, value: d > v ? v..<d : nil, end: end)
        }

        /// The closing quote of a quoted value and where the match then ends.
        func closingQuote(openedAt open: Int) -> (Int, Int)? {
            let quote = s[open]
            var candidates: [Int] = []
            var i = open + 1
            while i < n {
                guard let rel = UnsafeBufferPointer(rebasing: s[i...]).firstIndex(of: quote) else { break }
                let at = i + rel
                candidates.append(at)
                if s[at - 1] != 0x5C { break } // an unescaped quote cannot be inside the value
                i = at + 1
            }
            for close in candidates.reversed() {
                if let end = tail(from: close + 1) { return (close, end) }
            }
            return nil
        }

        /// `\s*(?:#.*)?(?:$|$)` from `t`: where the match ends, or nil when it cannot match.
        func tail(from t: Int) -> Int? {
            let r = skipSpaces(t)
            if r == n { return n }
            if s[r] == 0x23 {
                var i = r
                while i < n, terminatorWidth(s, i) == 0 { i += 1 }
                return i
            }
            // Give back spaces until a line terminator follows.
            var i = r - 1
            while i >= t {
                if s[i] == 0x0A || s[i] == 0x0D { return i }
                if s[i] == 0xE2, terminatorWidth(s, i) > 0 { return i }
                i -= 1
            }
            return nil
        }
    }
}

/// Maps a byte offset to a 1-based line number (lines end at LF).
struct LineIndex {
    private var starts: [Int] = [0]

    init(bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { b in
            for i in 0..<b.count where b[i] == 0x0A { starts.append(i + 1) }
        }
    }

    func line(at offset: Int) -> Int {
        var lo = 0, hi = starts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if starts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return lo + 1
    }
}
