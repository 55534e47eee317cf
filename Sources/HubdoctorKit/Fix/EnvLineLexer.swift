/// How a value is written on its line.
public enum QuoteStyle: String, Sendable, Equatable {
    case unquoted, double, single, backtick

    var quote: UInt8? {
        switch self {
        case .unquoted: return nil
        case .double: return 0x22
        case .single: return 0x27
        case .backtick: return 0x60
        }
    }
}

/// One definition as it is written in the file: where its value sits among the bytes, so that an
/// editor can replace exactly that and nothing else.
struct WrittenDefinition: Equatable {
    var name: String
    /// 1-based line, counting LF only: godotenv's and Compose's numbering, and the diff's.
    var line: Int
    /// 1-based line, counting LF, CRLF and a lone CR as one break each: dotenv's numbering.
    var jsLine: Int
    /// The value as written, quotes included. Empty when the line has no value (`KEY=`).
    var token: Range<Int>
    var style: QuoteStyle
    var exported: Bool
    /// An empty value directly followed by ` # comment`: a value put there needs a space before `#`,
    /// or the Go readers would take the comment as part of it.
    var commentFollows: Bool
}

/// What a physical line (LF-separated) holds, for the diff: only comments and blank lines are
/// ever shown as written; values, and anything the lexer does not understand, are hidden.
enum LineKind: Equatable {
    case blank, comment, definition(Int), continuation, other
}

/// Finds definitions in an env file the way all four readers roughly agree on. It only has to be
/// good enough to locate a value: which definition a reader delivers comes from the reader itself
/// (by line number), and every edit is checked by re-reading the result with the real readers.
enum EnvLineLexer {
    struct Scan {
        var definitions: [WrittenDefinition]
        /// Indexed by LF line - 1.
        var kinds: [LineKind]
    }

    static let lf: UInt8 = 0x0A, cr: UInt8 = 0x0D, hash: UInt8 = 0x23, backslash: UInt8 = 0x5C

    static func scan(_ b: [UInt8]) -> Scan {
        var definitions: [WrittenDefinition] = []
        var kinds: [LineKind] = []
        var pos = 0, line = 1, jsLine = 1
        /// Moves `pos` to `target`, counting the line breaks passed in both numberings.
        func advance(to target: Int) {
            while pos < target {
                if b[pos] == lf { line += 1; jsLine += 1 }
                else if b[pos] == cr, pos + 1 >= b.count || b[pos + 1] != lf { jsLine += 1 }
                pos += 1
            }
        }
        func setKind(_ k: LineKind, line l: Int) {
            while kinds.count < l { kinds.append(.other) }
            if kinds[l - 1] == .other || kinds[l - 1] == .blank { kinds[l - 1] = k }
        }
        while pos < b.count {
            let start = pos
            let end = lineEnd(b, from: start)
            if let def = lexDefinition(b, at: start, line: line, jsLine: jsLine) {
                definitions.append(def)
                setKind(.definition(definitions.count - 1), line: line)
                let firstLine = line
                // A quoted value may run over several lines; the definition ends on the closing quote's line.
                advance(to: def.token.isEmpty ? end : lineEnd(b, from: def.token.upperBound))
                if line > firstLine { for l in (firstLine + 1)...line { setKind(.continuation, line: l) } }
            } else {
                var i = start
                while i < end, isInlineSpace(b, i) { i += spaceWidth(b, i) }
                setKind(i >= end ? .blank : (b[i] == hash ? .comment : .other), line: line)
                advance(to: end)
            }
            // Step over the break itself: CRLF, LF or a lone CR.
            if pos + 1 < b.count, b[pos] == cr, b[pos + 1] == lf { advance(to: pos + 2) }
            else if pos < b.count { advance(to: pos + 1) }
        }
        if kinds.count < line { setKind(.blank, line: line) }
        return Scan(definitions: definitions, kinds: kinds)
    }

