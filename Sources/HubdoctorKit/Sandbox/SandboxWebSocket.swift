import Foundation

/// Seed 001's Hub over WebSocket: agents and supervisors connect, send an auth frame with their
/// API key, and the Hub answers `{"type":"auth_ok"}` or an `auth_error` frame with a `reason`,
/// then closes with code 4001 and that reason:
///
/// - `/ws/supervisor` (`verifyApiKeyWithCapability`): `api_key_not_found`, `api_key_revoked`,
///   `missing_supervisor_capability`;
/// - `/ws/agent` (`verifyApiKey`, which cannot tell why): `invalid_api_key` for an unknown or
///   revoked key; with a good key, `no_project_or_rootless` when the frame has neither a
///   `project_dir` nor `rootless_sessions: true`;
/// - `/ws/bearer`: the key as `Authorization: Bearer` on the upgrade, refused with the HTTP
///   middleware's 401 before any upgrade.
struct SandboxWebSocket: Sendable {
    static let agentPath = "/ws/agent"
    static let supervisorPath = "/ws/supervisor"
    static let bearerPath = "/ws/bearer"
    static let paths: Set<String> = [agentPath, supervisorPath, bearerPath]
    static let authFailed: UInt16 = 4001
    static let badMessage: UInt16 = 4002

    let options: SandboxOptions
    let journal: SandboxJournal

    /// Faults that answer before any upgrade (the HTTP handler answers them instead).
    var refusesEveryUpgrade: Bool {
        !options.faults.isDisjoint(with: [.hanging, .throttled, .authStoreDown])
    }

    func accepts(_ request: ListenerRequest) -> Bool {
        guard Self.paths.contains(request.path), !refusesEveryUpgrade else { return false }
        if request.path == Self.bearerPath {
            if let token = queryToken(request) { return acceptedKeys.contains(SecretValue(token)) }
            return HubAuthMiddleware.refusal(request, accepting: acceptedKeys) == nil
        }
        return true
    }

    /// The HTTP answer to a `/ws/*` request that was not upgraded.
    func answer(_ request: ListenerRequest) -> ListenerResponse {
        if options.faults.contains(.throttled) {
            return .json(429, #"{"error":"Too Many Requests"}"#, headers: [ListenerHeader("Retry-After", String(options.retryAfterSeconds))])
        }
        if options.faults.contains(.authStoreDown) {
            return .json(503, #"{"error":"Service Unavailable"}"#)
        }
        if request.path == Self.bearerPath {
            if let token = queryToken(request), !acceptedKeys.contains(SecretValue(token)) {
                return .json(401, SandboxHub.invalidKey)
            }
            if queryToken(request) == nil, let refusal = HubAuthMiddleware.refusal(request, accepting: acceptedKeys) { return refusal }
        }
        return .json(426, #"{"error":"Upgrade Required"}"#, headers: [ListenerHeader("Upgrade", "websocket")])
    }

    /// `?token=` on the upgrade request, the other way `/ws/bearer` takes a key.
    func queryToken(_ request: ListenerRequest) -> String? {
        URLComponents(string: request.target)?.queryItems?.first { $0.name == "token" }?.value
    }

    var acceptedKeys: [SecretValue] { [options.key, options.oldKey].compactMap { $0 } }

    func state(of key: SecretValue) -> SandboxKeyState? {
        if acceptedKeys.contains(key) { return .valid }
        return options.keyStates[key]
    }

    enum Verdict: Equatable {
        case accepted
        case refused(reason: String, code: UInt16)
    }

    func session(_ request: ListenerRequest, _ socket: ListenerWebSocket) async {
        if options.faults.contains(.wsSilent) {
            journal.record(entry(request, credential: nil, frame: nil, status: 101, reason: nil))
            await socket.waitUntilClosed()
            return
        }
        if request.path == Self.bearerPath {
            let header = request.header("Authorization")
            let credential = queryToken(request) ?? header.map { String($0.dropFirst(7)) }
            journal.record(entry(request, credential: credential, frame: header ?? credential, status: 101, reason: nil))
            await socket.send(#"{"type":"auth_ok"}"#)
            await socket.waitUntilClosed()
            return
        }
        var frames = socket.messages.makeAsyncIterator()
        guard let first = await frames.next() else { return }
        let (verdict, credential) = judge(first, path: request.path)
        switch verdict {
        case .accepted:
            journal.record(entry(request, credential: credential, frame: first, status: 101, reason: nil))
            await socket.send(#"{"type":"auth_ok"}"#)
            await socket.waitUntilClosed()
        case .refused(let reason, let code):
            journal.record(entry(request, credential: credential, frame: first, status: Int(code), reason: reason))
            await socket.send(#"{"type":"auth_error","reason":"\#(reason)"}"#)
            await socket.close(code: code, reason: reason)
        }
    }

    /// The Hub's answer to an auth frame, and the key it carried.
    func judge(_ text: String, path: String) -> (Verdict, String?) {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any],
              object["type"] as? String == "auth" else {
            return (.refused(reason: "invalid_auth_message", code: Self.badMessage), nil)
        }
        guard let key = object["api_key"] as? String, !key.isEmpty else {
            return (.refused(reason: "invalid_auth_message", code: Self.badMessage), nil)
        }
        let state = self.state(of: SecretValue(key))
        if path == Self.supervisorPath {
            switch state {
            case nil: return (.refused(reason: "api_key_not_found", code: Self.authFailed), key)
            case .revoked?: return (.refused(reason: "api_key_revoked", code: Self.authFailed), key)
            case .missingCapability?: return (.refused(reason: "missing_supervisor_capability", code: Self.authFailed), key)
            case .valid?: return (.accepted, key)
            }
        }
        guard state == .valid || state == .missingCapability else {
            return (.refused(reason: "invalid_api_key", code: Self.authFailed), key)
        }
        let project = (object["project_dir"] as? String).map { !$0.isEmpty } ?? false
        let rootless = object["rootless_sessions"] as? Bool ?? false
        guard project || rootless else {
            return (.refused(reason: "no_project_or_rootless", code: Self.authFailed), key)
        }
        return (.accepted, key)
    }

    /// The log line: the credential's shape and fingerprint, never the credential.
    func entry(_ request: ListenerRequest, credential: String?, frame: String?, status: Int, reason: String?) -> SandboxLogEntry {
        let keys = acceptedKeys.map(\.text).filter { !$0.isEmpty }
        let shape: SandboxLogEntry.AuthShape
        switch credential {
        case nil, ""?: shape = .none
        case options.key.text?: shape = .bearerKey
        case let c? where c == options.oldKey?.text: shape = .bearerOldKey
        default: shape = .bearerOther
        }
        var e = SandboxLogEntry(time: request.receivedAt, method: "WS", path: request.path, auth: shape,
                                carriesKey: (frame ?? "").isEmpty ? false : keys.contains { (frame ?? "").contains($0) } || request.target.containsAny(keys),
                                credentialFingerprint: credential.flatMap { $0.isEmpty ? nil : Fingerprint.of($0) }, status: status,
                                remote: request.remote)
        e.closeReason = reason
        return e
    }
}

private extension String {
    func containsAny(_ needles: [String]) -> Bool { needles.contains { contains($0) } }
}
