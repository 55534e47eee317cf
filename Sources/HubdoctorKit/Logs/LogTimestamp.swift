import Foundation

/// The time a log line was written, read from where loggers put it: ISO-8601/RFC 3339 (Node,
/// kubectl --timestamps, Docker -t), Go's `log` (`2006/01/02 15:04:05`), Gin's `[GIN] … - …`,
/// syslog (`Jan _2 15:04:05`), the nginx/Apache `[02/Jan/2006:15:04:05 -0700]`, and the `time`,
/// `timestamp` or `ts` field of a JSON line (pino, zap, bunyan). A Compose `service  | ` prefix is
/// skipped. Lines without a zone are taken as UTC.
public struct LogTimestamp: Sendable, Equatable {
    /// Seconds since 1970, for ordering.
    public var epoch: Double
    /// The timestamp as the log wrote it.
    public var text: String

    public static func parse(_ line: String) -> LogTimestamp? {
        let bytes = Array(line.utf8.prefix(200))
        var s = Scanner(bytes: bytes, at: 0)
        s.skipComposePrefix()
        let start = s.i
        if s.peek() == UInt8(ascii: "{") { return jsonField(line) }
        if s.skip("[GIN] ") || s.skip("[") {
            s.skipSpaces()
        }
        if let t = s.iso() ?? s.goLog() ?? s.syslog() { return t }
        s.i = start
        return s.commonLogFormat()
    }

    /// `"time":1716012402000`, `"ts":1716012402.5` or `"timestamp":"2026-05-18T06:06:42Z"`.
    static func jsonField(_ line: String) -> LogTimestamp? {
        for key in ["\"time\":", "\"timestamp\":", "\"ts\":", "\"@timestamp\":"] {
            guard let r = line.byteRange(of: key) else { continue }
            var rest = line[r.upperBound...].drop { $0 == " " }
            if rest.first == "\"" {
                rest = rest.dropFirst()
                let value = String(rest.prefix { $0 != "\"" })
                var s = Scanner(bytes: Array(value.utf8), at: 0)
                if let t = s.iso() { return t }
                continue
            }
            let number = String(rest.prefix { $0.isNumber || $0 == "." })
            guard let v = Double(number), v > 0 else { continue }
            // Milliseconds since 1970 pass 1e11 in 1973; seconds will not for millennia.
            let epoch = v > 1e11 ? v / 1000 : v
            return LogTimestamp(epoch: epoch, text: isoText(epoch))
        }
        return nil
    }

