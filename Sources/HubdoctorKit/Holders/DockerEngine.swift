import Foundation

/// The Docker Engine API at `DOCKER_HOST`, else at the endpoint of the current Docker context
/// (`DOCKER_CONTEXT`, or `currentContext` in `~/.docker/config.json`), else at
/// `unix:///var/run/docker.sock`, spoken over libcurl: a unix socket, or `tcp://HOST:PORT` as
/// HTTP, or as HTTPS with the client certificate of `DOCKER_TLS_VERIFY`/`DOCKER_CERT_PATH` (or of
/// the context). Only two read-only calls are used:
/// list containers, and inspect one. A container's environment is held in memory only, as
/// `SecretValue`s, and never leaves this process.
public struct DockerEngine: Sendable {
    /// Where the engine is: a unix socket path, or an HTTP base URL.
    public enum Endpoint: Sendable, Equatable {
        case unix(path: String)
        case http(base: String)
    }

    public var endpoint: Endpoint
    /// Seconds for each call, connection included.
    public var timeout: Double
    /// TLS material for a `tcp://` engine that requires it.
    public var tls: DockerTLS?

    public static let defaultHost = "unix:///var/run/docker.sock"

    /// The engine that `DOCKER_HOST` in `environment` names; a value hubdoctor cannot speak
    /// to (ssh://, npipe://) is a `DockerProblem` that says so.
    public static func from(environment: [String: String], timeout: Double) -> Result<DockerEngine, DockerProblem> {
        if let host = environment["DOCKER_HOST"], !host.isEmpty {
            var tls: DockerTLS? = nil
            let verify = !(environment["DOCKER_TLS_VERIFY"] ?? "").isEmpty
            if verify || !(environment["DOCKER_TLS"] ?? "").isEmpty {
                let home = environment["HOME"] ?? NSHomeDirectory()
                tls = DockerTLS(directory: environment["DOCKER_CERT_PATH"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.docker", verify: verify)
            }
            return engine(host: host, tls: tls, origin: "DOCKER_HOST", timeout: timeout)
        }
        switch DockerContext.current(environment: environment) {
        case .failure(let p): return .failure(p)
        case .success(let context?): return engine(host: context.host, tls: context.tls, origin: "Docker context \(context.name)", timeout: timeout)
        case .success(nil): return engine(host: defaultHost, tls: nil, origin: "the default socket", timeout: timeout)
        }
    }

    static func engine(host: String, tls: DockerTLS?, origin: String, timeout: Double) -> Result<DockerEngine, DockerProblem> {
        if host.hasPrefix("unix://") {
            let path = String(host.dropFirst("unix://".count))
            guard path.hasPrefix("/") else { return .failure(DockerProblem("\(origin) \(host) does not name an absolute socket path")) }
            return .success(DockerEngine(endpoint: .unix(path: path), timeout: timeout))
        }
        if host.hasPrefix("tcp://") || host.hasPrefix("http://") || host.hasPrefix("https://") {
            var rest = host
            for prefix in ["tcp://", "http://", "https://"] where rest.hasPrefix(prefix) { rest = String(rest.dropFirst(prefix.count)) }
            let secure = tls != nil || host.hasPrefix("https://")
            return .success(DockerEngine(endpoint: .http(base: (secure ? "https://" : "http://") + rest.trimmingSuffix("/")), timeout: timeout,
                                         tls: secure ? (tls ?? DockerTLS(directory: nil, verify: true)) : nil))
        }
        let scheme = host.components(separatedBy: "://").first ?? host
        return .failure(DockerProblem("\(origin) \(Redact.url(host)) uses \(scheme)://, which hubdoctor does not speak (it reads unix:// sockets and tcp://, " +
            "with or without TLS); forward the socket (`ssh -L /tmp/docker.sock:/var/run/docker.sock HOST`) and set DOCKER_HOST=unix:///tmp/docker.sock"))
    }

    /// How the engine is named in messages.
    public var display: String {
        switch endpoint {
        case .unix(let path): return "the Docker engine at unix://\(path)"
        case .http(let base): return "the Docker engine at \(Redact.url(base))"
        }
    }

    /// `GET /containers/json` for the running containers of a Compose service (by its
    /// `com.docker.compose.service` label).
    public func containers(composeService service: String) async -> Result<[String], DockerProblem> {
        let object = ["label": ["com.docker.compose.service=\(service)"]]
        let filters = (try? JSONSerialization.data(withJSONObject: object)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let query = filters.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
        switch await get("/containers/json?filters=\(query)") {
        case .failure(let p): return .failure(p)
        case .success(let body):
            guard let list = try? JSONSerialization.jsonObject(with: Data(body)) as? [[String: Any]] else {
                return .failure(DockerProblem("\(display) answered /containers/json with something that is not a list of containers"))
            }
            return .success(list.compactMap { $0["Id"] as? String })
        }
    }

    /// `GET /containers/{id or name}/json`: the container's name, environment, start time and labels.
    public func inspect(_ idOrName: String) async -> Result<DockerContainer, DockerProblem> {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._")
        let escaped = idOrName.addingPercentEncoding(withAllowedCharacters: allowed) ?? idOrName
        switch await get("/containers/\(escaped)/json", notFound: "no container named \(idOrName) (is it up? `docker ps -a` lists them)") {
        case .failure(let p): return .failure(p)
        case .success(let body): return DockerContainer.parse(body, asked: idOrName, engine: display)
        }
    }

    func get(_ path: String, notFound: String? = nil) async -> Result<[UInt8], DockerProblem> {
        let request: HTTPClientRequest
        switch endpoint {
        case .unix(let socket):
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: socket, isDirectory: &isDir), !isDir.boolValue else {
                return .failure(DockerProblem("no Docker engine socket at \(socket) (Docker is not running here, or DOCKER_HOST names another engine)", engineDown: true))
            }
            request = HTTPClientRequest(url: "http://localhost" + path, headers: [("Accept", "application/json")],
                                        connectTimeout: timeout, timeout: timeout, bodyLimit: 8 << 20, unixSocketPath: socket)
        case .http(let base):
            var r = HTTPClientRequest(url: base + path, headers: [("Accept", "application/json")],
                                      connectTimeout: timeout, timeout: timeout, bodyLimit: 8 << 20, caFile: tls?.ca)
            r.clientCertificate = tls?.cert
            r.clientKey = tls?.key
            r.verifyPeer = tls?.verify ?? true
            request = r
        }
        do {
            let response = try await HTTPClient.send(request)
            if response.status == 404, let notFound { return .failure(DockerProblem(notFound)) }
            guard response.status == 200 else {
                return .failure(DockerProblem("\(display) answered \(response.status) to GET \(path.components(separatedBy: "?")[0])\(Self.engineMessage(response.body))"))
            }
            guard !response.bodyTruncated else { return .failure(DockerProblem("\(display) sent more than 8 MiB for GET \(path.components(separatedBy: "?")[0])")) }
            return .success(response.body)
        } catch {
            return .failure(DockerProblem("\(display) did not answer: \(error.reason)", engineDown: true))
        }
    }

    /// The engine's own `{"message": …}`, which names the problem ("permission denied", "page not found").
    static func engineMessage(_ body: [UInt8]) -> String {
        guard let obj = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any], let m = obj["message"] as? String else { return "" }
        return ": " + String(m.prefix(200))
    }
}

/// The TLS files of a `tcp://` engine: `ca.pem`, `cert.pem` and `key.pem` in a folder (those
/// that exist), as the docker CLI reads them.
public struct DockerTLS: Sendable, Equatable {
    public var ca: String?
    public var cert: String?
    public var key: String?
    /// Verify the engine's certificate (`DOCKER_TLS_VERIFY`; a context's SkipTLSVerify turns it off).
    public var verify: Bool

