import Foundation

/// Runs the probe matrix against one service, as concurrently as the rules allow:
///
/// 1. connect only (DNS, TCP, TLS): when the origin cannot be reached, nothing else is sent and
///    every other probe is reported as skipped with that reason, instead of each timing out;
/// 2. all at once: `/health`, every protected path without credentials and with the key, the
///    service's own key when the files disagree, and `/auth/session`;
///    a health or no-auth answer that redirects within the origin is followed, hop by hop and
///    without credentials, to tell a redirect loop (a service no client can use) from a detour;
/// 3. after those answers, at most one wrong-shape and one wrong-key probe, both with a random
///    throwaway token, unless the service answered 429 or 503 (a throttled or failing service
///    must not be sent more failures) or `noNegative` is set.
///
/// Nothing is retried: a 401 is an answer, and a retry would only count against the key.
public enum Prober {
    public static func run(_ target: ProbeTarget, _ options: ProbeOptions) async -> [ProbeExchange] {
        let reach = await send(.reach, path: "", header: nil, curl: .none, target, options, connectOnly: true)
        let first = plan(target)
        let negatives = negativePlan(target)
        if let failure = reach.failure {
            let reason = "not sent: the service cannot be reached (\(failure.summary); see probe.reach)"
            return [reach] + (first + negatives).map { skipped($0, reason) }
        }
        // A key with a line break or NUL cannot travel in a header: libcurl would split or cut the
        // header (and Go's client refuses to send it), so the answer would describe another request.
        let unsendable = first.filter { $0.header.map(Self.breaksHeader) ?? false }
        let withheld = first.filter { $0.kind == .serviceKey && target.serviceKeyWithheld != nil && !unsendable.map(\.kind).contains($0.kind) }
        let sendable = first.filter { p in !(p.header.map(Self.breaksHeader) ?? false) && !withheld.contains { $0.kind == p.kind } }
        let held = unsendable.map { skipped($0, "not sent: the key holds a line break or a NUL byte, which cannot go into an HTTP header (see keys.*.format)") }
            + withheld.map { skipped($0, target.serviceKeyWithheld ?? "") }
        let answers = await followRedirects(await sendAll(sendable, target, options), target, options)
        if let reason = negativeGate(answers, target, options) {
            return [reach] + answers + held + negatives.map { skipped($0, reason) }
        }
        return [reach] + answers + held + (await sendAll(negatives, target, options))
    }

    /// A probe not yet sent: its kind, path, header value and how its curl line names the credential.
    struct Planned: Sendable {
        var kind: ProbeKind
        var path: String
        var header: String?
        var curl: CurlLine.Credential
    }

    static func plan(_ target: ProbeTarget) -> [Planned] {
        var out: [Planned] = []
        if let h = target.healthPath { out.append(Planned(kind: .health, path: h, header: nil, curl: .none)) }
        for p in target.protectedPaths { out.append(Planned(kind: .noAuth, path: p, header: nil, curl: .none)) }
        if let key = target.key, !key.isEmpty {
            for p in target.protectedPaths {
                out.append(Planned(kind: .key, path: p, header: "Bearer " + key.text, curl: .bearerVariable(target.keyEnv)))
            }
            if let s = target.serviceKey, !s.isEmpty, s != key, let p = target.protectedPaths.first {
                out.append(Planned(kind: .serviceKey, path: p, header: "Bearer " + s.text, curl: .bearerVariable(target.serviceKeyEnv)))
            }
            if let s = target.sessionPath {
                out.append(Planned(kind: .session, path: s, header: "Bearer " + key.text, curl: .bearerVariable(target.keyEnv)))
            }
        }
        return out
    }

    static func negativePlan(_ target: ProbeTarget) -> [Planned] {
        guard let p = target.protectedPaths.first else { return [] }
        let token = ThrowawayToken.make(avoiding: target.secrets)
        return [Planned(kind: .shape, path: p, header: token, curl: .literal(token)),
                Planned(kind: .wrongKey, path: p, header: "Bearer " + token, curl: .literal("Bearer " + token))]
    }

    /// Why the negative probes must not be sent, or nil when they may be.
    static func negativeGate(_ answers: [ProbeExchange], _ target: ProbeTarget, _ options: ProbeOptions) -> String? {
        if options.noNegative { return "not sent: --no-negative" }
        if let reason = options.negativesSkipped { return "not sent: \(reason)" }
        let protected = answers.filter { [.noAuth, .key, .serviceKey, .session].contains($0.kind) }
        let statuses = protected.compactMap(\.status)
        if statuses.contains(429) {
            return "not sent: the service answered 429 Too Many Requests, and more failed attempts would only extend the block"
        }
        if statuses.contains(503) {
            return "not sent: the service answered 503, so a wrong key could not be told from a failing auth store"
        }
        if statuses.isEmpty {
            return "not sent: no protected path gave an HTTP answer"
        }
        if statuses.allSatisfy({ (300..<400).contains($0) }) {
            return "not sent: the protected paths redirect (see probe.redirect)"
        }
        if answers.contains(where: { $0.kind == .noAuth && (200..<300).contains($0.status ?? 0) }) {
            return "not sent: the service answers protected paths without any credentials (see probe.no-auth)"
        }
        return nil
    }

    static func breaksHeader(_ value: String) -> Bool {
        value.unicodeScalars.contains { $0 == "\r" || $0 == "\n" || $0 == "\0" }
    }

