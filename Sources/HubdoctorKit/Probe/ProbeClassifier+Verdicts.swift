import Foundation

/// The meaning of each kind of answer, per probe kind.
extension ProbeClassifier {
    func verdict(_ e: ProbeExchange) -> ProbeVerdict {
        switch e.outcome {
        case .skipped(let reason):
            return .skip(reason)
        case .failed(let f):
            return e.kind == .reach ? unreachable(f) : failed(e, f)
        case .answered(let r):
            switch e.kind {
            case .reach: return reached(r)
            case .health: return health(e, r)
            case .noAuth: return noAuth(e, r)
            case .key: return key(e, r)
            case .serviceKey: return serviceKey(e, r)
            case .shape, .wrongKey: return negative(e, r)
            case .session: return session(e, r)
            }
        }
    }

    func reached(_ r: HTTPClientResponse) -> ProbeVerdict {
        let t = r.timings
        var phases = [String(format: "DNS %.1f ms", t.dnsMs), String(format: "TCP %.1f ms", t.connectMs)]
        if t.tlsMs > 0 { phases.append(String(format: "TLS %.1f ms", t.tlsMs)) }
        let ip = r.remoteIP.map { " (\($0))" } ?? ""
        return .pass(String(format: "Connected to \(hostPort)\(ip) in %.1f ms: ", t.totalMs) + phases.joined(separator: ", ") + ".")
    }

    func unreachable(_ f: TransportFailure) -> ProbeVerdict {
        var sentence = "\(target.serviceTitle) cannot be reached: \(f.reason)."
        let host = URLComponents(string: target.baseURL)?.host?.lowercased() ?? ""
        var steps: [RemediationStep] = []
        switch f.kind {
        case .dnsFailure where target.composeHosts.contains(host):
            sentence += " \(host) is a Docker Compose service name: it resolves only inside the Compose network, so neither this machine nor \(target.callerName) running on the host can find it."
            if let e = target.expectedURL {
                sentence += " Outside Compose, use \(e)."
                if let health = target.healthPath {
                    steps.append(RemediationStep(text: "Check \(target.serviceName) where the host reaches it",
                                                 run: CurlLine.make("GET", e.trimmingSuffix("/") + health, .none, timeout: 5)))
                }
            }
        case .dnsFailure:
            sentence += " Check the host name's spelling, /etc/hosts and the DNS this machine uses."
        case .connectionRefused:
            sentence += " Is \(target.serviceName) running, and listening on that port (a published Compose port, or its PORT setting)?"
        case .connectTimeout, .noRoute:
            sentence += " Check that the host is up and that no firewall or security group drops the port."
        case .tlsUntrusted:
            sentence += " \(target.callerName) fails the same way unless it trusts the issuing CA (Node reads extra CAs from NODE_EXTRA_CA_CERTS)."
        case .tlsNameMismatch:
            sentence += " Call the service by a name its certificate was issued for."
        case .tlsToPlainPort:
            sentence += " Use http:// for this port, or the port where the service terminates TLS."
        case .malformedURL, .unsupportedScheme:
            sentence += " Fix the URL the caller is configured with."
        default:
            break
        }
        if steps.isEmpty, let health = target.healthPath {
            steps.append(RemediationStep(text: "Check by hand", run: CurlLine.make("GET", target.url(health), .none, timeout: 5)))
        }
        var v = ProbeVerdict.fail(.hubUnreachable, sentence)
        v.remediation = steps
        v.facts = ["unreachable_reason": f.kind.rawValue]
        return v
    }

    /// A transport failure after the origin was reached: a hang, a close mid-answer, not HTTP.
    func failed(_ e: ProbeExchange, _ f: TransportFailure) -> ProbeVerdict {
        if e.kind == .session { return .skip("\(e.path) gave no answer: \(f.reason)") }
        return .fail(.hubUnreachable, "GET \(e.path): \(f.reason).")
    }

