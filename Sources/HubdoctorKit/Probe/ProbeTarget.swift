import Foundation

/// One service to probe, and what is known about the keys on both sides.
public struct ProbeTarget: Sendable {
    /// The URL the caller is configured with; paths are appended to it.
    public var baseURL: String
    public var healthPath: String?
    public var protectedPaths: [String]
    /// Team Hub's `GET /auth/session`, tried once with the key; a service without it is skipped.
    public var sessionPath: String?
    /// The key the caller sends, when it has one.
    public var key: SecretValue?
    /// The shell variable that copy-paste commands use for `key` (`API_KEY`).
    public var keyEnv: String
    /// The service's own key, when known: probed too when it differs from `key`.
    public var serviceKey: SecretValue?
    public var serviceKeyEnv: String
    /// Why `serviceKey` must not be sent to this URL (it is not loopback, nor the origin the
    /// service side declares); nil when it may be.
    public var serviceKeyWithheld: String?
    /// Whether both sides' files hold the same key (nil: only one side is known).
    public var filesAgree: Bool?
    public var callerName: String
    public var serviceName: String
    /// How the caller's key is described in messages ("Core's HIVECFM_HUB_API_KEY").
    public var keyLabel: String
    /// Where the service's key is described ("hivecfm-hub/.env").
    public var serviceKeyLabel: String?
    /// Host names that only resolve inside the Compose network.
    public var composeHosts: Set<String>
    /// The URL the caller should use in this mode, when known.
    public var expectedURL: String?

    public init(baseURL: String, healthPath: String? = "/health", protectedPaths: [String] = [], sessionPath: String? = nil,
                key: SecretValue? = nil, keyEnv: String = "API_KEY", serviceKey: SecretValue? = nil, serviceKeyEnv: String = "API_KEY",
                filesAgree: Bool? = nil, callerName: String = "the caller", serviceName: String = "the service",
                keyLabel: String = "the key", serviceKeyLabel: String? = nil, composeHosts: Set<String> = [],
                expectedURL: String? = nil) {
        self.baseURL = baseURL
        self.healthPath = healthPath
        self.protectedPaths = protectedPaths
        self.sessionPath = sessionPath
        self.key = key
        self.keyEnv = keyEnv
        self.serviceKey = serviceKey
        self.serviceKeyEnv = serviceKeyEnv
        self.filesAgree = filesAgree
        self.callerName = callerName
        self.serviceName = serviceName
        self.keyLabel = keyLabel
        self.serviceKeyLabel = serviceKeyLabel
        self.composeHosts = composeHosts
        self.expectedURL = expectedURL
    }

    /// Team Hub tokens (`hbk_…`) can describe themselves at `GET /auth/session`; other keys are
    /// not sent there unless a session path is configured.
    public static func sessionPath(for key: SecretValue?) -> String? {
        key?.text.hasPrefix("hbk_") == true ? "/auth/session" : nil
    }

    /// `baseURL` plus `path`, with exactly one slash between them. A base URL with a query
    /// (`?token=…`, which some gateways want on every request) keeps it after the path.
    func url(_ path: String) -> String {
        let path = path.hasPrefix("/") ? path : "/" + path
        if baseURL.contains("?") || baseURL.contains("#"), var c = URLComponents(string: baseURL) {
            let parts = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
            c.percentEncodedPath = c.percentEncodedPath.trimmingSuffix("/") + parts[0]
            if parts.count > 1 { c.percentEncodedQuery = [c.percentEncodedQuery, String(parts[1])].compactMap { $0 }.joined(separator: "&") }
            c.fragment = nil
            if let url = c.string { return url }
        }
        return baseURL.trimmingSuffix("/") + path
    }

    /// `serviceName` and `keyLabel` at the start of a sentence.
    var serviceTitle: String { serviceName.prefix(1).uppercased() + serviceName.dropFirst() }
    var keyTitle: String { keyLabel.prefix(1).uppercased() + keyLabel.dropFirst() }

    /// Every real key this target may send, to cut out of anything echoed back.
    var secrets: [SecretValue] { [key, serviceKey].compactMap { $0 } }
}
