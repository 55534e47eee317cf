import Foundation

/// `hubdoctor verify-rotation`: after a rotation and the restarts, prove that the running
/// service accepts the key now in the files and refuses the old one — and say how long it took
/// to become consistent. Polls with backoff until `wait` runs out; spends at most one failed
/// attempt with the old key per poll, and stops at the first 429 so as not to lock the key out.
public enum RotationVerifier {
    public struct Options: Sendable {
        public var check = CheckOptions()
        /// The environment variable that holds the old key (never a command-line value).
        public var oldKeyEnv = ""
        public init() {}
    }

    /// What the service said to one key in one poll.
    enum Answer: Equatable {
        case accepted(Int)
        case refused(Int)
        case throttled(retryAfter: String?)
        case unavailable(Int)
        case other(Int)
        case unreachable(String)

        init(_ result: Result<HTTPClientResponse, TransportFailure>) {
            switch result {
            case .failure(let f):
                self = .unreachable(f.reason)
            case .success(let r):
                let reading = AnswerReading(r)
                switch r.status {
                case _ where reading.acceptsCredential: self = .accepted(r.status)
                case 401, 403: self = .refused(r.status)
                case 429: self = .throttled(retryAfter: reading.retryAfterSeconds.map { "\($0) s" })
                case 503: self = .unavailable(r.status)
                default: self = .other(r.status)
                }
            }
        }

        var text: String {
            switch self {
            case .accepted(let s): return "accepted (\(s))"
            case .refused(let s): return "refused (\(s))"
            case .throttled(let ra): return "throttled (429\(ra.map { ", retry after \($0)" } ?? ""))"
            case .unavailable(let s): return "unavailable (\(s))"
            case .other(let s): return "answered \(s)"
            case .unreachable(let why): return "unreachable (\(why))"
            }
        }
    }

    public static func verify(_ options: Options) async throws -> Report {
        let o = options.check
        try o.validate()
        guard let oldText = o.environment[options.oldKeyEnv], !oldText.isEmpty else {
            throw HubdoctorError(.usage, "--old-key-env \(options.oldKeyEnv): that environment variable is not set or empty; export the old key in it first")
        }
        let oldKey = SecretValue(oldText)
        SecretRegistry.shared.register(oldKey)
        let setup = try Doctor.setup(o)
        var findings: [Finding] = []
        var contexts: [Report.LinkContext] = []
        for link in setup.links {
            let r = Doctor.read(link, options: o, resolver: setup.resolver)
            contexts.append(Report.LinkContext(name: link.name, mode: link.mode?.rawValue, modeReason: link.modeReason,
                                               url: r.effectiveURL.map(Redact.url)))
            findings += try await verify(r, oldKey: oldKey, options: options)
        }
        return Report(command: "verify-rotation", findings: findings, links: contexts, failOn: o.failOn)
    }

