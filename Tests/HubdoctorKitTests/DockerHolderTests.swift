import Foundation
import Testing
@testable import HubdoctorKit

/// `fixtures/docker/engine.py`: a stand-in Docker Engine API on a unix socket (Python's
/// http.server over AF_UNIX), serving `/containers/json` and `/containers/{id}/json` from a
/// spec of containers. No hubdoctor code runs in it.
final class StandInDockerEngine: Sendable {
    let process: Process
    /// What DOCKER_HOST names it by: `unix://SOCKET`, or `tcp://127.0.0.1:PORT` over TLS.
    let dockerHost: String

    /// The socket file of an engine on a unix socket.
    var socket: String { String(dockerHost.dropFirst("unix://".count)) }

    private init(process: Process, dockerHost: String) {
        self.process = process
        self.dockerHost = dockerHost
    }

    /// Starts the engine with `containers` (inspect objects) and waits for its `listening on` line.
    /// `hang`: it listens but never accepts a connection.
    static func start(in layout: TemporaryLayout, containers: [[String: Any]], hang: Bool = false) async throws -> StandInDockerEngine {
        let spec = layout.write("engine-spec.json", String(decoding: try JSONSerialization.data(withJSONObject: ["containers": containers]), as: UTF8.self))
        let socket = layout.path("docker.sock")
        return try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result {
                    let (p, line) = try launchPythonFixture("fixtures/docker/engine.py", [socket, spec] + (hang ? ["hang"] : []))
                    guard line == "listening on \(socket)" else {
                        p.terminate()
                        throw PythonWebSocketServer.ServerError(message: "the stand-in Docker engine did not start")
                    }
                    return StandInDockerEngine(process: p, dockerHost: "unix://\(socket)")
                })
            }.start()
        }
    }

    /// The engine over TCP with TLS that requires a client certificate (`dockerd --tlsverify`),
    /// with a CA, a server certificate for 127.0.0.1 and a client certificate made by openssl in
    /// `certs/` of the layout (`ca.pem`, `cert.pem`, `key.pem` as the docker CLI names them).
    static func startTLS(in layout: TemporaryLayout, containers: [[String: Any]]) async throws -> (StandInDockerEngine, String) {
        let spec = layout.write("engine-spec.json", String(decoding: try JSONSerialization.data(withJSONObject: ["containers": containers]), as: UTF8.self))
        let certs = layout.path("certs")
        try FileManager.default.createDirectory(atPath: certs, withIntermediateDirectories: true)
        layout.write("certs/server.ext", "subjectAltName=IP:127.0.0.1\n")
        layout.write("certs/client.ext", "extendedKeyUsage=clientAuth\n")
        let script = """
            set -e
            cd \(certs)
            openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=stand-in-ca -keyout ca-key.pem -out ca.pem
            openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server-key.pem -out server.csr
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 -out server-cert.pem -extfile server.ext
            openssl req -newkey rsa:2048 -nodes -subj /CN=hubdoctor -keyout key.pem -out client.csr
            openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 -out cert.pem -extfile client.ext
            """
        let make = Process()
        make.executableURL = URL(fileURLWithPath: "/bin/sh")
        make.arguments = ["-c", script]
        make.standardOutput = FileHandle.nullDevice
        make.standardError = FileHandle.nullDevice
        try make.run()
        make.waitUntilExit()
        guard make.terminationStatus == 0 else { throw PythonWebSocketServer.ServerError(message: "openssl could not make the test certificates") }
        return try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result {
                    let (p, line) = try launchPythonFixture("fixtures/docker/engine.py", ["tls", certs, spec])
                    guard line.hasPrefix("listening on tcp://") else {
                        p.terminate()
                        throw PythonWebSocketServer.ServerError(message: "the stand-in TLS Docker engine did not start")
                    }
                    return (StandInDockerEngine(process: p, dockerHost: String(line.dropFirst("listening on ".count))), certs)
                })
            }.start()
        }
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        while process.isRunning { usleep(10_000) }
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

    /// A container as `GET /containers/{id}/json` returns it.
    static func container(id: String, name: String, service: String?, project: String = "hivecfm", workingDir: String? = nil,
                          startedAt: String, env: [String]) -> [String: Any] {
        var labels: [String: String] = [:]
        if let service {
            labels["com.docker.compose.service"] = service
            labels["com.docker.compose.project"] = project
            labels["com.docker.compose.oneoff"] = "False"
            if let workingDir { labels["com.docker.compose.project.working_dir"] = workingDir }
        }
        return [
            "Id": id, "Name": "/" + name, "Created": startedAt,
            "Config": ["Image": "ghcr.io/hivecfm/\(service ?? name):latest", "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] + env,
                       "Labels": labels] as [String: Any],
            "State": ["Status": "running", "Running": true, "Pid": 4242, "StartedAt": startedAt, "FinishedAt": "0001-01-01T00:00:00Z"] as [String: Any],
        ]
    }
}

