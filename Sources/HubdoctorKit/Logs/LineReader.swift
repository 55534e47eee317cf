import Foundation

/// Streams the lines of a file descriptor with a fixed amount of memory: one read buffer and one
/// carry-over buffer for a line that crosses a read, capped at `maxLineBytes`. A log of a million
/// lines, or one endless line without a newline, costs the same.
struct LineReader {
    static let chunkBytes = 1 << 18
    /// Longer lines are cut here (and counted): a log line that long is a dump, not a message.
    static let maxLineBytes = 1 << 16

    struct Stats: Sendable, Equatable {
        var lines = 0
        var bytes = 0
        var truncatedLines = 0
    }

    let fd: Int32
    let name: String

    /// Calls `body` with each line (without its LF or CRLF) and its 1-based number.
    func forEachLine(_ body: (UnsafeBufferPointer<UInt8>, Int) throws -> Void) throws -> Stats {
        var stats = Stats()
        let chunk = UnsafeMutablePointer<UInt8>.allocate(capacity: Self.chunkBytes)
        defer { chunk.deallocate() }
        var carry: [UInt8] = []
        carry.reserveCapacity(4096)
        var carryTruncated = false

        func deliver(_ line: UnsafeBufferPointer<UInt8>, truncated: Bool) throws {
            stats.lines += 1
            if truncated { stats.truncatedLines += 1 }
            var n = line.count
            if n > 0, line[n - 1] == UInt8(ascii: "\r") { n -= 1 }
            try body(UnsafeBufferPointer(rebasing: line[0..<n]), stats.lines)
        }

        func append(_ bytes: UnsafeBufferPointer<UInt8>) {
            let room = Self.maxLineBytes - carry.count
            if bytes.count > room { carryTruncated = true }
            if room > 0 { carry.append(contentsOf: bytes.prefix(room)) }
        }

        while true {
            let got = read(fd, chunk, Self.chunkBytes)
            if got < 0 {
                if errno == EINTR { continue }
                throw HubdoctorError(.io, "cannot read \(name): \(String(cString: strerror(errno)))")
            }
            if got == 0 { break }
            stats.bytes += got
            var start = 0
            while start < got {
                let rest = got - start
                guard let nl = memchr(chunk + start, Int32(UInt8(ascii: "\n")), rest) else {
                    append(UnsafeBufferPointer(start: chunk + start, count: rest))
                    break
                }
                let end = chunk.distance(to: nl.assumingMemoryBound(to: UInt8.self))
                let piece = UnsafeBufferPointer(start: chunk + start, count: end - start)
                if carry.isEmpty, !carryTruncated {
                    let cut = piece.count > Self.maxLineBytes
                    try deliver(UnsafeBufferPointer(rebasing: piece.prefix(Self.maxLineBytes)), truncated: cut)
                } else {
                    append(piece)
                    try carry.withUnsafeBufferPointer { try deliver($0, truncated: carryTruncated) }
                    carry.removeAll(keepingCapacity: carry.capacity <= 4 * 4096)
                    carryTruncated = false
                }
                start = end + 1
            }
        }
        if !carry.isEmpty || carryTruncated {
            try carry.withUnsafeBufferPointer { try deliver($0, truncated: carryTruncated) }
        }
        return stats
    }
}
