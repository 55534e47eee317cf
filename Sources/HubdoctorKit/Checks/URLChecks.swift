import Foundation

/// Offline checks on the URL the caller uses: does it fit the run mode, and does it carry the
/// key in clear text over the network.
public enum URLChecks {
    static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased()
        return h == "localhost" || h.hasSuffix(".localhost") || h.hasPrefix("127.") || h == "::1" || h == "[::1]"
    }

    public static func evaluate(_ r: LinkReadings) -> [Finding] {
        let facts = r.facts
        let urlVar = r.link.url?.variableName ?? "url"
        let title = "\(r.link.caller.name)'s \(urlVar) fits the run mode"
        func make(_ check: CheckID, _ status: Status, _ cause: Cause?, _ title: String, _ message: String, _ evidence: [Evidence] = []) -> Finding {
            Finding(check: check, status: status, cause: cause, title: title, message: message, evidence: evidence, link: r.link.name, facts: facts)
        }
        guard let text = r.effectiveURL else {
            let whereLooked = r.url?.whereLabel ?? "the config"
            return [make(.urlMode, .skip, nil, title, "\(urlVar) is not set in \(whereLooked); probes need --hub-url.")]
        }
        let shown = Redact.url(text)
        let origin = r.urlOverride != nil ? "--hub-url" : (r.url?.origin?.label ?? "config")
        let evidence = [Evidence(source: origin, var: urlVar, detail: shown, file: r.url?.origin?.display, line: r.url?.origin?.line)]
        guard let c = URLComponents(string: text), let scheme = c.scheme?.lowercased(), let host = c.host, !host.isEmpty else {
            return [make(.urlMode, .fail, .hubUnreachable, title, "\(urlVar) = \(shown) (\(origin)) is not a valid URL: the caller cannot reach anything with it.", evidence)]
        }
        guard scheme == "http" || scheme == "https" else {
            return [make(.urlMode, .fail, .hubUnreachable, title, "\(urlVar) = \(shown) (\(origin)) uses the scheme \(scheme):, which an HTTP client cannot call; use http:// or https://.", evidence)]
        }
        var out: [Finding] = []
        let expected = r.link.expectedURL.map { " Use \($0) in \(r.link.mode?.rawValue ?? "this") mode." } ?? ""
        switch r.link.mode {
        case .native? where r.link.composeHosts.contains(host.lowercased()):
            out.append(make(.urlMode, .fail, .urlModeMismatch, title,
                            "\(urlVar) = \(shown) (\(origin)) names the Compose service \(host), which only resolves inside the Compose network; in " +
                                "native mode \(r.link.caller.name) runs on the host, where DNS cannot find it.\(expected)", evidence))
        case .docker? where isLoopback(host):
            out.append(make(.urlMode, .fail, .urlModeMismatch, title,
                            "\(urlVar) = \(shown) (\(origin)) points at \(host), which inside \(r.link.caller.name)'s container is the container " +
                                "itself, not \(r.link.service.name).\(expected)", evidence))
        default:
            let modeText = r.link.mode.map { " in \($0.rawValue) mode" } ?? ""
            out.append(make(.urlMode, .pass, nil, title, "\(urlVar) = \(shown) (\(origin)) fits\(modeText).", evidence))
        }
        let onNetwork = !isLoopback(host) && !r.link.composeHosts.contains(host.lowercased())
        if scheme == "http", onNetwork {
            out.append(make(.urlTransport, .warn, .cleartextBearer, "The key does not travel in clear text",
                            "\(urlVar) = \(shown) sends the bearer key over plain HTTP to \(host), a host other than loopback: " +
                                "anyone on the path can read it. Use https://.", evidence))
        } else {
            out.append(make(.urlTransport, .pass, nil, "The key does not travel in clear text",
                            scheme == "https" ? "\(shown) uses TLS." : "\(shown) stays on loopback or the Compose network.", evidence))
        }
        return out
    }
}
