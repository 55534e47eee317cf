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

    public init(key: SecretValue) {
        self.key = key
    }

    /// A fresh random key, as `rotate` makes them, for a sandbox nobody gave a key to.
    public static func generateKey() -> SecretValue {
        SecretValue("hk_" + KeyGenerator.generate().text)
    }
}
