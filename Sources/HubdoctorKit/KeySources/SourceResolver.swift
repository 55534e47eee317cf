import Foundation

/// Turns a `KeySource` into a `KeyReading`. Paths are relative to the layout root.
public struct SourceResolver: Sendable {
    public let root: String
    /// hubdoctor's own environment, for `{environment: NAME}` sources.
    public let environment: [String: String]
    /// How long one `sops decrypt` may take before it is stopped.
    public var sopsTimeout: Double
    /// Standard input and decryptions, read once per run.
    public let cache: SourceCache
    /// How long one kubectl request may take (a live Secret).
    public var kubeTimeout: Double = 10
    /// `--offline`: a live cluster is not asked.
    public var offline = false

    public init(root: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                sopsTimeout: Double = 30, cache: SourceCache = SourceCache()) {
        let url = URL(fileURLWithPath: root, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        self.root = url.standardizedFileURL.path
        self.environment = environment
        self.sopsTimeout = sopsTimeout
        self.cache = cache
    }

    public func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return URL(fileURLWithPath: path).standardizedFileURL.path }
        return URL(fileURLWithPath: root).appendingPathComponent(path).standardizedFileURL.path
    }

    /// A path as the user should see it: relative to the root when inside it.
    public func display(_ path: String) -> String {
        let abs = absolute(path)
        let prefix = root.hasSuffix("/") ? root : root + "/"
        return abs.hasPrefix(prefix) ? String(abs.dropFirst(prefix.count)) : abs
    }

    public func read(_ source: KeySource) -> KeyReading {
        switch source {
        case .env(let files, let name, let dialect):
            return EnvLoader(resolver: self).read(files: files, name: name, dialect: dialect, source: source)
        case .environment(let name):
            var r = KeyReading(source: source)
            let origin = Origin(display: "environment \(name)")
            r.considered = [origin]
            if let v = environment[name] {
                r.value = SecretValue(v)
                r.origin = origin
            }
            return r
        case .literal(let text):
            return KeyReading(source: source, value: SecretValue(text), origin: Origin(display: "config"))
        case .keyStore:
            return KeyReading(source: source)
        case .process(let pid, let name):
            return ProcessEnvironment.read(pid: pid, name: name, source: source)
        case .yamlSecret, .yamlPath:
            return YAMLSource.read(source, resolver: self)
        case .compose(let file, let service, let name):
            return ComposeProject.read(file: file, service: service, name: name, source: source, resolver: self)
        case .kube(let secret, let name, let scope):
            return readLiveSecret(secret, key: name, scope: scope, source: source)
        }
    }

    /// A key in a live Secret, read with kubectl once per run (holders and copies share it).
    func readLiveSecret(_ secret: String, key: String, scope: KubeScope, source: KeySource) -> KeyReading {
        var r = KeyReading(source: source)
        let origin = Origin(display: scope.label("Secret", secret))
        r.considered = [origin]
        if offline {
            r.problems = [SourceProblem(origin: origin, reason: "is in a live cluster, which --offline does not ask")]
            return r
        }
        switch liveSecret(secret, scope: scope) {
        case .failure(let p):
            r.problems = [SourceProblem(origin: origin, reason: p.kind == .notFound ? "does not exist: \(p.reason)" : "cannot be read: \(p.reason)",
                                        hint: RemediationStep(text: "See what kubectl says", run: "\(scope.command) get secret \(ShellWord.quote(secret))"),
                                        isMissingFile: p.kind == .notFound)]
        case .success(let live):
            r.changed = live.changed
            r.changedBy = live.changedBy
            if let change = live.changeText { r.notes.append("\(live.label) \(change) (managedFields)") }
            if let value = live.value(key) {
                r.value = value
                r.origin = origin
            } else {
                r.notes.append("\(live.label) has no key \(key)")
            }
        }
        return r
    }

    /// A live Secret, fetched once per run for every source, copy and holder that names it.
    public func liveSecret(_ name: String, scope: KubeScope) -> Result<LiveSecret, KubeProblem> {
        cache.liveSecret(name, scope: scope) {
            Kubectl.locate(environment: environment, timeout: kubeTimeout).flatMap { $0.secret(name, scope: scope) }
        }
    }
}
