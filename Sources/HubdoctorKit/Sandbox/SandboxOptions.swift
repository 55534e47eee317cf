/// How to run the sandbox Hub.
public struct SandboxOptions: Sendable {
    public var host = "127.0.0.1"
    /// 0 picks a free port; `SandboxHub.port` says which.
    public var port = 0
    /// The key `/v1/*` demands (the Hub's `API_KEY`).
    public var key: SecretValue
    /// A previous key that is still accepted, as during a rotation window.
    public var oldKey: SecretValue?
    public var faults: Set<SandboxFault> = []
    /// With `.slow`: how long every answer waits.
    public var delayMs = 0
    /// With `.throttled`: the `Retry-After` seconds.
    public var retryAfterSeconds = 30
    /// With `.redirect`: the other origin `/v1/*` is sent to.
    public var redirectTo = "https://hub.example.com"
    /// Also serve `GET /auth/session` as Team Hub does.
    public var session = false
    /// The WebSocket endpoints' key store (seed 001's Hub keeps its keys in a database): `key`
    /// (and `oldKey`) are valid with every capability; these keys have the state given; any
    /// other key is unknown to the store.
    public var keyStates: [SecretValue: SandboxKeyState] = [:]
    /// Connections beyond this many open at once are closed as soon as they are accepted, as a
    /// service behind a connection limit does (the listener's own default is 128).
    public var maxConnections = ListenerLimits().maxConnections

    public init(key: SecretValue) {
        self.key = key
    }

    /// A fresh random key, as `rotate` makes them, for a sandbox nobody gave a key to.
    public static func generateKey() -> SecretValue {
        SecretValue("hk_" + KeyGenerator.generate().text)
    }
}

/// What the sandbox's key store holds about a key (the WebSocket endpoints' `verifyApiKey`).
public enum SandboxKeyState: String, CaseIterable, Sendable {
    /// Known, not revoked, with every capability.
    case valid
    /// Known, with a revocation time.
    case revoked
    /// Known and valid, but without the supervisor capability.
    case missingCapability = "missing-capability"
}
