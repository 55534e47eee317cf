import Foundation

/// RFC 3339 times as container engines and the Kubernetes API write them:
/// `2026-05-18T07:10:00Z`, with nanoseconds (`…06:06:00.123456789Z`, Docker) or an offset. The
/// zero time `0001-01-01T00:00:00Z` (Docker's "never started") reads as no time.
public enum RFC3339 {
    public static func date(_ text: String) -> Date? {
        guard !text.hasPrefix("0001-") else { return nil }
        var t = text
        // ISO8601DateFormatter takes at most milliseconds: drop the fraction, keep the zone.
        if let dot = t.firstIndex(of: ".") {
            let rest = t[t.index(after: dot)...]
            let zone = rest.drop { $0.isNumber }
            t = String(t[..<dot]) + zone
        }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: t)
    }

    /// A JSON field that should hold such a time.
    static func date(_ any: Any?) -> Date? { (any as? String).flatMap { date($0) } }
}
