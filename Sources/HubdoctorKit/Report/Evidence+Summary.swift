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
        if let w = websocket { parts.append(w.summary) }
        return parts.joined(separator: "  ")
    }
}

extension WebSocketEvidence {
    /// `ws://…/ws/agent → 101, frame auth_error (api_key_revoked) at 4 ms, close 4001 "api_key_revoked" at 5 ms`.
    public var summary: String {
        var steps: [String] = []
        steps.append(upgradeStatus.map { "upgrade \($0)" + (timings.upgradeMs.map { String(format: " at %.0f ms", $0) } ?? "") } ?? "no upgrade answer")
        for f in frames.prefix(3) {
            var s = "frame " + (f.type ?? f.kind)
            if let r = f.reason { s += " (\(r))" }
            steps.append(s + String(format: " at %.0f ms", f.atMs))
        }
        if let code = closeCode, closedBy == "server" {
            var s = "close \(code)"
            if let r = closeReason, !r.isEmpty { s += " \"\(r)\"" }
            steps.append(s + (timings.closeMs.map { String(format: " at %.0f ms", $0) } ?? ""))
        } else if closedBy == "hubdoctor" {
            steps.append("no close; hubdoctor closed 1000")
        }
        if let error { steps.append(error) } else if outcome == "timeout" || outcome == "dropped" { steps.append(outcome) }
        return "\(url) → " + steps.joined(separator: ", ") + String(format: "  %.0f ms", timings.totalMs)
    }
}
