import Foundation

/// What a WebSocket server said, in words fit to show: frame types and reasons, the close code
/// and reason, with control characters removed and every known key (and every run of
/// `KeyScrubber.window` characters of one) cut out, then shortened.
struct WebSocketReading {
    let result: WebSocketResult
    let scrubber: KeyScrubber

    /// The meaning of a reason string, as seed 001's Hub and similar services word them.
    enum Meaning: Equatable {
        case notFound, revoked, missingCapability, invalidKey, noProjectOrRootless, throttled
    }

    static func meaning(of reason: String) -> Meaning? {
        let r = reason.lowercased()
        guard !r.isEmpty else { return nil }
        if r.contains("no_project_or_rootless") || (r.contains("project") && r.contains("rootless")) { return .noProjectOrRootless }
        if r.contains("revoked") { return .revoked }
        if r.contains("capabilit") { return .missingCapability }
        if r.contains("not_found") || r.contains("not found") || r.contains("unknown_key") || r.contains("unknown key") || r.contains("deleted") {
            return .notFound
        }
        if r.contains("too_many") || r.contains("too many") || r.contains("rate_limit") || r.contains("rate limit") || r.contains("throttl") {
            return .throttled
        }
        if r.contains("invalid_api_key") || r.contains("invalid_key") || r.contains("invalid_token") || r.contains("invalid api key") {
            return .invalidKey
        }
        return nil
    }

    /// Whether a frame reports an error (`{"type":"auth_error",…}`, `{"error":…}`) rather than
    /// something the server sends to a client it accepted.
    static func isErrorFrame(_ text: String) -> Bool {
        if let object = json(text) {
            for field in ["type", "event", "op", "status"] {
                if let v = object[field] as? String {
                    let l = v.lowercased()
                    if l.contains("error") || l.contains("fail") || l.contains("denied") || l.contains("unauthori") || l.contains("reject") { return true }
                }
            }
            if let e = object["error"], !(e is NSNull), (e as? Bool) != false { return true }
            return false
        }
        let l = text.lowercased()
        return ["error", "unauthori", "denied", "forbidden", "invalid", "revoked"].contains { l.contains($0) }
    }

    static func json(_ text: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
    }

    /// Text safe to show: keys cut out first (a key cut in half would no longer be found), then
    /// control characters removed, then at most `limit` characters.
    func clean(_ text: String, limit: Int = 200) -> String {
        Self.clean(text, scrubber: scrubber, limit: limit)
    }

    static func clean(_ text: String, scrubber: KeyScrubber, limit: Int = 200) -> String {
        let scrubbed = scrubber.scrub(text)
        var out = String.UnicodeScalarView()
        for scalar in scrubbed.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator: continue
            default: out.append(scalar)
            }
        }
        let s = String(out).trimmingCharacters(in: .whitespaces)
        return s.count > limit ? String(s.prefix(limit)) + "…" : s
    }

    /// The first frame that reports an error.
    var errorFrame: WebSocketResult.Frame? {
        result.frames.first { Self.isErrorFrame($0.text) }
    }

    /// A frame's `type` (or `event`/`op`), cleaned.
    func type(of frame: WebSocketResult.Frame) -> String? {
        guard let o = Self.json(frame.text) else { return nil }
        for field in ["type", "event", "op"] { if let v = o[field] as? String { return clean(v, limit: 60) } }
        return nil
    }

    /// A frame's `reason` (or `code`, `error`, `message`), raw: callers clean it.
    func rawReason(of frame: WebSocketResult.Frame) -> String? {
        guard let o = Self.json(frame.text) else { return nil }
        for field in ["reason", "code", "error", "message", "detail"] {
            if let v = o[field] as? String, !v.isEmpty { return v }
            if let nested = o[field] as? [String: Any], let v = nested["message"] as? String ?? nested["reason"] as? String { return v }
        }
        return nil
    }

    var closeCode: Int? { result.close?.byServer == true ? result.close?.code : nil }

    /// The server's close reason, raw.
    var rawCloseReason: String? {
        guard let c = result.close, c.byServer, !c.reason.isEmpty else { return nil }
        return c.reasonText
    }

    /// The reason the server gave: its close reason, else the error frame's reason. Raw.
    var rawReason: String? {
        rawCloseReason ?? errorFrame.flatMap(rawReason(of:))
    }

    /// That reason, fit to show.
    var reason: String? { rawReason.map { clean($0) }.flatMap { $0.isEmpty ? nil : $0 } }

    var meaning: Meaning? {
        // The close reason decides; a frame's reason fills in for a close without one.
        if let r = rawCloseReason, let m = Self.meaning(of: r) { return m }
        if let f = errorFrame, let r = rawReason(of: f), let m = Self.meaning(of: r) { return m }
        return nil
    }

    /// The frames as evidence.
    var frameEvidence: [WebSocketEvidence.Frame] {
        result.frames.map { f in
            WebSocketEvidence.Frame(kind: f.kind.rawValue, type: type(of: f), reason: rawReason(of: f).map { clean($0, limit: 120) },
                                    text: f.kind == .text ? clean(f.text, limit: 300) : nil, bytes: f.size, atMs: Self.round(f.atMs))
        }
    }

    static func round(_ ms: Double) -> Double { (ms * 10).rounded() / 10 }

    /// `close 4001 "api_key_revoked"`, or what happened instead.
    var closeText: String {
        switch result.ending {
        case .closedByServer:
            let code = result.close?.code.map(String.init) ?? "without a code"
            return reason.map { "close \(code) `\($0)`" } ?? "close \(code) without a reason"
        case .settled: return "no close"
        case .droppedWithoutClose: return "the connection dropped without a close frame (1006)"
        case .refused: return "no upgrade"
        case .timedOut(let phase): return "no \(phase.rawValue) in time"
        case .failed(let f): return f.reason
        }
    }
}

/// What a WebSocket probe saw, as a finding's evidence carries it. No key: the auth is
/// described with the template or a variable name, texts are cleaned and scrubbed.
public struct WebSocketEvidence: Codable, Sendable, Equatable {
    public var url: String
    /// How the key was presented (`auth frame {"type":"auth","api_key":"{{key}}"}`).
    public var sent: String
    public var upgradeStatus: Int?
    /// The body of a refused upgrade, cleaned.
    public var body: String?
    public var frames: [Frame]
    public var framesNotKept: Int?
    public var closeCode: Int?
    public var closeReason: String?
    /// `server`, or `hubdoctor` when it closed (1000) after the server accepted the key.
    public var closedBy: String?
    /// closed, accepted, dropped, refused, timeout or failed.
    public var outcome: String
    public var error: String?
    public var timings: WebSocketResult.Timings
    /// The command that repeats the probe, naming the key as a variable.
    public var command: String?

    public struct Frame: Codable, Sendable, Equatable {
        public var kind: String
        public var type: String?
        public var reason: String?
        public var text: String?
        public var bytes: Int
        public var atMs: Double
    }
}