    /// The offset of the first LF or CR at or after `from` (or the end).
    static func lineEnd(_ b: [UInt8], from: Int) -> Int {
        var i = from
        while i < b.count, b[i] != lf, b[i] != cr { i += 1 }
        return i
    }

    /// Space, tab, VT, FF, a BOM or a no-break space: what the readers skip before a name.
    static func isInlineSpace(_ b: [UInt8], _ i: Int) -> Bool {
        switch b[i] {
        case 0x20, 0x09, 0x0B, 0x0C: return true
        case 0xEF: return i + 2 < b.count && b[i + 1] == 0xBB && b[i + 2] == 0xBF
        case 0xC2: return i + 1 < b.count && b[i + 1] == 0xA0
        default: return false
        }
    }

    static func spaceWidth(_ b: [UInt8], _ i: Int) -> Int {
        switch b[i] {
        case 0xEF: return 3
        case 0xC2: return 2
        default: return 1
        }
    }

    static func isNameByte(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x5F || c == 0x2E || c == 0x2D
    }

    static func lexDefinition(_ b: [UInt8], at start: Int, line: Int, jsLine: Int) -> WrittenDefinition? {
        let n = b.count
        var i = start
        while i < n, isInlineSpace(b, i) { i += spaceWidth(b, i) }
        var exported = false
        let export = Array("export".utf8)
        if n - i > export.count, Array(b[i..<(i + export.count)]) == export, b[i + export.count] == 0x20 || b[i + export.count] == 0x09 {
            exported = true
            i += export.count
            while i < n, b[i] == 0x20 || b[i] == 0x09 { i += 1 }
        }
        let nameStart = i
        while i < n, isNameByte(b[i]) { i += 1 }
        guard i > nameStart else { return nil }
        let name = String(decoding: b[nameStart..<i], as: UTF8.self)
        while i < n, b[i] == 0x20 || b[i] == 0x09 { i += 1 }
        guard i < n, b[i] == 0x3D || b[i] == 0x3A else { return nil }
        let afterSeparator = i + 1
        i = afterSeparator
        while i < n, b[i] == 0x20 || b[i] == 0x09 { i += 1 }
        let valueStart = i
        let end = lineEnd(b, from: valueStart)

        if valueStart < n, let style = [QuoteStyle.double, .single, .backtick].first(where: { $0.quote == b[valueStart] }) {
            var k = valueStart + 1
            while k < n, !(b[k] == style.quote && b[k - 1] != backslash) { k += 1 }
            if k < n {
                // Only a comment or blank space may follow a closing quote; otherwise the readers
                // take the whole line as an unquoted value (dotenv) or refuse it (godotenv).
                var j = k + 1
                while j < n, b[j] == 0x20 || b[j] == 0x09 { j += 1 }
                if j >= n || b[j] == lf || b[j] == cr || b[j] == hash {
                    return WrittenDefinition(name: name, line: line, jsLine: jsLine, token: valueStart..<(k + 1),
                                             style: style, exported: exported, commentFollows: false)
                }
            }
        }
        // Unquoted: up to the first `#` that follows a space or tab (the widest of the readers'
        // readings, so that nothing of the old value is left behind), without trailing blanks.
        if valueStart < end, b[valueStart] == hash, valueStart > afterSeparator {
            return WrittenDefinition(name: name, line: line, jsLine: jsLine, token: valueStart..<valueStart,
                                     style: .unquoted, exported: exported, commentFollows: true)
        }
        var stop = end
        var k = valueStart + 1
        while k < end {
            if b[k] == hash, b[k - 1] == 0x20 || b[k - 1] == 0x09 { stop = k; break }
            k += 1
        }
        while stop > valueStart, b[stop - 1] == 0x20 || b[stop - 1] == 0x09 { stop -= 1 }
        return WrittenDefinition(name: name, line: line, jsLine: jsLine, token: valueStart..<stop,
                                 style: .unquoted, exported: exported, commentFollows: false)
    }
}
