/// The pieces of Go's `unicode`, `unicode/utf8` and `strconv` that the Go readers rely on,
/// so that they treat bytes, runes and spaces exactly as Go does.
enum GoText {
    static let runeError: UInt32 = 0xFFFD

    /// `utf8.DecodeRune`: an invalid or short sequence decodes as U+FFFD with width 1.
    /// `end`: where the slice being decoded stops (a sequence cut there is invalid, as in Go).
    static func decodeRune(_ b: [UInt8], at i: Int, end: Int? = nil) -> (rune: UInt32, width: Int) {
        let n = min(end ?? b.count, b.count)
        guard i < n else { return (runeError, 0) }
        let c0 = b[i]
        if c0 < 0x80 { return (UInt32(c0), 1) }
        func cont(_ k: Int) -> UInt32? {
            guard i + k < n, b[i + k] & 0xC0 == 0x80 else { return nil }
            return UInt32(b[i + k] & 0x3F)
        }
        switch c0 {
        case 0xC2...0xDF:
            if let c1 = cont(1) { return ((UInt32(c0 & 0x1F) << 6) | c1, 2) }
        case 0xE0...0xEF:
            if let c1 = cont(1), let c2 = cont(2) {
                let r = (UInt32(c0 & 0x0F) << 12) | (c1 << 6) | c2
                if r >= 0x800, !(0xD800...0xDFFF).contains(r) { return (r, 3) }
            }
        case 0xF0...0xF4:
            if let c1 = cont(1), let c2 = cont(2), let c3 = cont(3) {
                let r = (UInt32(c0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3
                if r >= 0x10000, r <= 0x10FFFF { return (r, 4) }
            }
        default:
            break
        }
        return (runeError, 1)
    }

    static func encode(_ rune: UInt32) -> [UInt8] {
        guard let s = Unicode.Scalar(rune) else { return [0xEF, 0xBF, 0xBD] }
        return Array(String(Character(s)).utf8)
    }

    /// `unicode.IsSpace`.
    static func isSpace(_ r: UInt32) -> Bool {
        if r < 0x80 { return r == 0x20 || (r >= 0x09 && r <= 0x0D) }
        guard let s = Unicode.Scalar(r) else { return false }
        return s.properties.isWhitespace
    }

    /// The readers' own `isSpace`: a space but not a line break.
    static func isInlineSpace(_ r: UInt32) -> Bool {
        switch r {
        case 0x09, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0: return true
        default: return false
        }
    }

    static func isLetter(_ r: UInt32) -> Bool {
        if r < 0x80 { return (r | 0x20) >= 0x61 && (r | 0x20) <= 0x7A }
        guard let s = Unicode.Scalar(r) else { return false }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    static func isNumber(_ r: UInt32) -> Bool {
        if r < 0x80 { return r >= 0x30 && r <= 0x39 }
        guard let s = Unicode.Scalar(r) else { return false }
        switch s.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// `%q` of a one-rune string, as Go prints it in its error messages.
    static func quote(_ r: UInt32) -> String {
        switch r {
        case 0x0A: return #""\n""#
        case 0x0D: return #""\r""#
        case 0x09: return #""\t""#
        case 0x22: return #""\"""#
        case 0x5C: return #""\\""#
        default:
            if let s = Unicode.Scalar(r), r >= 0x20, r != 0x7F, !(0x80..<0xA0).contains(r), r != 0xFEFF {
                return "\"\(Character(s))\""
            }
            return r <= 0xFF ? String(format: "\"\\x%02x\"", r) : String(format: "\"\\u%04x\"", r)
        }
    }

    /// Whether `b` holds `export` at `i`.
    static func hasExport(_ b: [UInt8], at i: Int) -> Bool {
        b.count - i >= 6 && b[i] == 0x65 && b[i + 1] == 0x78 && b[i + 2] == 0x70 && b[i + 3] == 0x6F && b[i + 4] == 0x72 && b[i + 5] == 0x74
    }

    /// Index of the first rune at or after `from` that satisfies `pred` (`bytes.IndexFunc`).
    static func indexRune(_ b: [UInt8], from: Int, _ pred: (UInt32) -> Bool) -> Int? {
        var i = from
        while i < b.count {
            if b[i] < 0x80 {
                if pred(UInt32(b[i])) { return i }
                i += 1
                continue
            }
            let (r, w) = decodeRune(b, at: i)
            if pred(r) { return i }
            i += w
        }
        return nil
    }

    /// `bytes.TrimLeftFunc`.
    static func trimLeft(_ b: [UInt8], from: Int, _ pred: (UInt32) -> Bool) -> Int {
        indexRune(b, from: from) { !pred($0) } ?? b.count
    }

    /// `bytes.TrimRightFunc` over `b[from..<to]`: the new end.
    static func trimRight(_ b: [UInt8], from: Int, to: Int, _ pred: (UInt32) -> Bool) -> Int {
        // `utf8.DecodeLastRune` repeatedly: an invalid tail decodes as U+FFFD, which no
        // predicate used here accepts, so it stops the trim as in Go.
        var end = to
        while end > from {
            let last = b[end - 1]
            if last < 0x80 {
                guard pred(UInt32(last)) else { break }
                end -= 1
                continue
            }
            var start = end - 1
            let limit = max(end - 4, from)
            while start > limit, b[start] & 0xC0 == 0x80 { start -= 1 }
            let (r, w) = decodeRune(b, at: start, end: end)
            guard start + w == end, pred(r) else { break }
            end = start
        }
        return end
    }
}

import Foundation
