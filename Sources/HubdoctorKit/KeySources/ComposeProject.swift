import Foundation
import Yams

/// A Compose project as `docker compose` turns it into container environments: each service's
/// `env_file:` entries in order (a later file wins), then its `environment:` on top, with
/// `${VAR}`, `${VAR:-default}` and `$$` interpolated from the project `.env`.
struct ComposeProject {
    /// The compose file.
    var origin: Origin
    var services: [(name: String, node: Node)]
    /// The project `.env` beside the compose file, as compose-go reads it.
    var projectEnv: [String: String]
    var projectEnvOrigin: Origin
    var problems: [SourceProblem]
    var notes: [String]

    /// The names `docker compose` looks for, in its order of preference.
    static let fileNames = ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"]

    /// The compose file `docker compose` would pick in `root`, relative to it.
    static func find(resolver: SourceResolver) -> String? {
        fileNames.first { SourceFile.exists(resolver.absolute($0)) }
    }

    static func load(file: String, resolver: SourceResolver) -> Result<ComposeProject, SourceProblem> {
        let path = resolver.absolute(file)
        let origin = Origin(display: resolver.display(file), path: path)
        let bytes: [UInt8]
        switch SourceFile.read(path, display: origin.display) {
        case .failure(let p): return .failure(p)
        case .success(let b): bytes = b
        }
        let top: Node
        switch YAMLDocuments.parse(bytes) {
        case .failure(let f):
            return .failure(SourceProblem(origin: YAMLSource.originAt(origin, f.line), column: f.column, reason: f.reason))
        case .success(let docs):
            guard let first = docs.nodes.first, case .mapping = first else {
                return .failure(SourceProblem(origin: origin, reason: "is not a Compose file: its top level is not a mapping"))
            }
            top = first
        }
        guard case .mapping(let servicesMap)? = top.child("services") else {
            return .failure(SourceProblem(origin: YAMLSource.originAt(origin, top.line), reason: "has no `services:` mapping"))
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let envPath = folder + "/.env"
        var project = ComposeProject(origin: origin, services: servicesMap.compactMap { p in p.key.text.map { ($0, p.value) } },
                                     projectEnv: [:], projectEnvOrigin: Origin(display: resolver.display(envPath), path: envPath, dialect: .compose),
                                     problems: [], notes: [])
        if case .success(let envBytes) = SourceFile.read(envPath, display: project.projectEnvOrigin.display) {
            let doc = Dialect.compose.parse(envBytes)
            if let e = doc.error {
                project.problems.append(SourceProblem(origin: YAMLSource.originAt(project.projectEnvOrigin, e.line),
                                                      reason: e.isLimit ? "the project .env: " + e.sentence(reader: "Docker Compose")
                                                          : "Docker Compose refuses the project .env: \(e.reason)"))
            }
            for entry in doc.variables { project.projectEnv[entry.name] = entry.value.text }
        }
        let overrides = ["compose.override.yaml", "compose.override.yml", "docker-compose.override.yml", "docker-compose.override.yaml"]
            .filter { SourceFile.exists(folder + "/" + $0) }
        if let o = overrides.first {
            project.notes.append("\(o) also applies when `docker compose` runs here and hubdoctor does not merge it: check it for environment overrides")
        }
        return .success(project)
    }

    func service(_ name: String) -> Node? { services.last { $0.name == name }?.node }

    /// What one container gets: each variable's winning definition, and the ones it beat.
    struct Environment {
        var winners: [String: Definition] = [:]
        var losers: [String: [Definition]] = [:]
        var considered: [Origin] = []
        var problems: [SourceProblem] = []
        var notes: [String] = []

        mutating func define(_ name: String, _ definition: Definition) {
            if let old = winners[name] { losers[name, default: []].insert(old, at: 0) }
            winners[name] = definition
        }
    }

    func environment(of serviceName: String, resolver: SourceResolver) -> Environment {
        var env = Environment()
        env.considered = [origin]
        guard let service = service(serviceName) else { return env }
        let lookup: (String) -> [UInt8]? = { projectEnv[$0].map { Array($0.utf8) } }

        for entry in envFiles(service) {
            var at = YAMLSource.originAt(origin, entry.line)
            let path: String
            switch resolvedPath(entry, resolver: resolver) {
            case .failure(let f): env.problems.append(SourceProblem(origin: at, reason: "env_file path: \(f.reason)")); continue
            case .success(let p): path = p
            }
            let fileOrigin = Origin(display: resolver.display(path), path: path, dialect: .compose)
            env.considered.append(fileOrigin)
            let bytes: [UInt8]
            switch SourceFile.read(path, display: fileOrigin.display) {
            case .failure(let p):
                if p.isMissingFile, !entry.required {
                    env.notes.append("\(fileOrigin.display) (env_file, required: false) does not exist and is skipped")
                } else {
                    at.line = entry.line
                    env.problems.append(SourceProblem(origin: at, reason: "env_file \(fileOrigin.display) \(p.reason): `docker compose up` refuses to start \(serviceName)"))
                }
                continue
            case .success(let b): bytes = b
            }
            if entry.raw {
                for (name, value, line) in Self.rawEntries(bytes) {
                    env.define(name, Definition(origin: YAMLSource.originAt(fileOrigin, line), value: SecretValue(bytes: value)))
                }
                continue
            }
            // An env_file's own `${VAR}` sees the project environment and the files before it.
            var visible = projectEnv
            for (name, d) in env.winners { visible[name] = d.value.text }
            let doc = Dialect.compose.parse(bytes, lookup: visible)
            if let e = doc.error {
                let reason = e.isLimit ? "this env_file: " + e.sentence(reader: "Docker Compose") : "Docker Compose refuses this env_file: \(e.reason)"
                env.problems.append(SourceProblem(origin: YAMLSource.originAt(fileOrigin, e.line), reason: reason))
                continue
            }
            for e in doc.variables {
                env.define(e.name, Definition(origin: YAMLSource.originAt(fileOrigin, e.line), value: e.value))
            }
        }

        for item in environmentEntries(service) {
            let at = YAMLSource.originAt(origin, item.line)
            guard let raw = item.value else {
                // `KEY` or `KEY:` with no value: taken from the environment `docker compose` runs in.
                if let v = projectEnv[item.name] {
                    env.define(item.name, Definition(origin: YAMLSource.originAt(projectEnvOrigin, nil), value: SecretValue(v)))
                    env.notes.append("\(item.name) at \(at.label) has no value, so Compose takes it from the project .env (or the shell that runs `docker compose`)")
                } else {
                    env.notes.append("\(item.name) at \(at.label) has no value and the project .env does not define it: the container gets it only from the shell that runs `docker compose`")
                }
                continue
            }
            switch ComposeTemplate.substitute(Array(raw.utf8), mapping: lookup) {
            case .failure(let f):
                env.problems.append(SourceProblem(origin: at, reason: "environment.\(item.name): \(f.reason); `docker compose` refuses the file"))
            case .success(let value):
                env.define(item.name, Definition(origin: at, value: SecretValue(bytes: value)))
            }
        }
        return env
    }

    struct EnvFileEntry { var path: String; var required: Bool; var raw: Bool; var line: Int? }

    /// An `env_file:` path as `docker compose` opens it: interpolated, relative to the compose file.
    func resolvedPath(_ entry: EnvFileEntry, resolver: SourceResolver) -> Result<String, ComposeTemplate.Failure> {
        let folder = URL(fileURLWithPath: origin.path ?? resolver.root).deletingLastPathComponent().path
        return ComposeTemplate.substitute(Array(entry.path.utf8), mapping: { projectEnv[$0].map { Array($0.utf8) } }).map { bytes in
            let raw = String(decoding: bytes, as: UTF8.self)
            return raw.hasPrefix("/") ? raw : URL(fileURLWithPath: folder).appendingPathComponent(raw).standardizedFileURL.path
        }
    }

    /// `env_file:` as a string, a list of strings, or a list of `{path, required, format}`.
    func envFiles(_ service: Node) -> [EnvFileEntry] {
        guard let node = service.child("env_file") else { return [] }
        let items: [Node]
        if case .sequence(let s) = node { items = Array(s) } else { items = [node] }
        return items.compactMap { item in
            if let text = item.text { return EnvFileEntry(path: text, required: true, raw: false, line: item.line) }
            guard let path = item.child("path")?.text else { return nil }
            let required = item.child("required")?.text.map { !["false", "no", "off"].contains($0.lowercased()) } ?? true
            return EnvFileEntry(path: path, required: required, raw: item.child("format")?.text == "raw", line: item.line)
        }
    }

    struct EnvironmentItem { var name: String; var value: String?; var line: Int? }

    /// `environment:` as a map (`KEY: value`, with `<<: *anchor` merges) or a list (`- KEY=value`).
    func environmentEntries(_ service: Node) -> [EnvironmentItem] {
        guard let node = service.child("environment") else { return [] }
        switch node {
        case .mapping(let m):
            var merged: [EnvironmentItem] = []
            var explicit: [EnvironmentItem] = []
            for pair in m {
                guard let key = pair.key.text else { continue }
                if key == "<<" {
                    let sources: [Node]
                    if case .sequence(let s) = pair.value { sources = Array(s) } else { sources = [pair.value] }
                    for case .mapping(let mm) in sources {
                        for p in mm { if let k = p.key.text { merged.append(item(k, p.value, line: p.key.line)) } }
                    }
                    continue
                }
                explicit.append(item(key, pair.value, line: pair.key.line))
            }
            // Keys written in the service win over merged ones.
            return merged.filter { m in !explicit.contains { $0.name == m.name } } + explicit
        case .sequence(let s):
            return s.compactMap { entry in
                guard let text = entry.text else { return nil }
                guard let eq = text.firstIndex(of: "=") else { return EnvironmentItem(name: text, value: nil, line: entry.line) }
                return EnvironmentItem(name: String(text[..<eq]), value: String(text[text.index(after: eq)...]), line: entry.line)
            }
        default:
            return []
        }
    }

    private func item(_ key: String, _ value: Node, line: Int?) -> EnvironmentItem {
        EnvironmentItem(name: key, value: value.isNull ? nil : value.text, line: line)
    }

    /// `format: raw`: `KEY=VALUE` lines taken as written, without quotes, escapes or `${}`.
    static func rawEntries(_ bytes: [UInt8]) -> [(String, [UInt8], Int)] {
        var out: [(String, [UInt8], Int)] = []
        for (index, line) in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            var l = Array(line)
            if l.last == 0x0D { l.removeLast() }
            guard let first = l.first(where: { $0 != 0x20 && $0 != 0x09 }), first != 0x23, let eq = l.firstIndex(of: 0x3D) else { continue }
            let name = String(decoding: l[..<eq], as: UTF8.self).trimmingCharacters(in: .whitespaces)
            if !name.isEmpty { out.append((name, Array(l[(eq + 1)...]), index + 1)) }
        }
        return out
    }