    /// Answers that mean the same whatever was sent.
    func common(_ e: ProbeExchange, _ r: HTTPClientResponse) -> ProbeVerdict? {
        let reading = AnswerReading(r)
        let said = answerText(r)
        if reading.saysPlainHTTPToTLSPort {
            return .fail(.hubUnreachable, "GET \(e.path) answers \(said): this port speaks TLS. Use https:// in the URL.")
        }
        switch r.status {
        case 300..<400:
            return .skip("GET \(e.path) redirects (\(r.status)) to \(location(r) ?? "nowhere"); see probe.redirect.")
        case 429:
            let (retry, facts) = retryText(reading)
            var v = ProbeVerdict.warn(.throttled, "GET \(e.path) answers \(said): \(target.serviceName) is throttling this client after too many failed attempts. \(retry)")
            v.facts = facts
            return v
        case 503:
            return .fail(.authStoreDown, "GET \(e.path) answers \(said): \(target.serviceName) cannot check credentials right now (its auth or throttle store is down) and fails " +
                "closed. Every caller gets 503 until the store is back: check the store (Redis for Team Hub), not the key.")
        case 500..<600:
            return .warn(.hubUnreachable, "GET \(e.path) answers \(said): \(target.serviceName) (or a proxy in front of it) is failing, so its auth cannot be judged.")
        default:
            return nil
        }
    }

    func health(_ e: ProbeExchange, _ r: HTTPClientResponse) -> ProbeVerdict {
        let said = answerText(r)
        switch r.status {
        case 200..<300:
            return .pass(String(format: "GET \(e.path) answers \(said) without credentials in %.0f ms.", r.timings.totalMs))
        case 401, 403:
            var v = ProbeVerdict.fail(.healthNotPublic, "GET \(e.path) answers \(said) without credentials: the health endpoint sits behind the auth middleware. Orchestrators, " +
                "load balancers and uptime checks call it without a key, so to them \(target.serviceName) looks down. Serve \(e.path) outside the middleware that guards /v1.")
            v.remediation = [RemediationStep(text: "After the change, this must answer 200", run: e.curl)]
            return v
        case 404:
            return .fail(.hubUnreachable, "GET \(e.path) answers \(said): whatever listens at \(hostPort) has no health endpoint, so it is probably not \(target.serviceName) " +
                "(another service on that port?) or the URL lacks a base path.")
        case 300..<400:
            if let chain = e.redirects, chain.isLoop {
                var v = ProbeVerdict.fail(.hubUnreachable, "GET \(e.path) redirects in a loop: \(chain.text). No client gets an answer from \(target.serviceName) at this URL (a " +
                    "proxy that adds a trailing slash in front of an app that strips it, an http→https redirect behind a TLS-terminating proxy, a login page that redirects to " +
                    "itself). Fix the redirect, or point the caller at the address the service really answers on.")
                v.facts = ["redirect_chain": chain.text]
                return v
            }
            let detour = e.redirects.map { " (\($0.text))" } ?? ""
            return .warn(.hubUnreachable, "GET \(e.path) redirects (\(r.status)) to \(location(r) ?? "nowhere")\(detour): the URL reaches a proxy or a login page rather than " +
                "\(target.serviceName) itself.")
        case 500..<600 where r.status != 503:
            return .fail(.hubUnreachable, "GET \(e.path) answers \(said): \(target.serviceName) is up but reports itself unhealthy.")
        default:
            if let v = common(e, r) { return v }
            return .warn(.hubUnreachable, "GET \(e.path) answers \(said), not 200.")
        }
    }

    func noAuth(_ e: ProbeExchange, _ r: HTTPClientResponse) -> ProbeVerdict {
        let said = answerText(r)
        switch r.status {
        case 401, 403:
            return .pass("GET \(e.path) without credentials answers \(said).")
        case 200..<300:
            return .fail(.authNotEnforced, "GET \(e.path) answers \(said) without any credentials: the auth middleware does not guard it, so anyone who can reach \(target.serviceName) can use it.")
        case 404:
            return .warn(.hubUnreachable, "GET \(e.path) without credentials answers \(said): this server has no such route in front of its auth, so the URL may point at another " +
                "service or lack a base path.")
        default:
            if let v = common(e, r) { return v }
            return .pass("GET \(e.path) without credentials answers \(said).")
        }
    }

    func accepted(_ r: HTTPClientResponse) -> Bool { AnswerReading(r).acceptsCredential }

