extension KeySource {
    /// A one-word name for the kind of source, for runbook conditions (`when: {side.kind: secret}`):
    /// a Kubernetes Secret is fixed differently from an `.env` file.
    public var kind: String {
        switch self {
        case .env: return "env"
        case .yamlSecret: return "secret"
        case .yamlPath: return "yaml"
        case .compose: return "compose"
        case .process: return "process"
        case .environment: return "environment"
        case .literal: return "literal"
        case .keyStore: return "store"
        case .kube: return "kube"
        }
    }

    public static let kinds = ["env", "secret", "yaml", "compose", "process", "environment", "literal", "store", "kube"]

    /// The kinds that live in a file that someone edits.
    public static let fileKinds: Set<String> = ["env", "secret", "yaml", "compose"]

    /// The Compose service whose container environment this source reads.
    public var composeServiceName: String? {
        if case .compose(_, let service, _) = self { return service }
        return nil
    }

    /// The Secret's `metadata.name`, for a Kubernetes Secret source.
    public var secretName: String? {
        if case .yamlSecret(_, let secret, _) = self { return secret }
        if case .kube(let secret, _, _) = self { return secret }
        return nil
    }
}
