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
