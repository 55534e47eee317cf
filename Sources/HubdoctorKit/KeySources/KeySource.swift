import Foundation

/// Where one side of a link keeps its key (or the caller keeps the service URL).
/// The cases are the contract's key sources.
public enum KeySource: Sendable, Equatable, CustomStringConvertible {
    /// `.env` files read by `dialect`; with several files, the first that defines `var` wins
    /// (for `next`, the files are in `@next/env` priority order and expansion runs across them).
    case env(files: [String], `var`: String, dialect: Dialect)
    /// A Kubernetes Secret by `metadata.name` (`stringData` overrides base64 `data`).
    case yamlSecret(file: String, secret: String, key: String)
    /// A dotted path in a plain YAML map.
    case yamlPath(file: String, path: String)
    /// What a Compose service's container gets: its `environment:` over its `env_file:`s, with
    /// `${VAR}` interpolation from the project `.env`.
    case compose(file: String, service: String, `var`: String)
    /// A running process's environment (`/proc/PID/environ`).
    case process(pid: Int32, `var`: String)
    /// hubdoctor's own environment (a CI secret).
    case environment(name: String)
    /// A literal value written in the config (URLs only; never a key).
    case literal(String)
    /// The service keeps its keys in a store hubdoctor does not read (a database): a link whose
    /// `service:` has no `key:`. The key checks are skipped; the probes judge.
    case keyStore
    /// `{kube: {secret, var, namespace, context}}`: a Secret in a live cluster, read with
    /// `kubectl` and the user's kubeconfig.
    case kube(secret: String, `var`: String, scope: KubeScope)

    /// The variable name a human would grep for.
    public var variableName: String {
        switch self {
        case .env(_, let v, _): return v
        case .yamlSecret(_, _, let k): return k
        case .yamlPath(_, let p): return p
        case .compose(_, _, let v): return v
        case .process(_, let v): return v
        case .environment(let n): return n
        case .literal: return "url"
        case .keyStore: return "API key"
        case .kube(_, let v, _): return v
        }
    }

    /// The files this source reads, relative as written.
    public var files: [String] {
        switch self {
        case .env(let files, _, _): return files
        case .yamlSecret(let f, _, _), .yamlPath(let f, _), .compose(let f, _, _): return [f]
        case .process, .environment, .literal, .keyStore, .kube: return []
        }
    }

    public var description: String {
        switch self {
        case .env(let files, let v, let d): return "\(v) from \(files.joined(separator: ", ")) (\(d.rawValue))"
        case .yamlSecret(let f, let s, let k): return "\(k) in Secret \(s) (\(f))"
        case .yamlPath(let f, let p): return "\(p) in \(f)"
        case .compose(let f, let s, let v): return "\(v) in Compose service \(s) (\(f))"
        case .process(let pid, let v): return "\(v) in process \(pid)"
        case .environment(let n): return "\(n) in hubdoctor's environment"
        case .literal: return "literal value in the config"
        case .keyStore: return "the service's own key store (not read by hubdoctor)"
        case .kube(let s, let v, let scope): return "\(v) in live \(scope.label("Secret", s))"
        }
    }
}

/// A place in a file (or elsewhere) that a value came from.
public struct Origin: Sendable, Equatable, Codable {
    /// As shown to the user: relative to `--root` where possible.
    public var display: String
    /// The absolute path, for tools that rewrite the file (`fix`). Nil for non-file origins.
    public var path: String?
    public var line: Int?
    public var dialect: Dialect?

    public init(display: String, path: String? = nil, line: Int? = nil, dialect: Dialect? = nil) {
        self.display = display
        self.path = path
        self.line = line
        self.dialect = dialect
    }

    /// `file:line`, the form editors and CI annotations understand.
    public var label: String { line.map { "\(display):\($0)" } ?? display }
}

/// Another definition of the same variable that lost the precedence, or that a second reader
/// would deliver differently.
public struct Definition: Sendable, Equatable {
    public var origin: Origin
    public var value: SecretValue
}

/// Why a source could not give a value. Its text never quotes the file's content.
public struct SourceProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public var cause: Cause
    public var origin: Origin
    public var column: Int?
    public var reason: String
    /// What to run to get past it (for example the `sops decrypt` command).
    public var hint: RemediationStep?
    /// The file does not exist (or none of the files does): normal for an optional file in a
    /// load order, unlike a file that exists and cannot be read.
    public var isMissingFile: Bool

    public init(cause: Cause = .sourceUnreadable, origin: Origin, column: Int? = nil, reason: String, hint: RemediationStep? = nil,
                isMissingFile: Bool = false) {
        self.cause = cause
        self.origin = origin
        self.column = column
        self.reason = reason
        self.hint = hint
        self.isMissingFile = isMissingFile
    }

    public var description: String {
        var loc = origin.display
        if let l = origin.line { loc += ":\(l)"; if let c = column { loc += ":\(c)" } }
        return "\(loc): \(reason)"
    }
}

/// What one source delivers: the value the service really gets (or nil when absent), where it was
/// defined, what it won over, and what went wrong on the way.
public struct KeyReading: Sendable {
    public var source: KeySource
    public var value: SecretValue?
    public var origin: Origin?
    /// Definitions of the same variable that lost the precedence, in priority order.
    public var shadowed: [Definition]
    public var problems: [SourceProblem]
    /// Facts about precedence, in words ("`.env.local` wins over `.env` under `next dev`").
    public var notes: [String]
    /// Every file considered, in the reader's order, whether or not it exists.
    public var considered: [Origin]
    /// True when the value is known to be empty even though the source could not be fully read
    /// (SOPS never encrypts an empty string, so an empty token shows through encryption).
    public var knownEmpty: Bool
    /// When the value last changed, where the store says (a live Secret's managedFields), and who
    /// changed it.
    public var changed: Date? = nil
    public var changedBy: String? = nil

    public init(source: KeySource, value: SecretValue? = nil, origin: Origin? = nil, shadowed: [Definition] = [],
                problems: [SourceProblem] = [], notes: [String] = [], considered: [Origin] = [], knownEmpty: Bool = false) {
        self.source = source
        self.value = value
        self.origin = origin
        self.shadowed = shadowed
        self.problems = problems
        self.notes = notes
        self.considered = considered
        self.knownEmpty = knownEmpty
    }

    /// A value that is defined and not empty.
    public var usableValue: SecretValue? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }

    /// When the files that define the value last changed in this checkout: the newest of the
    /// files the reader considered.
    public var filesModified: Date? {
        let paths = ([origin] + considered.map { Optional($0) }).compactMap { $0?.path }
        return paths.compactMap { try? FileManager.default.attributesOfItem(atPath: $0)[.modificationDate] as? Date }.max()
    }

    /// The label of where the value came from, or of where it was looked for.
    public var whereLabel: String {
        if let origin { return origin.label }
        if !considered.isEmpty { return considered.map(\.display).joined(separator: ", ") }
        return source.description
    }
}
