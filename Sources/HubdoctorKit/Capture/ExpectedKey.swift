/// The key a request must carry to pass, and where it was read.
public struct ExpectedKey: Sendable {
    public var value: SecretValue
    /// `environment API_KEY`, `hivecfm-hub/.env:3`.
    public var origin: String
    public var name: String
    /// The facts of the link the key was read for (files, variables, restart commands), so that
    /// runbook steps name the caller's own files; empty for `--expect-key-env`.
    public var facts: [String: String]

    public init(value: SecretValue, origin: String, name: String, facts: [String: String] = [:]) {
        self.value = value
        self.origin = origin
        self.name = name
        self.facts = facts
    }

    /// From `--expect-key-env`, else the service key of the first link of `--config` or of the
    /// built-in profile under `--root`. The value is registered so that no output can show it.
    public static func resolve(_ options: CaptureOptions) throws -> ExpectedKey {
        let key: ExpectedKey
        if let name = options.expectKeyEnv {
            guard let text = options.environment[name] else {
                throw HubdoctorError(.usage, "--expect-key-env \(name): \(name) is not set in hubdoctor's environment")
            }
            guard !text.isEmpty else {
                throw HubdoctorError(.usage, "--expect-key-env \(name): \(name) is empty; a service with an empty key accepts nothing (the Hub refuses to start with one)")
            }
            key = ExpectedKey(value: SecretValue(text), origin: "environment \(name)", name: name)
        } else {
            var check = CheckOptions()
            check.root = options.root
            check.configPath = options.configPath
            check.mode = options.mode
            check.environment = options.environment
            let setup = try Doctor.setup(check)
            let resolver = setup.resolver
            guard let link = setup.links.first else {
                throw HubdoctorError(.config, "the configuration has no link, so there is no service key to expect; pass --expect-key-env")
            }
            let readings = Doctor.read(link, options: check, resolver: resolver)
            let reading = readings.service
            guard let value = reading.usableValue else {
                let why = reading.problems.map(\.description).joined(separator: "; ")
                throw HubdoctorError(.config, "cannot read \(link.service.name)'s key \(link.service.key.variableName) from \(reading.whereLabel)"
                                     + (why.isEmpty ? ": it is absent or empty" : ": \(why)") + "; pass --expect-key-env instead")
            }
            key = ExpectedKey(value: value, origin: reading.whereLabel, name: link.service.key.variableName, facts: readings.facts)
        }
        SecretRegistry.shared.register(key.value)
        return key
    }
}