@Suite("running: docker holders")
struct DockerHolderTests {
    static func key() -> String { "hk" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased() }

    /// A layout with Core's and the Hub's env files (both holding `newKey`), the Hub's file last
    /// changed at 2026-01-10 07:10:00 UTC, and a config whose `running:` entries name the Hub's
    /// Compose service and Core's container.
    static func layout(newKey: String) throws -> (TemporaryLayout, String) {
        let l = TemporaryLayout()
        l.write("core/.env", "HIVECFM_HUB_URL=http://127.0.0.1:9\nHIVECFM_HUB_API_KEY=\(newKey)\n")
        let hubEnv = l.write("hub/.env", "PORT=8080\nAPI_KEY=\(newKey)\n")
        let changed = try #require(RFC3339.date("2026-01-10T07:10:00Z"))
        try FileManager.default.setAttributes([.modificationDate: changed], ofItemAtPath: hubEnv)
        let config = l.write("hubdoctor.yaml", """
            version: 1
            links:
              - name: core-to-hub
                caller:
                  name: Core
                  key: {env: core/.env, var: HIVECFM_HUB_API_KEY}
                  url: {env: core/.env, var: HIVECFM_HUB_URL}
                  running:
                    - {docker: {container: hivecfm-core-1, var: HIVECFM_HUB_API_KEY}}
                service:
                  name: Hub
                  key: {env: hub/.env, var: API_KEY, dialect: compose}
                  running:
                    - {docker: {service: hub, var: API_KEY}}

            """)
        return (l, config)
    }

    /// The Hub's and Core's containers, both started after the env files last changed and both
    /// holding `key`.
    static func currentContainers(_ key: String) -> [[String: Any]] {
        [
            StandInDockerEngine.container(id: "a1b2c3d4e5f6a1b2c3d4e5f6", name: "hivecfm-hub-1", service: "hub",
                                          startedAt: "2026-01-10T08:00:00Z", env: ["API_KEY=\(key)"]),
            StandInDockerEngine.container(id: "c1b2c3d4e5f6a1b2c3d4e5f6", name: "hivecfm-core-1", service: "core",
                                          startedAt: "2026-01-10T08:00:01Z", env: ["HIVECFM_HUB_API_KEY=\(key)"]),
        ]
    }

    static func findings(_ json: [String: Any], _ check: String) -> [[String: Any]] {
        (json["findings"] as? [[String: Any]] ?? []).filter { $0["check"] as? String == check }
    }

