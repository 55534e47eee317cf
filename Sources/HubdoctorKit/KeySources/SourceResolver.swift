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
        }
    }
}