    static func isoText(_ epoch: Double) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date(timeIntervalSince1970: epoch))
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    struct Scanner {
        let bytes: [UInt8]
        var i: Int

        init(bytes: [UInt8], at i: Int) {
            self.bytes = bytes
            self.i = i
        }

        func peek(_ k: Int = 0) -> UInt8? { i + k < bytes.count ? bytes[i + k] : nil }

        mutating func skip(_ literal: String) -> Bool {
            let l = Array(literal.utf8)
            guard i + l.count <= bytes.count, Array(bytes[i..<(i + l.count)]) == l else { return false }
            i += l.count
            return true
        }

        mutating func skipSpaces() { while peek() == 0x20 { i += 1 } }

        /// `hivecfm-hub-api-1  | ` as `docker compose logs` writes it.
        mutating func skipComposePrefix() {
            var j = i
            while j < bytes.count, isNameByte(bytes[j]) { j += 1 }
            guard j > i else { return }
            var k = j
            while k < bytes.count, bytes[k] == 0x20 { k += 1 }
            if k > j, k + 1 < bytes.count, bytes[k] == UInt8(ascii: "|"), bytes[k + 1] == 0x20 { i = k + 2 }
        }

        func isNameByte(_ b: UInt8) -> Bool {
            (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) || b == 0x2D || b == 0x5F || b == 0x2E
        }

        mutating func number(_ width: Int) -> Int? {
            guard i + width <= bytes.count else { return nil }
            var v = 0
            for k in 0..<width {
                let b = bytes[i + k]
                guard b >= 0x30, b <= 0x39 else { return nil }
                v = v * 10 + Int(b - 0x30)
            }
            i += width
            return v
        }

        mutating func expect(_ c: Character) -> Bool {
            guard let b = peek(), b == c.asciiValue else { return false }
            i += 1
            return true
        }

        /// `.123456`: fractional seconds of any precision.
        mutating func fraction() -> Double {
            guard peek() == UInt8(ascii: ".") || peek() == UInt8(ascii: ","), let d = peek(1), d >= 0x30, d <= 0x39 else { return 0 }
            i += 1
            var scale = 0.1, v = 0.0
            while let b = peek(), b >= 0x30, b <= 0x39 {
                v += Double(b - 0x30) * scale
                scale /= 10
                i += 1
            }
            return v
        }

        /// `Z`, `+02:00`, `+0200` or nothing (UTC). Returns the offset in seconds.
        mutating func zone() -> Int? {
            if expect("Z") || expect("z") { return 0 }
            guard let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else { return 0 }
            let save = i
            i += 1
            guard let h = number(2) else { i = save; return 0 }
            _ = expect(":")
            let m = number(2) ?? 0
            let offset = (h * 3600 + m * 60) * (sign == UInt8(ascii: "+") ? 1 : -1)
            return offset
        }

        func stamp(_ start: Int, _ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int, _ frac: Double, _ offset: Int) -> LogTimestamp? {
            guard (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61 else { return nil }
            let secs = LogTimestamp.days(year: y, month: mo, day: d) * 86400 + h * 3600 + mi * 60 + s - offset
            let text = String(decoding: bytes[start..<i], as: UTF8.self)
            return LogTimestamp(epoch: Double(secs) + frac, text: text)
        }

        mutating func iso() -> LogTimestamp? {
            let start = i
            guard let y = number(4), expect("-"), let mo = number(2), expect("-"), let d = number(2),
                  expect("T") || expect(" ") || expect("t"),
                  let h = number(2), expect(":"), let mi = number(2), expect(":"), let s = number(2) else { i = start; return nil }
            let frac = fraction()
            let offset = zone() ?? 0
            return stamp(start, y, mo, d, h, mi, s, frac, offset)
        }

        /// Go's log package, and Gin's `2006/01/02 - 15:04:05`.
        mutating func goLog() -> LogTimestamp? {
            let start = i
            guard let y = number(4), expect("/"), let mo = number(2), expect("/"), let d = number(2), expect(" ") else { i = start; return nil }
            _ = skip("- ")
            guard let h = number(2), expect(":"), let mi = number(2), expect(":"), let s = number(2) else { i = start; return nil }
            let frac = fraction()
            return stamp(start, y, mo, d, h, mi, s, frac, 0)
        }

        mutating func month() -> Int? {
            guard i + 3 <= bytes.count else { return nil }
            let word = String(decoding: bytes[i..<(i + 3)], as: UTF8.self).lowercased()
            guard let m = LogTimestamp.months.firstIndex(of: word) else { return nil }
            i += 3
            return m + 1
        }

        /// `May 18 06:06:42` (no year: the current one is assumed).
        mutating func syslog() -> LogTimestamp? {
            let start = i
            guard let mo = month(), expect(" ") else { i = start; return nil }
            _ = expect(" ")
            let d: Int
            if let two = number(2) { d = two } else if let one = number(1) { d = one } else { i = start; return nil }
            guard expect(" "), let h = number(2), expect(":"), let mi = number(2), expect(":"), let s = number(2) else { i = start; return nil }
            let frac = fraction()
            let year = Calendar(identifier: .gregorian).component(.year, from: Date())
            return stamp(start, year, mo, d, h, mi, s, frac, 0)
        }

        /// `[18/May/2026:06:06:42 +0000]`, found anywhere near the start (after the client address).
        mutating func commonLogFormat() -> LogTimestamp? {
            while i < bytes.count {
                if bytes[i] == UInt8(ascii: "[") {
                    let save = i
                    i += 1
                    let start = i
                    if let d = number(2), expect("/"), let mo = month(), expect("/"), let y = number(4), expect(":"),
                       let h = number(2), expect(":"), let mi = number(2), expect(":"), let s = number(2) {
                        _ = expect(" ")
                        let offset = zone() ?? 0
                        return stamp(start, y, mo, d, h, mi, s, 0, offset)
                    }
                    i = save
                }
                i += 1
            }
            return nil
        }
    }
}
