import Foundation

extension Evidence {
    /// One line for a human: where, which variable, length and fingerprint (never the value), the
    /// detail, and for a probe the request, its answer and how long it took.
    public var summaryLine: String {
        var parts = [source]
        if let v = self.var { parts.append(v) }
        if let present {
            parts.append(present ? "\(length ?? 0) chars" : "absent")
            if let fingerprint { parts.append(fingerprint) }
        }
        if let detail { parts.append(detail) }
        if let h = http {
            parts.append("\(h.method) \(h.url) → " + (h.status.map(String.init) ?? (h.error ?? "no answer")))
            if let t = h.timings { parts.append(String(format: "%.0f ms", t.totalMs)) }
        }
        return parts.joined(separator: "  ")
    }
}
