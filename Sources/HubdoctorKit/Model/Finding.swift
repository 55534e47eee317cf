/// One piece of evidence behind a finding. Key evidence carries `present`, `length` and
/// `fingerprint`, never the value. Other evidence (an HTTP answer, a log line) uses `detail`
/// and the optional probe fields.
public struct Evidence: Codable, Sendable, Equatable {
    /// Where it came from: `path:line`, `process 4242`, `environment HUB_KEY`, a URL.
    public var source: String
    public var `var`: String?
    public var present: Bool?
    public var length: Int?
    public var fingerprint: String?
    /// Redacted facts about this evidence ("ends with LF", "quoted by the reader").
    public var detail: String?
    /// The file and line, kept apart for reporters that annotate lines (GitHub, JUnit).
    public var file: String?
    public var line: Int?
    public var http: HTTPEvidence?
    /// What a WebSocket probe saw: upgrade status, frames, close code and reason, timings.
    public var websocket: WebSocketEvidence?

    public init(source: String, `var` name: String? = nil, present: Bool? = nil, length: Int? = nil,
                fingerprint: String? = nil, detail: String? = nil, file: String? = nil, line: Int? = nil,
                http: HTTPEvidence? = nil, websocket: WebSocketEvidence? = nil) {
        self.source = source
        self.var = name
        self.present = present
        self.length = length
        self.fingerprint = fingerprint
        self.detail = detail
        self.file = file
        self.line = line
        self.http = http
        self.websocket = websocket
    }

    /// Evidence about a key: where it was read and how it looks, never what it is.
    public static func key(source: String, `var` name: String, value: SecretValue?, detail: String? = nil,
                           file: String? = nil, line: Int? = nil) -> Evidence {
        Evidence(source: source, var: name, present: value != nil, length: value?.length ?? 0,
                 fingerprint: value.map(\.fingerprint), detail: detail, file: file, line: line)
    }
}

/// What a probe saw. `curl` is a copy-paste command that names the key as a shell variable.
public struct HTTPEvidence: Codable, Sendable, Equatable {
    public var method: String
    public var url: String
    public var status: Int?
    public var error: String?
    public var body: String?
    public var wwwAuthenticate: String?
    public var retryAfter: String?
    public var location: String?
    public var timings: Timings?
    public var curl: String?

    public struct Timings: Codable, Sendable, Equatable {
        public var dnsMs: Double
        public var connectMs: Double
        public var tlsMs: Double
        public var serverMs: Double
        public var totalMs: Double

        public init(dnsMs: Double, connectMs: Double, tlsMs: Double, serverMs: Double, totalMs: Double) {
            self.dnsMs = dnsMs
            self.connectMs = connectMs
            self.tlsMs = tlsMs
            self.serverMs = serverMs
            self.totalMs = totalMs
        }
    }

    public init(method: String, url: String, status: Int? = nil, error: String? = nil, body: String? = nil,
                wwwAuthenticate: String? = nil, retryAfter: String? = nil, location: String? = nil,
                timings: Timings? = nil, curl: String? = nil) {
        self.method = method
        self.url = url
        self.status = status
        self.error = error
        self.body = body
        self.wwwAuthenticate = wwwAuthenticate
        self.retryAfter = retryAfter
        self.location = location
        self.timings = timings
        self.curl = curl
    }
}

/// A remediation step: what to do and, optionally, the command that does it.
public struct RemediationStep: Codable, Sendable, Equatable {
    public var text: String
    public var run: String?
    /// Which part of a runbook the step comes from, so that a reader can tell the fix from the
    /// proof that it worked. Absent on steps that a check wrote itself.
    public var phase: Phase?

    public enum Phase: String, Codable, Sendable {
        case confirm, fix, verify, prevent
    }

    public init(text: String, run: String? = nil, phase: Phase? = nil) {
        self.text = text
        self.run = run
        self.phase = phase
    }
}

/// The one finding type. Every command that diagnoses something reports these.
public struct Finding: Codable, Sendable, Equatable {
    /// Stable check id (`keys.match`, `probe.health`, ...): `--only`/`--skip` and JUnit use it.
    public var check: CheckID
    public var status: Status
    /// A contract cause on warn/fail; nil on pass and skip.
    public var cause: Cause?
    /// What the check asserts, phrased as the healthy state.
    public var title: String
    public var message: String
    public var evidence: [Evidence]
    public var runbook: String?
    public var remediation: [RemediationStep]
    /// The caller→service link this finding belongs to, when there are several.
    public var link: String?
    /// Number of occurrences, for `logs` groups.
    public var count: Int?
    /// Values the runbook templates may use: paths, variable names, URLs, the mode. Never a key.
    public var facts: [String: String]

    public init(check: CheckID, status: Status, cause: Cause? = nil, title: String, message: String,
                evidence: [Evidence] = [], runbook: String? = nil, remediation: [RemediationStep] = [],
                link: String? = nil, count: Int? = nil, facts: [String: String] = [:]) {
        self.check = check
        self.status = status
        self.cause = (status == .pass || status == .skip) ? nil : cause
        self.title = title
        self.message = message
        self.evidence = evidence
        self.runbook = runbook ?? self.cause?.defaultRunbook
        self.remediation = remediation
        self.link = link
        self.count = count
        self.facts = facts
    }

    enum CodingKeys: String, CodingKey {
        case check, status, cause, title, message, evidence, runbook, remediation, link, count, facts
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(check, forKey: .check)
        try c.encode(status, forKey: .status)
        try c.encode(cause, forKey: .cause) // explicit null on pass/skip, as the contract shows
        try c.encode(title, forKey: .title)
        try c.encode(message, forKey: .message)
        try c.encode(evidence, forKey: .evidence)
        try c.encode(runbook, forKey: .runbook)
        try c.encode(remediation, forKey: .remediation)
        try c.encodeIfPresent(link, forKey: .link)
        try c.encodeIfPresent(count, forKey: .count)
        if !facts.isEmpty { try c.encode(facts, forKey: .facts) }
    }

    /// The area a check belongs to, for grouping in text output: the part before the first dot.
    public var area: String { check.area }
}