    init(directory: String?, verify: Bool) {
        func file(_ name: String) -> String? {
            guard let directory else { return nil }
            let path = directory + "/" + name
            return FileManager.default.fileExists(atPath: path) ? path : nil
        }
        ca = file("ca.pem")
        cert = file("cert.pem")
        key = file("key.pem")
        self.verify = verify
    }
}

/// The current Docker context (`DOCKER_CONTEXT`, else `currentContext` of the CLI's
/// config.json) and its endpoint, read from the CLI's context store: `contexts/meta/<sha256 of
/// the name>/meta.json`, TLS files in `contexts/tls/<sha256>/docker/`.
struct DockerContext {
    var name: String
    var host: String
    var tls: DockerTLS?

    /// nil: the default context (DOCKER_HOST's default socket).
    static func current(environment: [String: String]) -> Result<DockerContext?, DockerProblem> {
        let home = environment["HOME"] ?? NSHomeDirectory()
        let configDir = environment["DOCKER_CONFIG"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.docker"
        var name = environment["DOCKER_CONTEXT"].flatMap { $0.isEmpty ? nil : $0 }
        if name == nil, case .success(let bytes) = SourceFile.read(configDir + "/config.json"),
           let config = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] {
            name = (config["currentContext"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        }
        guard let name, name != "default" else { return .success(nil) }
        let id = Fingerprint.hex(Array(name.utf8))
        let metaPath = "\(configDir)/contexts/meta/\(id)/meta.json"
        guard case .success(let bytes) = SourceFile.read(metaPath),
              let meta = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            return .failure(DockerProblem("the current Docker context \(name) is not in \(configDir)/contexts (no \(metaPath)); `docker context ls` lists them", engineDown: true))
        }
        let docker = (meta["Endpoints"] as? [String: Any])?["docker"] as? [String: Any]
        guard let host = docker?["Host"] as? String, !host.isEmpty else {
            return .failure(DockerProblem("Docker context \(name) has no docker endpoint in \(metaPath)", engineDown: true))
        }
        let tlsDir = "\(configDir)/contexts/tls/\(id)/docker"
        let skip = docker?["SkipTLSVerify"] as? Bool ?? false
        let tls = FileManager.default.fileExists(atPath: tlsDir) ? DockerTLS(directory: tlsDir, verify: !skip) : nil
        return .success(DockerContext(name: name, host: host, tls: tls))
    }
}

/// Why a holder could not be looked at. Never holds a key.
public struct DockerProblem: Error, Sendable, Equatable {
    public var reason: String
    /// The engine itself did not answer (no socket, refused, timed out): every entry of the run fails alike.
    public var engineDown: Bool

