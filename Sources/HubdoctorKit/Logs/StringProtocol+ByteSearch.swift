#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Substring search over UTF-8 bytes. Foundation's `range(of:)` and `contains(_:)` go through
/// CFString and UTF-16, and took most of `hubdoctor logs`' time on a million-line log; log
/// matching needs bytes only, as every needle is ASCII.
extension StringProtocol {
    func byteRange(of needle: String) -> Range<Index>? {
        var needle = needle
        var hay = String(self)
        // Native strings are contiguous UTF-8 already; these only copy bridged ones.
        needle.makeContiguousUTF8()
        hay.makeContiguousUTF8()
        let found: Int? = hay.utf8.withContiguousStorageIfAvailable { h in
            needle.utf8.withContiguousStorageIfAvailable { n in Self.firstOffset(of: n, in: h) } ?? nil
        } ?? nil
        guard let found else { return nil }
        let start = utf8.index(utf8.startIndex, offsetBy: found)
        return start..<utf8.index(start, offsetBy: needle.utf8.count)
    }

    func hasBytes(_ needle: String) -> Bool { byteRange(of: needle) != nil }

    /// memchr for the first byte, memcmp for the rest (Glibc's module does not export memmem).
    static func firstOffset(of n: UnsafeBufferPointer<UInt8>, in h: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let nb = n.baseAddress, let hb = h.baseAddress, !n.isEmpty, h.count >= n.count else { return nil }
        let last = h.count - n.count
        var i = 0
        while i <= last {
            guard let hit = memchr(hb + i, Int32(nb[0]), last - i + 1) else { return nil }
            let at = hb.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            if memcmp(hb + at, nb, n.count) == 0 { return at }
            i = at + 1
        }
        return nil
    }
}

extension StringProtocol {
    /// `range(of: needle, options: .caseInsensitive)` for an ASCII, lower-case needle, over UTF-8
    /// bytes (Foundation's goes through CFString and UTF-16). The range's bounds are valid
    /// indices of `self`: an ASCII match starts and ends on scalar boundaries.
    func asciiCaseInsensitiveRange(of needle: String) -> Range<Index>? {
        let n = Array(needle.utf8)
        guard !n.isEmpty else { return nil }
        let bytes = utf8
        var start = bytes.startIndex
        var remaining = bytes.count
        while remaining >= n.count {
            var k = 0
            var j = start
            while k < n.count {
                let b = bytes[j]
                let lower = b >= 0x41 && b <= 0x5A ? b | 0x20 : b
                if lower != n[k] { break }
                k += 1
                j = bytes.index(after: j)
            }
            if k == n.count { return start..<j }
            start = bytes.index(after: start)
            remaining -= 1
        }
        return nil
    }
}

extension Character {
    /// `isLetter` with an ASCII fast path: Unicode's property lookup showed in profiles, and log
    /// text is nearly all ASCII.
    var isLetterQuick: Bool {
        if let a = asciiValue { return (a | 0x20) >= 0x61 && (a | 0x20) <= 0x7A }
        return isLetter
    }

    /// `isNumber` with the same fast path (ASCII's only numbers are its digits).
    var isNumberQuick: Bool {
        if let a = asciiValue { return a >= 0x30 && a <= 0x39 }
        return isNumber
    }
}
