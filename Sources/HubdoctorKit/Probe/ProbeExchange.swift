/// The probes of the matrix.
public enum ProbeKind: String, Sendable, CaseIterable {
    /// Connect only (DNS, TCP, TLS): can the origin be reached at all?
    case reach
    /// `GET /health` without credentials: expect 200.
    case health
    /// A protected path without `Authorization`: expect 401.
    case noAuth = "no-auth"
    /// A protected path with `Bearer <caller's key>`: expect 2xx, or 404 with a JSON body.
    case key
    /// The first protected path with `Bearer <service's own key>`, when the files disagree.
    case serviceKey = "service-key"
    /// A throwaway token without `Bearer `: expect 401.
    case shape
    /// `Bearer <throwaway token>`: expect 401.
    case wrongKey = "wrong-key"
    /// `GET /auth/session` with the key: who owns it.
    case session

    /// The finding's check id.
    public var check: CheckID {
        switch self {
        case .reach: return .probeReach
        case .health: return .probeHealth
        case .noAuth: return .probeNoAuth
        case .key: return .probeKey
        case .serviceKey: return .probeServiceKey
        case .shape: return .probeShape
        case .wrongKey: return .probeWrongKey
        case .session: return .probeSession
        }
    }
}

/// One probe: what was sent (described, never the key) and what came back, or why it was not sent.
public struct ProbeExchange: Sendable {
    public var kind: ProbeKind
    public var method: String
    public var url: String
    public var path: String
    /// A copy-paste command that repeats the probe, naming the key as a shell variable.
    public var curl: String
    public var outcome: Outcome
    /// Where a redirect of this request led, followed within the origin and without credentials
    /// (health and no-auth probes only): a loop is a service no client can use.
    public var redirects: RedirectChain?

    public enum Outcome: Sendable {
        case answered(HTTPClientResponse)
        case failed(TransportFailure)
        case skipped(String)
    }

    public var response: HTTPClientResponse? {
        if case .answered(let r) = outcome { return r }
        return nil
    }

    public var failure: TransportFailure? {
        if case .failed(let f) = outcome { return f }
        return nil
    }

    public var skipReason: String? {
        if case .skipped(let s) = outcome { return s }
        return nil
    }

    public var status: Int? { response?.status }
}

/// A redirect followed hop by hop within its origin, never with credentials.
public struct RedirectChain: Sendable, Equatable {
    /// The paths visited, the first one the probe's own, each with the status it answered.
    public var hops: [Hop]
    public var end: End

    public struct Hop: Sendable, Equatable {
        /// Path and query, credential-named parameters masked.
        public var target: String
        public var status: Int?
    }

    public enum End: Sendable, Equatable {
        /// A path came round again.
        case loop
        /// More redirects than any client follows.
        case tooLong
        /// An answer that is not a redirect.
        case answered(Int)
        /// A redirect to another origin, not followed (see `redirect-drops-auth`).
        case leftOrigin(String)
        /// No answer at some hop.
        case failed(String)
    }

    /// A chain no client gets out of.
    public var isLoop: Bool { end == .loop || end == .tooLong }

    /// `/health → 301 /health/ → 301 /health (loop)`.
    public var text: String {
        var parts: [String] = []
        for (i, hop) in hops.enumerated() {
            parts.append(i == 0 ? hop.target : "\(hops[i - 1].status.map(String.init) ?? "?") \(hop.target)")
        }
        var text = parts.joined(separator: " → ")
        switch end {
        case .loop: text += " → \(hops.last?.status.map(String.init) ?? "?") \(loopTarget ?? "…") (redirect loop)"
        case .tooLong: text += " → … (more than \(RedirectChain.maxHops) redirects)"
        case .answered(let s): text += " (answers \(s))"
        case .leftOrigin(let to): text += " → \(to) (another origin, not followed)"
        case .failed(let why): text += " (no answer: \(why))"
        }
        return text
    }

    /// The path the last hop sends back to.
    public var loopTarget: String?

    /// Browsers stop after 20, curl after 50 by default, Go's client after 10.
    public static let maxHops = 10
}
