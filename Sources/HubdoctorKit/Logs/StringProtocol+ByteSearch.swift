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
        let n = Array(needle.utf8)
        guard !n.isEmpty else { return nil }
        let offset: Int?? = utf8.withContiguousStorageIfAvailable { hay -> Int? in
            guard let base = hay.baseAddress, hay.count >= n.count else { return nil }
            return n.withUnsafeBufferPointer { np -> Int? in
                // memchr for the first byte, memcmp for the rest (Glibc's module hides memmem).
                let last = hay.count - n.count
                var i = 0
                while i <= last {
                    guard let hit = memchr(base + i, Int32(np[0]), last - i + 1) else { return nil }
                    let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    if memcmp(base + at, np.baseAddress!, n.count) == 0 { return at }
                    i = at + 1
                }
                return nil
            }
        }
        let found: Int?
        if let offset {
            found = offset
        } else {
            // Bridged or non-contiguous text: a plain scan.
            let hay = Array(utf8)
            found = hay.count < n.count ? nil : (0...(hay.count - n.count)).first { hay[$0..<($0 + n.count)].elementsEqual(n) }
        }
        guard let found else { return nil }
        let start = utf8.index(utf8.startIndex, offsetBy: found)
        return start..<utf8.index(start, offsetBy: n.count)
    }

    func hasBytes(_ needle: String) -> Bool { byteRange(of: needle) != nil }
}