    @Test func aContainerStartedBeforeTheEnvFileChangedHoldingTheOldKeyIsStaleWithTheRecreateCommand() async throws {
        let oldKey = Self.key(), newKey = Self.key()
        let (layout, config) = try Self.layout(newKey: newKey)
        let engine = try await StandInDockerEngine.start(in: layout, containers: [
            StandInDockerEngine.container(id: "a1b2c3d4e5f6a1b2c3d4e5f6", name: "hivecfm-hub-1", service: "hub", workingDir: "/srv/hivecfm",
                                          startedAt: "2026-01-10T06:06:00.123456789Z", env: ["API_KEY=\(oldKey)"]),
            StandInDockerEngine.container(id: "b1b2c3d4e5f6a1b2c3d4e5f6", name: "hivecfm-hub-2", service: "hub", workingDir: "/srv/hivecfm",
                                          startedAt: "2026-01-10T08:00:00.5Z", env: ["API_KEY=\(newKey)"]),
            StandInDockerEngine.container(id: "c1b2c3d4e5f6a1b2c3d4e5f6", name: "hivecfm-core-1", service: "core",
                                          startedAt: "2026-01-10T08:00:01Z", env: ["HIVECFM_HUB_API_KEY=\(newKey)", "NODE_ENV=production"]),
        ])
        defer { engine.stop() }
        let env = ["DOCKER_HOST": engine.dockerHost]
        let (r, json) = try await Binary.jsonRunning(["check", "--config", config, "--offline", "--format", "json"], environment: env)
        #expect(r.status == 1, "\(r.all)")
        let service = Self.findings(json, "holders.service")
        #expect(service.count == 2, "\(r.stdout)")
        let stale = try #require(service.first { ($0["message"] as? String ?? "").contains("hivecfm-hub-1") })
        #expect(stale["status"] as? String == "fail")
        #expect(stale["cause"] as? String == "stale-process-env")
        let message = stale["message"] as? String ?? ""
        #expect(message.contains("started 2026-01-10 06:06:00 UTC"), "\(message)")
        #expect(message.contains("changed 2026-01-10 07:10:00 UTC, after it"), "\(message)")
        #expect(message.contains(SecretValue(oldKey).fingerprint) && message.contains(SecretValue(newKey).fingerprint), "\(message)")
        let runs = (stale["remediation"] as? [[String: Any]] ?? []).compactMap { $0["run"] as? String }
        #expect(runs.contains("cd /srv/hivecfm && docker compose -p hivecfm up -d --force-recreate hub"), "\(runs)")
        let texts = (stale["remediation"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }.joined(separator: "\n")
        #expect(texts.contains("`docker restart hivecfm-hub-1` is not enough"), "\(texts)")
        let fresh = try #require(service.first { ($0["message"] as? String ?? "").contains("hivecfm-hub-2") })
        #expect(fresh["status"] as? String == "pass")
        let caller = Self.findings(json, "holders.caller")
        #expect(caller.count == 1 && caller.first?["status"] as? String == "pass", "\(caller)")
        expectNoKeyFragments(r.all, [oldKey, newKey])

        let text = try await Binary.running(["check", "--config", config, "--offline"], environment: env)
        #expect(text.stdout.contains("hivecfm-hub-1"), "\(text.all)")
        #expect(text.stdout.contains("--force-recreate hub"), "\(text.all)")
        expectNoKeyFragments(text.all, [oldKey, newKey])
    }

    @Test func containersHoldingTheCurrentKeyPassAndTheRunExitsZero() async throws {
        let newKey = Self.key()
        let (layout, config) = try Self.layout(newKey: newKey)
        let engine = try await StandInDockerEngine.start(in: layout, containers: Self.currentContainers(newKey))
        defer { engine.stop() }
        let (r, json) = try await Binary.jsonRunning(["check", "--config", config, "--offline", "--format", "json", "--only", "holders"],
                                                     environment: ["DOCKER_HOST": engine.dockerHost])
        #expect(r.status == 0, "\(r.all)")
        let holders = Self.findings(json, "holders.service") + Self.findings(json, "holders.caller")
        #expect(holders.count == 2 && holders.allSatisfy { $0["status"] as? String == "pass" }, "\(r.stdout)")
        expectNoKeyFragments(r.all, [newKey])
    }

    @Test func anEngineOverTLSIsReadWithTheClientCertificateOfDockerCertPath() async throws {
        let oldKey = Self.key(), newKey = Self.key()
        let (layout, config) = try Self.layout(newKey: newKey)
        let (engine, certs) = try await StandInDockerEngine.startTLS(in: layout, containers: [
            StandInDockerEngine.container(id: "a1b2c3d4e5f6a1b2c3d4e5f6", name: "hivecfm-hub-1", service: "hub", workingDir: "/srv/hivecfm",
                                          startedAt: "2026-01-10T06:06:00Z", env: ["API_KEY=\(oldKey)"]),
            StandInDockerEngine.container(id: "c1b2c3d4e5f6a1b2c3d4e5f6", name: "hivecfm-core-1", service: "core",
                                          startedAt: "2026-01-10T08:00:01Z", env: ["HIVECFM_HUB_API_KEY=\(newKey)"]),
        ])
        defer { engine.stop() }
        let env = ["DOCKER_HOST": engine.dockerHost, "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": certs]
        let (r, json) = try await Binary.jsonRunning(["check", "--config", config, "--format", "json", "--only", "holders"], environment: env)
        let stale = try #require(Self.findings(json, "holders.service").first, "\(r.all)")
        #expect(stale["cause"] as? String == "stale-process-env", "\(r.stdout)")
        #expect(Self.findings(json, "holders.caller").first?["status"] as? String == "pass", "\(r.stdout)")
        expectNoKeyFragments(r.all, [oldKey, newKey])

        // Without the client certificate the engine refuses the handshake: a warning that says so.
        let bare = TemporaryLayout()
        try FileManager.default.copyItem(atPath: certs + "/ca.pem", toPath: bare.path("ca.pem"))
        let (refused, refusedJSON) = try await Binary.jsonRunning(["check", "--config", config, "--format", "json", "--only", "holders"],
                                                                  environment: ["DOCKER_HOST": engine.dockerHost, "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": bare.root])
        let warned = try #require(Self.findings(refusedJSON, "holders.service").first, "\(refused.all)")
        #expect(warned["status"] as? String == "warn", "\(refused.stdout)")
        #expect((warned["message"] as? String ?? "").contains("did not answer"), "\(refused.stdout)")
    }

    @Test func theCurrentDockerContextNamesTheEngineWhenDockerHostIsUnset() async throws {
        let newKey = Self.key()
        let (layout, config) = try Self.layout(newKey: newKey)
        let engine = try await StandInDockerEngine.start(in: layout, containers: Self.currentContainers(newKey))
        defer { engine.stop() }
        // The docker CLI's context store: contexts/meta/<sha256 of the name>/meta.json.
        let id = Fingerprint.hex(Array("stand-in".utf8))
        layout.write("docker-config/config.json", #"{"auths": {}, "currentContext": "stand-in"}"#)
        layout.write("docker-config/contexts/meta/\(id)/meta.json",
                     #"{"Name":"stand-in","Metadata":{"Description":"test"},"Endpoints":{"docker":{"Host":"\#(engine.dockerHost)","SkipTLSVerify":false}}}"#)
        let env = ["DOCKER_HOST": "", "DOCKER_CONTEXT": "", "DOCKER_CONFIG": layout.path("docker-config")]
        let (r, json) = try await Binary.jsonRunning(["check", "--config", config, "--format", "json", "--only", "holders"], environment: env)
        #expect(r.status == 0, "\(r.all)")
        let holders = Self.findings(json, "holders.service") + Self.findings(json, "holders.caller")
        #expect(holders.count == 2 && holders.allSatisfy { $0["status"] as? String == "pass" }, "\(r.stdout)")

        // A context that is not in the store is named.
        let (missing, missingJSON) = try await Binary.jsonRunning(["check", "--config", config, "--format", "json", "--only", "holders"],
                                                                  environment: env.merging(["DOCKER_CONTEXT": "gone"]) { $1 })
        let warned = try #require(Self.findings(missingJSON, "holders.service").first, "\(missing.all)")
        #expect((warned["message"] as? String ?? "").contains("Docker context gone"), "\(missing.stdout)")
    }

    @Test func aContainerWithoutTheVariableIsStaleAndANonComposeContainerGetsTheRecreateAdvice() async throws {
        let newKey = Self.key()
        let (layout, config) = try Self.layout(newKey: newKey)
        let engine = try await StandInDockerEngine.start(in: layout, containers: [
            StandInDockerEngine.container(id: "a1b2c3d4e5f6a1b2c3d4e5f6", name: "hivecfm-hub-1", service: "hub",
                                          startedAt: "2026-01-10T08:00:00Z", env: ["API_KEY=\(newKey)"]),
            StandInDockerEngine.container(id: "c1b2c3d4e5f6a1b2c3d4e5f6", name: "hivecfm-core-1", service: nil,
                                          startedAt: "2026-01-09T08:00:01Z", env: []),
        ])
        defer { engine.stop() }
        let (r, json) = try await Binary.jsonRunning(["check", "--config", config, "--offline", "--format", "json"],
                                                     environment: ["DOCKER_HOST": engine.dockerHost])
        let caller = try #require(Self.findings(json, "holders.caller").first)
        #expect(caller["cause"] as? String == "stale-process-env", "\(r.stdout)")
        #expect((caller["message"] as? String ?? "").contains("holds no HIVECFM_HUB_API_KEY"), "\(r.stdout)")
        let texts = (caller["remediation"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }.joined(separator: "\n")
        #expect(texts.contains("`docker restart hivecfm-core-1` keeps the environment"), "\(texts)")
        expectNoKeyFragments(r.all, [newKey])
    }

    @Test func anAbsentEngineIsAWarningWithTheReasonNotACrash() async throws {
        let newKey = Self.key()
        let (layout, config) = try Self.layout(newKey: newKey)
        let start = Date()
        let (r, json) = try await Binary.jsonRunning(["check", "--config", config, "--offline", "--format", "json", "--timeout", "2"],
                                                     environment: ["DOCKER_HOST": "unix://\(layout.path("no-such/docker.sock"))"])
        #expect(Date().timeIntervalSince(start) < Machine.allow(10))
        #expect(r.status == 0, "warnings do not fail under --fail-on error: \(r.all)")
        let holders = Self.findings(json, "holders.service") + Self.findings(json, "holders.caller")
        #expect(holders.count == 2, "\(r.stdout)")
        for f in holders {
            #expect(f["status"] as? String == "warn")
            #expect((f["message"] as? String ?? "").contains("no Docker engine socket at"), "\(f)")
            let texts = (f["remediation"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }.joined(separator: "\n")
            #expect(texts.contains("Make the Docker engine reachable") && !texts.contains("--root points"), "\(texts)")
        }
        expectNoKeyFragments(r.all, [newKey])
    }

    @Test func aSocketNobodyListensOnIsAWarningThatSaysTheConnectionWasRefused() async throws {
        let (layout, config) = try Self.layout(newKey: Self.key())
        let engine = try await StandInDockerEngine.start(in: layout, containers: [])
        engine.stop() // SIGKILL leaves the socket file behind, as a crashed dockerd does
        #expect(FileManager.default.fileExists(atPath: engine.socket))
        let (r, json) = try await Binary.jsonRunning(["check", "--config", config, "--offline", "--format", "json", "--timeout", "2"],
                                                     environment: ["DOCKER_HOST": engine.dockerHost])
        let holders = Self.findings(json, "holders.service") + Self.findings(json, "holders.caller")
        #expect(holders.count == 2, "\(r.all)")
        for f in holders {
            #expect(f["status"] as? String == "warn")
            #expect((f["message"] as? String ?? "").contains("refused"), "\(f)")
        }
    }

    @Test func anEngineThatNeverAnswersIsReportedWithinTheTimeout() async throws {
        let newKey = Self.key()
        let (layout, config) = try Self.layout(newKey: newKey)
        let engine = try await StandInDockerEngine.start(in: layout, containers: [], hang: true)
        defer { engine.stop() }
        let start = Date()
        let (r, json) = try await Binary.jsonRunning(["check", "--config", config, "--offline", "--format", "json", "--timeout", "1"],
                                                     environment: ["DOCKER_HOST": engine.dockerHost])
        let elapsed = Date().timeIntervalSince(start)
        // Both holders are looked at at once: one timeout, not one per holder.
        #expect(elapsed < Machine.allow(6), "took \(elapsed) s")
        let holders = Self.findings(json, "holders.service") + Self.findings(json, "holders.caller")
        #expect(holders.count == 2, "\(r.all)")
        for f in holders {
            #expect(f["status"] as? String == "warn")
            #expect((f["message"] as? String ?? "").contains("did not answer"), "\(f)")
        }
    }

    @Test func anUnsupportedDockerHostSaysHowToReachTheEngine() async throws {
        let (layout, config) = try Self.layout(newKey: Self.key())
        let (r, json) = try await Binary.jsonRunning(["check", "--config", config, "--offline", "--format", "json", "--only", "holders"],
                                                     environment: ["DOCKER_HOST": "ssh://deploy@prod"])
        withExtendedLifetime(layout) {}
        let f = try #require(Self.findings(json, "holders.service").first, "\(r.all)")
        #expect(f["status"] as? String == "warn")
        #expect((f["message"] as? String ?? "").contains("ssh://"), "\(f)")
    }

    @Test func inDockerModeTheBuiltInProfileLooksAtTheComposeContainersWhenAnEngineAnswers() async throws {
        let oldKey = Self.key(), newKey = Self.key()
        let l = TemporaryLayout()
        l.write("hivecfm-core/.env", "HIVECFM_HUB_URL=http://hivecfm-hub-api:8080\nHIVECFM_HUB_API_KEY=\(newKey)\n")
        let hubEnv = l.write("hivecfm-hub/.env", "API_KEY=\(newKey)\n")
        try FileManager.default.setAttributes([.modificationDate: try #require(RFC3339.date("2026-01-10T07:10:00Z"))], ofItemAtPath: hubEnv)
        let engine = try await StandInDockerEngine.start(in: l, containers: [
            StandInDockerEngine.container(id: "a1b2c3d4e5f6a1b2c3d4e5f6", name: "hivecfm-hivecfm-hub-api-1", service: "hivecfm-hub-api", workingDir: l.root,
                                          startedAt: "2026-01-10T06:06:00Z", env: ["API_KEY=\(oldKey)"]),
            StandInDockerEngine.container(id: "c1b2c3d4e5f6a1b2c3d4e5f6", name: "hivecfm-hivecfm-core-1", service: "hivecfm-core", workingDir: l.root,
                                          startedAt: "2026-01-10T08:00:01Z", env: ["HIVECFM_HUB_API_KEY=\(newKey)"]),
        ])
        defer { engine.stop() }
        let (r, json) = try await Binary.jsonRunning(["check", "--root", l.root, "--mode", "docker", "--offline", "--format", "json"],
                                                     environment: ["DOCKER_HOST": engine.dockerHost])
        let service = try #require(Self.findings(json, "holders.service").first, "\(r.all)")
        #expect(service["cause"] as? String == "stale-process-env")
        let runs = (service["remediation"] as? [[String: Any]] ?? []).compactMap { $0["run"] as? String }
        #expect(runs.contains { $0.hasSuffix("docker compose -p hivecfm up -d --force-recreate hivecfm-hub-api") }, "\(runs)")
        #expect(Self.findings(json, "holders.caller").first?["status"] as? String == "pass", "\(r.stdout)")
        expectNoKeyFragments(r.all, [oldKey, newKey])

        // Without an engine the profile says nothing about containers: the layout may run elsewhere.
        let (quiet, quietJSON) = try await Binary.jsonRunning(["check", "--root", l.root, "--mode", "docker", "--offline", "--format", "json"],
                                                              environment: ["DOCKER_HOST": "unix://\(l.path("none.sock"))"])
        #expect(Self.findings(quietJSON, "holders.service").isEmpty && Self.findings(quietJSON, "holders.caller").isEmpty, "\(quiet.stdout)")
    }

    @Test func offlineLeavesAnEngineOverTCPAlone() async throws {
        let (layout, config) = try Self.layout(newKey: Self.key())
        // Nothing listens on port 9 (discard); --offline must not even try it.
        let (r, json) = try await Binary.jsonRunning(["check", "--config", config, "--offline", "--format", "json", "--only", "holders"],
                                                     environment: ["DOCKER_HOST": "tcp://127.0.0.1:9"])
        withExtendedLifetime(layout) {}
        let holders = Self.findings(json, "holders.service") + Self.findings(json, "holders.caller")
        #expect(holders.count == 2 && holders.allSatisfy { $0["status"] as? String == "skip" }, "\(r.all)")
        #expect(holders.allSatisfy { ($0["message"] as? String ?? "").contains("--offline") })
    }

    @Test func runningEntriesAreParsedAndMistakesNamed() throws {
        let l = TemporaryLayout()
        l.write("a.env", "K=1\n")
        func load(_ running: String) throws -> HubdoctorConfig {
            let head = "version: 1\nlinks:\n  - name: a-to-b\n    caller: {key: {env: a.env, var: K}, url: \"http://127.0.0.1:9\"}\n"
            let path = l.write("hubdoctor.yaml", head + "    service:\n      key: {env: a.env, var: K}\n      running:\n" + running + "\n")
            return try HubdoctorConfig.load(path: path)
        }
        let ok = try load("        - {docker: {service: hub, var: API_KEY}}\n        - {docker: {container: hub-1, var: API_KEY}}\n        - {process: 4242, var: API_KEY}")
        let side = try #require(ok.links.first?.service)
        #expect(side.running == [.dockerService(service: "hub", var: "API_KEY"), .dockerContainer(name: "hub-1", var: "API_KEY")])
        #expect(side.process == 4242 && side.processVar == "API_KEY")
        #expect(throws: HubdoctorError.self) { try load("        - {docker: {service: hub, container: hub-1, var: API_KEY}}") }
        #expect(throws: HubdoctorError.self) { try load("        - {docker: {service: hub}}") }
        #expect(throws: HubdoctorError.self) { try load("        - {docker: {service: hub, var: K, image: x}}") }
    }

    @Test func dockerTimesWithNanosecondsAndTheZeroTimeAreRead() throws {
        let d = try #require(RFC3339.date("2026-01-10T06:06:00.123456789Z"))
        #expect(HolderChecks.time(d) == "2026-01-10 06:06:00 UTC")
        #expect(RFC3339.date("0001-01-01T00:00:00Z") == nil)
        #expect(RFC3339.date("2026-01-10T07:06:00.5+01:00").map(HolderChecks.time) == "2026-01-10 06:06:00 UTC")
    }
}
