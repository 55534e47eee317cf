import Foundation

/// `redirect-drops-auth`: a protected path that sends the client to another origin.
extension ProbeClassifier {
    func redirectFinding() -> Finding? {
        let protected = exchanges.filter { [.noAuth, .key, .serviceKey].contains($0.kind) }
        guard !protected.isEmpty else { return nil }
        let title = "Protected paths do not redirect to another origin, or in a loop"
        let answered = protected.filter { $0.response != nil }
        if answered.isEmpty {
            let reason = protected.first?.skipReason ?? protected.first?.failure?.reason ?? "no answer"
            return Finding(check: .probeRedirect, status: .skip, title: title, message: "Skipped: \(reason)", link: link, facts: facts)
        }
        // A loop on a protected path: no client, with or without the key, gets an answer there.
        let loops = exchanges.filter { $0.kind == .noAuth && $0.redirects?.isLoop == true }
        if let e = loops.first, let chain = e.redirects {
            let more = loops.count > 1 ? " (and \(loops.count - 1) more protected path(s) likewise)" : ""
            return Finding(check: .probeRedirect, status: .fail, cause: .hubUnreachable, title: title,
                           message: "GET \(e.path) redirects in a loop: \(chain.text)\(more). No client, with or without the key, gets an answer "
                               + "from \(target.serviceName) there, so the key cannot even be tried. Fix the redirect (a proxy that adds a trailing "
                               + "slash in front of an app that strips it, an http→https redirect behind a TLS-terminating proxy), or point the "
                               + "caller at the address the service really answers on.",
                           evidence: loops.map(evidence), link: link, facts: facts.merging(["redirect_chain": chain.text]) { a, _ in a })
        }
        var crossing: [(ProbeExchange, String)] = []
        var within: [(ProbeExchange, String)] = []
        var seen = Set<String>()
        for e in answered {
            guard let r = e.response, (300..<400).contains(r.status), let location = r.header("Location"), !seen.contains(e.path) else { continue }
            seen.insert(e.path)
            let shown = Redact.url(redact(location))
            let resolved = URL(string: shown, relativeTo: URL(string: e.url))?.absoluteURL.absoluteString ?? shown
            if Self.origin(resolved) == Self.origin(e.url) { within.append((e, resolved)) } else { crossing.append((e, resolved)) }
        }
        let shown = (crossing + within).map { evidence($0.0) }
        if let (e, to) = crossing.first {
            let status = e.response?.status ?? 0
            let newOrigin = Self.displayOrigin(to) ?? to
            let message = "GET \(e.path) answers \(status) → \(to), another origin. HTTP clients drop the Authorization header when a redirect "
                + "leaves the origin (fetch in Node and browsers, Go's net/http for another host, curl), so the request arrives there without the "
                + "key and is refused with 401 `Missing Authorization header`. Point the caller's URL at \(newOrigin) directly."
            return Finding(check: .probeRedirect, status: .fail, cause: .redirectDropsAuth, title: title, message: message,
                           evidence: shown, link: link, facts: facts.merging(["redirect_to": newOrigin]) { a, _ in a })
        }
        if let (e, to) = within.first {
            return Finding(check: .probeRedirect, status: .pass, title: title,
                           message: "GET \(e.path) redirects within the same origin (to \(to)); clients keep the Authorization header there.",
                           evidence: shown, link: link, facts: facts)
        }
        return Finding(check: .probeRedirect, status: .pass, title: title, message: "No protected path redirects.", link: link, facts: facts)
    }

    /// `scheme://host`, with the port only when it is not the scheme's default.
    static func displayOrigin(_ url: String) -> String? {
        guard let c = URLComponents(string: url), let scheme = c.scheme?.lowercased(), let host = c.host?.lowercased() else { return nil }
        let standard = (scheme == "https" && c.port == 443) || (scheme == "http" && c.port == 80)
        return "\(scheme)://\(host)" + (c.port.map { standard ? "" : ":\($0)" } ?? "")
    }

    /// `scheme://host:port`, with the default port made explicit, for comparing origins.
    static func origin(_ url: String) -> String? { HTTPClient.origin(of: url) }
}