    func key(_ e: ProbeExchange, _ r: HTTPClientResponse) -> ProbeVerdict {
        let reading = AnswerReading(r)
        let said = answerText(r)
        let service = target.serviceName
        if accepted(r) {
            return .pass(r.status == 404
                ? "GET \(e.path) answers \(said) with a JSON body: the key got past the auth middleware (the route itself is absent)."
                : "GET \(e.path) with \(target.keyLabel) answers \(said).")
        }
        switch r.status {
        case 404:
            return .warn(.hubUnreachable, "GET \(e.path) with the key answers \(said): not the JSON 404 of \(service)'s router, so the URL may reach another server.")
        case 401:
            return refused(e, reading, said)
        case 403:
            if reading.keyState == .missingCapability {
                return .fail(.missingCapability, "GET \(e.path) answers \(said): \(service) knows \(target.keyLabel), but the key lacks the capability this route needs. Grant it, " +
                    "or use a key that has it.")
            }
            return .fail(.forbiddenScope, "GET \(e.path) answers \(said): \(service) accepts \(target.keyLabel) as valid, but its role or scope does not allow this request. Use a " +
                "key of an account that may use this route (Team Hub: a user-role token whose access lists cover it).")
        default:
            if var v = common(e, r) {
                // The caller's own requests fail right now: that is an error, not a warning.
                if v.cause == .throttled { v.status = .fail }
                return v
            }
            return .warn(.hubUnreachable, "GET \(e.path) with the key answers \(said): neither accepted nor refused.")
        }
    }

    /// A 401 to the caller's key: the body and challenge say why, else the files decide.
    func refused(_ e: ProbeExchange, _ reading: AnswerReading, _ said: String) -> ProbeVerdict {
        let service = target.serviceName
        let label = target.keyLabel
        switch reading.keyState {
        case .revoked?:
            return .fail(.keyRevoked, "GET \(e.path) answers \(said): \(service) knows \(label) but it has been revoked. Issue a new key and put it on both sides.")
        case .notFound?:
            return .fail(.keyNotFound, "GET \(e.path) answers \(said): \(service)'s key store does not know \(label) (deleted, or issued by another environment). Issue a key there " +
                "and put it on both sides.")
        case .missingCapability?:
            return .fail(.missingCapability, "GET \(e.path) answers \(said): \(label) lacks the capability this route needs.")
        case .insufficientScope?:
            return .fail(.forbiddenScope, "GET \(e.path) answers \(said): \(label) is valid but its scope does not cover this route.")
        case nil:
            break
        }
        if reading.saysHeaderMissing {
            return .fail(.headerShape, "GET \(e.path) answers \(said) although the probe sent `Authorization: Bearer <key>`: the header never reached \(service). Something in " +
                "between strips it (a proxy or ingress that drops Authorization, or a redirect).")
        }
        if reading.saysHeaderMalformed {
            return .fail(.headerShape, "GET \(e.path) answers \(said) although the probe sent `Bearer <key>`: the header arrived in another shape (a key with a space in it, or a " +
                "proxy that rewrites Authorization).")
        }
        switch target.filesAgree {
        case false?:
            var sentence = "GET \(e.path) answers \(said) to \(label): live confirmation of the drift that the key comparison found."
            if let own = exchanges.first(where: { $0.kind == .serviceKey })?.response {
                sentence += accepted(own)
                    ? " \(service) does accept the key in \(target.serviceKeyLabel ?? "its own file"), so change \(target.callerName)'s side to that key and restart \(target.callerName)."
                    : " \(service) refuses the key in \(target.serviceKeyLabel ?? "its own file") too (see probe.service-key): make both files agree, then restart both."
            } else {
                sentence += " Make both files hold the same key, then restart both services."
            }
            return .fail(.keyDrift, sentence)
        case true?:
            // The restart itself is the runbook's step (service-auth), filled with the mode's command.
            return .fail(.keyRejected, "GET \(e.path) answers \(said): both files hold the same key, but the running \(service) refuses it. Its process was started with another " +
                "key (the file changed after it started, or its environment overrides the file). Restart \(service) so it reads \(target.serviceKeyLabel ?? "its file") again.")
        case nil:
            return .fail(.keyRejected, "GET \(e.path) answers \(said): \(service) refuses \(label). Its running process holds another key.")
        }
    }