    static func verify(_ r: LinkReadings, oldKey: SecretValue, options: Options) async throws -> [Finding] {
        let o = options.check
        let facts = r.facts
        let service = r.link.service.name
        func make(_ check: CheckID, _ status: Status, _ cause: Cause?, _ title: String, _ message: String, _ evidence: [Evidence] = []) -> Finding {
            Finding(check: check, status: status, cause: cause, title: title, message: message, evidence: evidence, link: r.link.name, facts: facts)
        }
        // The files first: a rotation is only finished in the files when both sides hold the new key.
        let offline = KeyChecks.evaluate(r).filter { $0.status == .fail }
        guard offline.isEmpty, let newKey = r.service.usableValue else {
            return offline.isEmpty
                ? [make(.rotationFiles, .fail, .serverKeyMissing, "The files hold the new key on both sides", "\(r.service.whereLabel) holds no key.")]
                : offline
        }
        if newKey == oldKey {
            throw HubdoctorError(.usage, "the key in \(r.service.whereLabel) is the old key from $\(options.oldKeyEnv): the files were not rotated (run `hubdoctor rotate --apply` first)")
        }
        guard let base = r.effectiveURL else {
            return [make(.rotationReach, .skip, nil, "\(service) can be reached", "No service URL: set \(r.link.url?.variableName ?? "the URL") or pass --hub-url.")]
        }
        let path = r.link.probes.protected.first ?? "/"
        let url = base.trimmingSuffix("/") + path
        let keyEnv = facts["key_env"] ?? "API_KEY"
        func request(_ key: SecretValue) -> HTTPClientRequest {
            HTTPClientRequest(url: url, headers: [("Authorization", "Bearer " + key.text)], connectTimeout: min(3, o.timeout), timeout: o.timeout)
        }
        func evidence(_ label: String, _ env: String, _ answer: Answer, _ key: SecretValue) -> Evidence {
            var e = Evidence.key(source: label, var: env, value: key, detail: answer.text)
            e.http = HTTPEvidence(method: "GET", url: Redact.url(url), status: statusOf(answer), error: errorOf(answer),
                                  curl: CurlLine.make("GET", Redact.url(url), .bearerVariable(env), timeout: o.timeout))
            return e
        }

        let started = Date()
        let deadline = started.addingTimeInterval(max(0, o.wait ?? 0))
        var delay = 1.0
        var polls = 0
        var lastNew: Answer = .unreachable("not tried")
        var lastOld: Answer? = nil
        while true {
            polls += 1
            lastNew = Answer(await send(request(newKey)))
            lastOld = nil
            if case .throttled = lastNew { break }
            if case .unreachable = lastNew {} else {
                // One attempt with the old key per poll, whatever the new key got: it tells a
                // service that still runs the old key from one that accepts both.
                lastOld = Answer(await send(request(oldKey)))
                if case .throttled? = lastOld { break }
            }
            if case .accepted = lastNew, case .refused? = lastOld { break }
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { break }
            let pause = min(delay, remaining)
            o.progress?(String(format: "poll %d: new key %@, old key %@; next poll in %.1f s (%.0f s left)",
                               polls, lastNew.text, lastOld?.text ?? "not tried", pause, remaining))
            try await Task.sleep(nanoseconds: UInt64(pause * 1_000_000_000))
            delay = min(delay * 2, 10)
        }
        let elapsed = Date().timeIntervalSince(started)
        let took = String(format: "%.1f s", elapsed)
        let newEvidence = evidence("\(r.service.whereLabel) (new key)", keyEnv, lastNew, newKey)
        let oldEvidence = lastOld.map { evidence("$\(options.oldKeyEnv) (old key)", options.oldKeyEnv, $0, oldKey) }
        var out: [Finding] = []
        let newTitle = "\(service) accepts the new key", oldTitle = "\(service) refuses the old key"
        switch lastNew {
        case .accepted:
            out.append(make(.rotationNewKey, .pass, nil, newTitle, "\(service) accepts the key in the files (\(newKey.fingerprint)) at \(Redact.url(url)).", [newEvidence]))
        case .refused:
            let still = lastOld.flatMap { if case .accepted = $0 { return " and still accepts the old key" } else { return nil } } ?? ""
            out.append(make(.rotationNewKey, .fail, .keyRejected, newTitle,
                            "After \(took) and \(polls) poll(s), \(service) still refuses the key in the files\(still): the running process holds another key. Restart it (\(r.link.service.restart ?? "restart the service")) so it reads the new key.",
                            [newEvidence] + (oldEvidence.map { [$0] } ?? [])))
        case .throttled(let ra):
            out.append(make(.rotationNewKey, .fail, .throttled, newTitle,
                            "\(service) answered 429 Too Many Requests\(ra.map { "; retry after \($0)" } ?? ""): verification stopped so as not to extend the lockout. Try again after that.", [newEvidence]))
        case .unavailable(let s):
            out.append(make(.rotationNewKey, .fail, .authStoreDown, newTitle, "\(service) answered \(s): its auth store is down and it fails closed.", [newEvidence]))
        case .unreachable(let why):
            out.append(make(.rotationNewKey, .fail, .hubUnreachable, newTitle, "After \(took), \(service) at \(Redact.url(url)) cannot be reached: \(why). Is it still restarting?", [newEvidence]))
        case .other(let s):
            out.append(make(.rotationNewKey, .fail, .keyRejected, newTitle, "\(service) answered \(s) to the new key, not 2xx.", [newEvidence]))
        }
        switch lastOld {
        case .refused?:
            out.append(make(.rotationOldKey, .pass, nil, oldTitle, "\(service) refuses the old key (\(oldKey.fingerprint)).", oldEvidence.map { [$0] } ?? []))
        case .accepted?:
            out.append(make(.rotationOldKey, .fail, .oldKeyAccepted, oldTitle,
                            "After \(took), \(service) still accepts the old key: the rotation is not finished (a process still holds it, or the service accepts both). Restart \(service), and revoke the old key where the service keeps a key store.",
                            oldEvidence.map { [$0] } ?? []))
        case .throttled(let ra)?:
            out.append(make(.rotationOldKey, .fail, .throttled, oldTitle, "429 to the old key\(ra.map { " (retry after \($0))" } ?? ""): verification stopped.", oldEvidence.map { [$0] } ?? []))
        case let answer?:
            out.append(make(.rotationOldKey, .warn, .oldKeyAccepted, oldTitle, "\(service) neither accepted nor refused the old key: \(answer.text).", oldEvidence.map { [$0] } ?? []))
        case nil:
            out.append(make(.rotationOldKey, .skip, nil, oldTitle, "Not tried: \(service) could not be asked."))
        }
        if out.allSatisfy({ $0.status == .pass }) {
            out.append(make(.rotationConsistent, .pass, nil, "The rotation is consistent",
                            "Consistent after \(took) (\(polls) poll\(polls == 1 ? "" : "s")): the new key works and the old one is refused."))
        }
        return out
    }

    static func send(_ request: HTTPClientRequest) async -> Result<HTTPClientResponse, TransportFailure> {
        do { return .success(try await HTTPClient.send(request)) } catch { return .failure(error) }
    }

    static func statusOf(_ a: Answer) -> Int? {
        switch a {
        case .accepted(let s), .refused(let s), .unavailable(let s), .other(let s): return s
        case .throttled: return 429
        case .unreachable: return nil
        }
    }

    static func errorOf(_ a: Answer) -> String? {
        if case .unreachable(let why) = a { return why }
        return nil
    }
}