    public init(_ reason: String, engineDown: Bool = false) {
        self.reason = reason
        self.engineDown = engineDown
    }
}

/// What `GET /containers/{id}/json` says of one container, the environment as secret values.
public struct DockerContainer: Sendable {
    public var id: String
    /// Without Docker's leading `/`.
    public var name: String
    public var environment: [String: SecretValue]
    public var startedAt: Date?
    public var running: Bool
    public var labels: [String: String]

    public var composeService: String? { labels["com.docker.compose.service"] }
    public var composeProject: String? { labels["com.docker.compose.project"] }

    static func parse(_ body: [UInt8], asked: String, engine: String) -> Result<DockerContainer, DockerProblem> {
        guard let obj = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            return .failure(DockerProblem("\(engine) answered the inspection of \(asked) with something that is not JSON"))
        }
        let config = obj["Config"] as? [String: Any] ?? [:]
        let state = obj["State"] as? [String: Any] ?? [:]
        var env: [String: SecretValue] = [:]
        for entry in config["Env"] as? [String] ?? [] {
            guard let eq = entry.firstIndex(of: "=") else { continue }
            let name = String(entry[..<eq])
            // The first definition is the one getenv() returns.
            if env[name] == nil { env[name] = SecretValue(String(entry[entry.index(after: eq)...])) }
        }
        let name = (obj["Name"] as? String).map { $0.hasPrefix("/") ? String($0.dropFirst()) : $0 } ?? asked
        return .success(DockerContainer(id: obj["Id"] as? String ?? asked, name: name, environment: env,
                                        startedAt: RFC3339.date(state["StartedAt"]),
                                        running: state["Running"] as? Bool ?? false,
                                        labels: config["Labels"] as? [String: String] ?? [:]))
    }
}
