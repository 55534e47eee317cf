import Foundation

/// `hubdoctor demo`: the canonical incident, reproduced on this machine with no set-up. A
/// sandbox Hub runs on a free loopback port with the key from its own `.env`; Core's `.env`
/// holds an older key and points at the sandbox; `check` diagnoses the pair.
public enum Demo {
    public struct Outcome: Sendable {
        /// What was set up, for the reader, before the report.
        public var intro: String
        public var report: Report
    }

    public static func run(timeout: Double = 5, noNegative: Bool = false) async throws -> Outcome {
        let hubKey = SandboxOptions.generateKey()
        let coreKey = SandboxOptions.generateKey() // the key from before the Hub's last rotation
        SecretRegistry.shared.register(hubKey)
        SecretRegistry.shared.register(coreKey)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("hubdoctor-demo-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        let sandbox = try await SandboxHub.start(SandboxOptions(key: hubKey))
        do {
            try write(root: root, hubKey: hubKey, coreKey: coreKey, hubURL: sandbox.baseURL)
            var options = CheckOptions()
            options.root = root.path
            options.timeout = timeout
            options.noNegative = noNegative
            let report = try await Doctor.check(options)
            await sandbox.stop()
            return Outcome(intro: intro(root: root.path, url: sandbox.baseURL, hubKey: hubKey), report: report)
        } catch {
            await sandbox.stop()
            throw error
        }
    }

    /// The WebSocket case (seed 001): a supervisor whose key the Hub revoked connects to the
    /// sandbox's `/ws/supervisor`, sends its auth frame, and is closed with 4001
    /// `api_key_revoked`. The Hub keeps its keys in its database, so the link has no
    /// `service.key`: the probe judges.
    public static func runWebSocket(timeout: Double = 5, noNegative: Bool = false) async throws -> Outcome {
        let hubKey = SandboxOptions.generateKey()
        let revoked = SandboxOptions.generateKey()
        SecretRegistry.shared.register(hubKey)
        SecretRegistry.shared.register(revoked)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("hubdoctor-demo-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: root) }
        var sandboxOptions = SandboxOptions(key: hubKey)
        sandboxOptions.keyStates[revoked] = .revoked
        let sandbox = try await SandboxHub.start(sandboxOptions)
        do {
            let config = try writeWebSocket(root: root, key: revoked, hubURL: sandbox.baseURL)
            var options = CheckOptions()
            options.configPath = config
            options.timeout = timeout
            options.noNegative = noNegative
            let report = try await Doctor.check(options)
            await sandbox.stop()
            return Outcome(intro: webSocketIntro(root: root.path, url: sandbox.baseURL), report: report)
        } catch {
            await sandbox.stop()
            throw error
        }
    }

    static let webSocketConfig = """
    version: 1
    links:
      - name: supervisor-to-hub
        caller:
          name: supervisor
          key: {env: supervisor/.env, var: HUB_API_KEY}
          url: {env: supervisor/.env, var: HUB_URL}
          restart: systemctl restart remo-supervisor
        service:
          name: Hub                # no key: the Hub keeps its API keys in its database
        probes:
          health: /health
          websocket:
            path: /ws/supervisor
            auth: {message: '{"type":"auth","api_key":"{{key}}"}'}

    """

    static func writeWebSocket(root: URL, key: SecretValue, hubURL: String) throws -> String {
        let dir = root.appendingPathComponent("supervisor")
        let env = "# supervisor\nHUB_URL=\(hubURL)\nHUB_API_KEY=\(key.text)\n"
        let config = root.appendingPathComponent("hubdoctor.yaml")
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try Data(env.utf8).write(to: dir.appendingPathComponent(".env"))
            try Data(webSocketConfig.utf8).write(to: config)
        } catch {
            throw HubdoctorError(.io, "cannot write the demo layout: \(error.localizedDescription)", location: root.path)
        }
        return config.path
    }

    static func webSocketIntro(root: String, url: String) -> String {
        """
        hubdoctor demo --websocket: a supervisor that "connects and then nothing" (seed 001).

          • A sandbox Hub listens on \(url); its supervisor WebSocket is \(url.replacingOccurrences(of: "http://", with: "ws://"))/ws/supervisor.
            Its key store (a database, in the real Hub) has revoked the supervisor's key.
          • \(root) holds the supervisor's supervisor/.env (HUB_URL, HUB_API_KEY) and a
            hubdoctor.yaml whose link has no service.key: the Hub's keys are not in a file.
          • Running: hubdoctor check --config \(root)/hubdoctor.yaml
            (the folder and the sandbox are removed afterwards)


        """
    }

    static func write(root: URL, hubKey: SecretValue, coreKey: SecretValue, hubURL: String) throws {
        let fm = FileManager.default
        let hub = root.appendingPathComponent(HiveCFMProfile.hubDir)
        let core = root.appendingPathComponent(HiveCFMProfile.coreDir)
        try fm.createDirectory(at: hub, withIntermediateDirectories: true)
        try fm.createDirectory(at: core, withIntermediateDirectories: true)
        let hubEnv = """
        # Hub (Go) configuration
        PORT=\(URLComponents(string: hubURL)?.port ?? 8090)
        \(HiveCFMProfile.serviceVar)=\(hubKey.text)

        """
        let coreEnv = """
        # Core (Next.js)
        \(HiveCFMProfile.urlVar)=\(hubURL)
        \(HiveCFMProfile.callerVar)=\(coreKey.text)

        """
        do {
            try Data(hubEnv.utf8).write(to: hub.appendingPathComponent(".env"))
            try Data(coreEnv.utf8).write(to: core.appendingPathComponent(".env"))
        } catch {
            throw HubdoctorError(.io, "cannot write the demo layout: \(error.localizedDescription)", location: root.path)
        }
    }

    static func intro(root: String, url: String, hubKey: SecretValue) -> String {
        """
        hubdoctor demo: the Hub-401 incident, reproduced on this machine.

          • A sandbox Hub listens on \(url) with the seed runbook's auth middleware;
            its API_KEY is \(hubKey.fingerprint).
          • \(root) holds an example layout:
              hivecfm-hub/.env    API_KEY=<the sandbox's key>
              hivecfm-core/.env   HIVECFM_HUB_URL=\(url)
                                  HIVECFM_HUB_API_KEY=<an older key, from before a rotation>
          • Running: hubdoctor check --root \(root)
            (the folder and the sandbox are removed afterwards)


        """
    }
}
