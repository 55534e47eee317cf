import Foundation

/// dotenv 16's `parse`: one JavaScript regular expression run over the whole file.
/// It is reproduced with ICU, with every JavaScript class spelled out, because ICU's `\s`, `\w`,
/// `.`, `^` and `$` are not JavaScript's (JavaScript's `\s` includes the BOM, for one).
enum DotenvJSParser {
    /// JavaScript `\s` (WhiteSpace and LineTerminator).
    static let space = #"[\t\n\u000B\f\r \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\uFEFF]"#
    static let lineTerminator = #"[\n\r\u2028\u2029]"#
    /// `^` and `$` under JavaScript's `m` flag.
    static let lineStart = #"(?:(?<="# + lineTerminator + #")|^)"#
    static let lineEnd = #"(?="# + lineTerminator + #"|\z)"#

    static let line: NSRegularExpression = {
        let s = space
        let pattern = lineStart + s + "*(?:export" + s + "+)?([A-Za-z0-9_.-]+)(?:" + s + "*=" + s + "*?|:" + s + "+?)"
            + "(" + s + #"*'(?:\\'|[^'])*'|"# + s + #"*"(?:\\"|[^"])*"|"# + s + #"*`(?:\\`|[^`])*`|[^#\r\n]+)?"#
            + s + "*(?:#[^\\n\\r\\u2028\\u2029]*)?" + lineEnd
        return try! NSRegularExpression(pattern: pattern)
    }()

    static let surroundingQuotes: NSRegularExpression = {
        try! NSRegularExpression(pattern: lineStart + #"(['"`])([\s\S]*)\1"# + lineEnd)
    }()

    static func parse(_ bytes: [UInt8]) -> EnvDocument {
        // Buffer.toString('utf8'): invalid bytes become U+FFFD; a BOM is kept (and `\s` skips it).
        var text = String(decoding: bytes, as: UTF8.self)
        text = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        let ns = text as NSString
        var entries: [EnvEntry] = []
        let lineIndex = LineIndex(utf16: ns)
        for match in line.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
            let keyRange = match.range(at: 1)
            let key = ns.substring(with: keyRange)
            let valueRange = match.range(at: 2)
            var value = valueRange.location == NSNotFound ? "" : ns.substring(with: valueRange)
            value = jsTrim(value)
            let maybeQuote = value.utf16.first
            // Only a value that starts with a quote can match: an unquoted one has no line break
            // for the pattern's `^` to match after.
            if maybeQuote == 0x22 || maybeQuote == 0x27 || maybeQuote == 0x60 {
                value = surroundingQuotes.stringByReplacingMatches(
                    in: value, range: NSRange(location: 0, length: (value as NSString).length), withTemplate: "$2")
            }
            if maybeQuote == 0x22, value.contains("\\") { // "
                value = value.replacingOccurrences(of: "\\n", with: "\n").replacingOccurrences(of: "\\r", with: "\r")
            }
            entries.append(EnvEntry(name: key, value: SecretValue(value), line: lineIndex.line(at: keyRange.location)))
        }
        return EnvDocument(dialect: .dotenv, entries: entries)
    }

    /// `String.prototype.trim`: JavaScript whitespace and line terminators at both ends.
    static func jsTrim(_ s: String) -> String {
        let scalars = Array(s.unicodeScalars)
        var start = 0, end = scalars.count
        while start < end, isJSSpace(scalars[start]) { start += 1 }
        while end > start, isJSSpace(scalars[end - 1]) { end -= 1 }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: scalars[start..<end])
        return String(out)
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
}

/// Maps a UTF-16 offset to a 1-based line number (lines end at LF).
struct LineIndex {
    private var starts: [Int] = [0]

    init(utf16 ns: NSString) {
        for i in 0..<ns.length where ns.character(at: i) == 0x0A { starts.append(i + 1) }
    }

    init(bytes: [UInt8]) {
        for (i, b) in bytes.enumerated() where b == 0x0A { starts.append(i + 1) }
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
