/// `hubdoctor probe URL`: the probe matrix against one service, with a key given directly and
/// nothing known about any files.
public enum ServiceProbe {
    public static func run(_ options: ServiceProbeOptions, standardInput: (() -> [UInt8])? = nil) async throws -> Report {
        let key: SecretValue?
        if let input = options.key {
            if let standardInput, input == .standardInput {
                key = try input.read(environment: options.environment, standardInput: { .init(standardInput()) })
            } else {
                key = try input.read(environment: options.environment)
            }
        } else {
            key = nil
        }
        SecretRegistry.shared.register(credentialsOf: options.url)
        if let p = CheckOptions.maxConnectionsProblem(options.maxConnections) { throw HubdoctorError(.usage, p) }
        if isWebSocket(options.url) { return await webSocket(options, key: key) }
        let paths = options.paths.isEmpty ? HiveCFMProfile.protectedPaths : options.paths
        let session = options.sessionPath ?? ProbeTarget.sessionPath(for: key)
        let keyEnv = options.key?.variableName ?? "API_KEY"
        let target = ProbeTarget(baseURL: options.url, healthPath: options.healthPath, protectedPaths: paths, sessionPath: session,
                                 key: key, keyEnv: keyEnv, callerName: "a caller", serviceName: "the service",
                                 keyLabel: "the key from \(options.key?.description ?? "nowhere")")
        var probeOptions = ProbeOptions(timeout: options.timeout, noNegative: options.noNegative, caFile: options.caFile)
        probeOptions.maxConnections = options.maxConnections
        let exchanges = await Prober.run(target, probeOptions)
        var facts = ["url": Redact.url(options.url), "key_env": keyEnv]
        if let h = options.healthPath { facts["health_url"] = Redact.url(target.url(h)) }
        if let p = paths.first { facts["protected_url"] = Redact.url(target.url(p)) }
        var findings = ProbeClassifier(target: target, exchanges: exchanges, link: nil, facts: facts).findings()
        if key == nil {
            findings.append(Finding(check: ProbeKind.key.check, status: .skip, title: "The service accepts the key",
                                    message: "Skipped: no key given (--key-env, --key-file or --key-stdin).", facts: facts))
        }
        return Report(command: "probe", findings: findings, links: [Report.LinkContext(name: "", url: Redact.url(options.url))],
                      failOn: options.failOn)
    }

    /// The auth frame seed 001's agents and supervisors send, for `probe ws://…` without a choice.
    public static let defaultWebSocketMessage = #"{"type":"auth","api_key":"{{key}}"}"#

    static func isWebSocket(_ url: String) -> Bool {
        let lower = url.lowercased()
        return lower.hasPrefix("ws://") || lower.hasPrefix("wss://")
    }

    /// `hubdoctor probe ws://HOST/PATH`: the key once over the WebSocket, then at most one
    /// throwaway token, classified as `check` classifies `probes.websocket`.
    static func webSocket(_ options: ServiceProbeOptions, key: SecretValue?) async -> Report {
        let keyEnv = options.key?.variableName ?? "API_KEY"
        let spec = WebSocketProbeSpec(path: options.url, auth: options.webSocketAuth ?? .message(template: defaultWebSocketMessage))
        let target = ProbeTarget(baseURL: options.url, healthPath: nil, key: key, keyEnv: keyEnv, callerName: "the client",
                                 serviceName: "the service", keyLabel: "the key from \(options.key?.description ?? "nowhere")")
        let probeOptions = ProbeOptions(timeout: options.timeout, noNegative: options.noNegative, caFile: options.caFile)
        let sockets = await WebSocketProber.run(spec, target, probeOptions, httpAnswers: [], negativesSkipped: nil)
        let facts = ["url": Redact.url(options.url), "key_env": keyEnv]
        let http = ProbeClassifier(target: target, exchanges: [], link: nil, facts: facts)
        var findings = WebSocketClassifier(target: target, spec: spec, exchanges: sockets, http: http, link: nil, facts: facts,
                                           timeout: options.timeout).findings()
        if key == nil, let i = findings.firstIndex(where: { $0.check == .probeWebsocket }) {
            findings[i].message = "Skipped: no key given (--key-env, --key-file or --key-stdin)."
        }
        findings = Runbooks.remediate(findings, catalog: RunbookCatalog.builtin().0)
        return Report(command: "probe", findings: findings, links: [Report.LinkContext(name: "", url: Redact.url(options.url))],
                      failOn: options.failOn)
    }
}