    /// The service whose container gets `name` (for finding Hub and Core by what they read).
    func services(defining name: String, resolver: SourceResolver) -> [String] {
        services.map(\.name).filter { environment(of: $0, resolver: resolver).winners[name] != nil
            || (service($0).map(environmentEntries) ?? []).contains { $0.name == name } }
    }

    static func read(file: String, service: String, name: String, source: KeySource, resolver: SourceResolver) -> KeyReading {
        var r = KeyReading(source: source)
        let project: ComposeProject
        switch load(file: file, resolver: resolver) {
        case .failure(let p):
            r.considered = [p.origin]
            r.problems.append(p)
            return r
        case .success(let p): project = p
        }
        r.problems += project.problems
        r.notes += project.notes
        guard project.service(service) != nil else {
            r.considered = [project.origin]
            r.problems.append(SourceProblem(origin: project.origin, reason: "has no service \(service) (services: \(project.services.map(\.name).joined(separator: ", ")))"))
            return r
        }
        let env = project.environment(of: service, resolver: resolver)
        r.considered = env.considered
        r.problems += env.problems
        r.notes += env.notes
        if let winner = env.winners[name] {
            r.value = winner.value
            r.origin = winner.origin
            r.shadowed = env.losers[name] ?? []
            if let beaten = r.shadowed.first {
                let rule = winner.origin.path == project.origin.path ? "`environment:` wins over `env_file:`" : "a later env_file wins over an earlier one"
                r.notes.append("\(winner.origin.label) wins over \(beaten.origin.label) in service \(service) (\(rule))")
            }
        }
        if resolver.environment[name] != nil, (project.service(service).map(project.environmentEntries) ?? []).contains(where: { $0.name == name && $0.value == nil }) {
            r.notes.append("\(name) is also set in hubdoctor's own environment: `docker compose` run from this shell would pass that value instead")
        }
        return r
    }
}