    func serviceKey(_ e: ProbeExchange, _ r: HTTPClientResponse) -> ProbeVerdict {
        let said = answerText(r)
        let where_ = target.serviceKeyLabel ?? "its own file"
        if accepted(r) {
            return .pass("GET \(e.path) with the key from \(where_) answers \(said): the running \(target.serviceName) holds its file's key, so \(target.callerName)'s side is the one to change.")
        }
        if r.status == 401 {
            return .fail(.keyRejected, "GET \(e.path) with the key from \(where_) answers \(said) too: the running \(target.serviceName) holds neither file's key. After making the " +
                "files agree, restart \(target.serviceName).")
        }
        return common(e, r) ?? .skip("GET \(e.path) with the key from \(where_) answers \(said).")
    }

    func negative(_ e: ProbeExchange, _ r: HTTPClientResponse) -> ProbeVerdict {
        let said = answerText(r)
        let what = e.kind == .shape ? "a random token without the `Bearer ` scheme" : "a random `Bearer` token"
        switch r.status {
        case 400, 401, 403:
            var sentence = "GET \(e.path) with \(what) answers \(said)."
            if e.kind == .shape {
                sentence += " A caller that logs this answer sends its key without `Bearer ` (header-shape)."
            } else if let mine = exchanges.first(where: { $0.kind == .key && $0.path == e.path })?.response, mine.status == r.status,
                      AnswerReading(mine).message == AnswerReading(r).message {
                sentence += " \(target.keyTitle) gets the same answer as a random token: \(target.serviceName) does not know it."
            }
            return .pass(sentence)
        case 200..<300:
            return .fail(.authNotEnforced, "GET \(e.path) with \(what) answers \(said): \(target.serviceName) accepts credentials it cannot know, so its auth does not protect anything.")
        default:
            return common(e, r) ?? .pass("GET \(e.path) with \(what) answers \(said).")
        }
    }

    func session(_ e: ProbeExchange, _ r: HTTPClientResponse) -> ProbeVerdict {
        let reading = AnswerReading(r)
        guard r.status == 200, let json = reading.json, let user = json["user"] as? [String: Any] else {
            if r.status == 401 || r.status == 403 { return .skip("\(e.path) refused the key (\(answerText(r))); see probe.key.") }
            return .skip("\(target.serviceTitle) offers no \(e.path) (\(answerText(r))), so the key's owner cannot be shown.")
        }
        let name = user["name"] as? String ?? "?"
        let role = user["role"] as? String ?? "?"
        let caps = (json["capabilities"] as? [String: Any] ?? [:])
        let granted = caps.keys.sorted().filter { caps[$0] as? Bool == true }
        let denied = caps.keys.sorted().filter { caps[$0] as? Bool == false }
        var sentence = "The key belongs to \(name) (role \(role))"
        if let prefix = publicPrefix((json["token"] as? [String: Any])?["prefix"] as? String) { sentence += ", token \(prefix)" }
        sentence += "; capabilities: " + (granted.isEmpty ? "none" : granted.joined(separator: ", "))
        if !denied.isEmpty { sentence += " (not: \(denied.joined(separator: ", ")))" }
        sentence += "."
        var v: ProbeVerdict
        if caps["dataApi"] as? Bool == false {
            v = .warn(.forbiddenScope, sentence + " This account may not use the data API, so its routes answer 403: \(target.callerName) needs a token of a user-role account.")
        } else {
            v = .pass(sentence)
        }
        v.facts = ["session.user": name, "session.role": role]
        return v
    }

    /// The token's documented public prefix (`hbk_` and 8 characters), and only when it really is
    /// the beginning of the key that was sent.
    func publicPrefix(_ reported: String?) -> String? {
        guard let key = target.key?.text, key.hasPrefix("hbk_"), key.count > 12 else { return nil }
        let prefix = String(key.prefix(12))
        if let reported, reported != prefix { return nil }
        return prefix
    }
}