    static func skipped(_ p: Planned, _ reason: String) -> ProbeExchange {
        ProbeExchange(kind: p.kind, method: "GET", url: "", path: p.path, curl: "", outcome: .skipped(reason))
    }

    static func sendAll(_ planned: [Planned], _ target: ProbeTarget, _ options: ProbeOptions) async -> [ProbeExchange] {
        await withTaskGroup(of: (Int, ProbeExchange).self) { group in
            for (i, p) in planned.enumerated() {
                group.addTask { (i, await send(p.kind, path: p.path, header: p.header, curl: p.curl, target, options)) }
            }
            var out = [ProbeExchange?](repeating: nil, count: planned.count)
            for await (i, e) in group { out[i] = e }
            return out.compactMap { $0 }
        }
    }

    static func send(_ kind: ProbeKind, path: String, header: String?, curl: CurlLine.Credential, _ target: ProbeTarget,
                     _ options: ProbeOptions, connectOnly: Bool = false) async -> ProbeExchange {
        let url = connectOnly ? target.baseURL : target.url(path)
        let line = connectOnly ? "" : CurlLine.make("GET", url, curl, timeout: options.timeout)
        // Not an HTTP method: the reach probe only connects, and the evidence says so.
        let method = connectOnly ? "connect" : "GET"
        let outcome: ProbeExchange.Outcome
        switch await fetch(url, header: header, options, connectOnly: connectOnly) {
        case .success(let response): outcome = .answered(response)
        case .failure(let error): outcome = .failed(error)
        }
        return ProbeExchange(kind: kind, method: method, url: Redact.url(url), path: path, curl: line, outcome: outcome)
    }

    /// One request, through the run's shared requests when there are.
    static func fetch(_ url: String, header: String?, _ options: ProbeOptions, connectOnly: Bool = false) async -> ProbeRequests.Answer {
        var request = HTTPClientRequest(url: url, connectTimeout: options.connectTimeout,
                                        timeout: connectOnly ? options.connectTimeout : options.timeout,
                                        connectOnly: connectOnly, caFile: options.caFile)
        request.maxConnections = options.maxConnections
        request.headers = [("Accept", "application/json")]
        if let header { request.headers.append(("Authorization", header)) }
        if let requests = options.requests { return await requests.send(request) }
        do throws(TransportFailure) {
            return .success(try await HTTPClient.send(request))
        } catch {
            return .failure(error)
        }
    }

    /// The health and no-auth answers that redirect within the origin, with where their redirects
    /// lead (`RedirectChain`), all followed at once. Requests with a credential are never
    /// followed: the no-auth probe of the same path shows where they go.
    static func followRedirects(_ answers: [ProbeExchange], _ target: ProbeTarget, _ options: ProbeOptions) async -> [ProbeExchange] {
        let toFollow = answers.indices.filter { i in
            [.health, .noAuth].contains(answers[i].kind) && (300..<400).contains(answers[i].status ?? 0)
        }
        guard !toFollow.isEmpty else { return answers }
        var out = answers
        await withTaskGroup(of: (Int, RedirectChain?).self) { group in
            for i in toFollow {
                let e = answers[i]
                group.addTask { (i, await chain(from: target.url(e.path), first: e, options)) }
            }
            for await (i, chain) in group { out[i].redirects = chain }
        }
        return out
    }

    /// Follows `first`'s redirect from `url`, hop by hop, within its origin and without credentials.
    static func chain(from url: String, first: ProbeExchange, _ options: ProbeOptions) async -> RedirectChain? {
        guard let origin = HTTPClient.origin(of: url), var response = first.response else { return nil }
        var current = url
        var visited: Set<String> = [normalized(url)]
        var hops = [RedirectChain.Hop(target: shownTarget(url), status: response.status)]
        while true {
            guard (300..<400).contains(response.status), let location = response.header("Location") else {
                return RedirectChain(hops: hops, end: .answered(response.status))
            }
            guard let next = URL(string: location, relativeTo: URL(string: current))?.absoluteURL.absoluteString else {
                return RedirectChain(hops: hops, end: .failed("a Location that is not a URL"))
            }
            guard HTTPClient.origin(of: next) == origin else {
                return RedirectChain(hops: hops, end: .leftOrigin(ProbeClassifier.displayOrigin(next) ?? "another origin"))
            }
            if visited.contains(normalized(next)) {
                var chain = RedirectChain(hops: hops, end: .loop)
                chain.loopTarget = shownTarget(next)
                return chain
            }
            guard hops.count <= RedirectChain.maxHops else { return RedirectChain(hops: hops, end: .tooLong) }
            visited.insert(normalized(next))
            current = next
            switch await fetch(next, header: nil, options) {
            case .success(let r):
                response = r
                hops.append(RedirectChain.Hop(target: shownTarget(next), status: r.status))
            case .failure(let f):
                hops.append(RedirectChain.Hop(target: shownTarget(next), status: nil))
                return RedirectChain(hops: hops, end: .failed(f.reason))
            }
        }
    }

    /// A URL as compared for a loop: without its fragment, which never reaches the server.
    static func normalized(_ url: String) -> String {
        url.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? url
    }

    /// Path and query of `url`, credentials masked: what the chain shows of each hop.
    static func shownTarget(_ url: String) -> String {
        let shown = Redact.url(url)
        guard let c = URLComponents(string: shown) else { return shown }
        return (c.percentEncodedPath.isEmpty ? "/" : c.percentEncodedPath) + (c.percentEncodedQuery.map { "?" + $0 } ?? "")
    }
}
