import Foundation

/// Everything read for one link, handed to every check: the spec and what each source delivered.
public struct LinkReadings: Sendable {
    public var link: LinkSpec
    public var caller: KeyReading
    public var service: KeyReading
    public var url: KeyReading?
    /// The address the service side declares (`service.url:`), read like `url`.
    public var serviceURL: KeyReading? = nil
    /// `--hub-url`, which overrides the URL the caller is configured with.
    public var urlOverride: String?
    public var resolver: SourceResolver
    /// What the running processes hold (`--caller-pid`, `--service-pid`, or a side's `process:`).
    public var callerProcess: KeyReading? = nil
    public var serviceProcess: KeyReading? = nil
    /// `copies:` of each side's key, read like the key, in the order of the config.
    public var callerCopies: [KeyReading] = []
    public var serviceCopies: [KeyReading] = []

    /// The URL probes go to: the override, or the caller's configured one.
    public var effectiveURL: String? {
        if let urlOverride { return urlOverride }
        return url?.usableValue?.text
    }

    /// The values runbook steps are filled in with. Never a key.
    public var facts: [String: String] {
        var f: [String: String] = ["link": link.name, "root": resolver.root]
        if let m = link.mode { f["mode"] = m.rawValue }
        if let r = link.modeReason { f["mode_reason"] = r }
        for (prefix, side, reading) in [("caller", link.caller, caller), ("service", link.service, service)] {
            f["\(prefix).name"] = side.name
            f["\(prefix).var"] = side.key.variableName
            let origin = reading.origin ?? reading.considered.first
            f["\(prefix).file"] = origin?.display ?? side.key.files.first ?? side.key.description
            f["\(prefix).source"] = reading.origin?.label ?? f["\(prefix).file"]
            f["\(prefix).line"] = reading.origin?.line.map(String.init) ?? ""
            f["\(prefix).files"] = (reading.considered.isEmpty ? side.key.files : reading.considered.map(\.display)).joined(separator: " ")
            let lost = reading.shadowed.filter { $0.origin.path != reading.origin?.path }.map(\.origin.label)
            if !lost.isEmpty { f["\(prefix).shadowed"] = lost.joined(separator: ", ") }
            f["\(prefix).kind"] = side.key.kind
            if case .env(_, _, let dialect) = side.key { f["\(prefix).dialect"] = dialect.rawValue }
            if let s = side.key.secretName { f["\(prefix).secret"] = s }
            if let c = side.composeService ?? side.key.composeServiceName { f["\(prefix).compose_service"] = c }
            if let r = side.restart { f["\(prefix).restart"] = r }
            if let p = side.process { f["\(prefix).pid"] = String(p) }
        }
        f["restart"] = link.restartCommand ?? ""
        // With the service's keys in its own store, the caller's variable names the key.
        f["key_env"] = shellName((link.service.key == .keyStore ? link.caller.key : link.service.key).variableName)
        if let url = effectiveURL { f["url"] = Redact.url(url) }
        if let e = link.expectedURL { f["expected_url"] = e }
        let base = (effectiveURL.map(Redact.url) ?? link.expectedURL ?? "").trimmingSuffix("/")
        if !base.isEmpty {
            f["health_url"] = base + (link.probes.health ?? "/health")
            f["protected_url"] = base + (link.probes.protected.first ?? "/")
        }
        if let e = link.expectedURL?.trimmingSuffix("/") {
            f["expected_health_url"] = e + (link.probes.health ?? "/health")
            f["expected_protected_url"] = e + (link.probes.protected.first ?? "/")
        }
        if let u = link.url { f["url.var"] = u.variableName }
        if urlOverride == nil, let origin = url?.origin, origin.path != nil {
            f["url.file"] = origin.display
            if let line = origin.line { f["url.line"] = String(line) }
        }
        return f
    }

    /// A variable name that is safe in a shell (`GITEA_MCP_TOKEN`, or `KEY` for a YAML path).
    func shellName(_ name: String) -> String {
        let cleaned = String(name.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" })
        return cleaned.first.map { $0.isNumber } ?? true ? "KEY" : cleaned
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        var s = self
        while !suffix.isEmpty, s.hasSuffix(suffix) { s.removeLast(suffix.count) }
        return s
    }
}

/// Redaction of the few non-key values hubdoctor shows.
public enum Redact {
    /// The value a masked credential is shown as.
    public static let mask = "REDACTED"

    /// A URL with any `user:password@` removed, and the values of query (and fragment)
    /// parameters whose names suggest a credential (`?api_key=…`, `token`, `access_token`,
    /// `bearer`, `sig`, `password`, `auth`, …) masked. Every URL hubdoctor prints goes through it.
    public static func url(_ text: String) -> String {
        guard var c = URLComponents(string: text) else {
            // Unparsable (a password with a space or `%` in it, say): cut by hand whatever could
            // be a credential — the userinfo, the whole query and the fragment.
            var out = text.replacingOccurrences(of: #"://[^/?#]*@"#, with: "://", options: .regularExpression)
            if let h = out.firstIndex(of: "#") { out = String(out[..<h]) + "#" + mask }
            if let q = out.firstIndex(of: "?") {
                let end = out.firstIndex(of: "#") ?? out.endIndex
                out.replaceSubrange(q..<end, with: "?" + mask)
            }
            return out
        }
        var changed = false
        if c.user != nil || c.password != nil {
            c.user = nil
            c.password = nil
            changed = true
        }
        if let items = c.queryItems, let masked = maskedItems(items) {
            c.queryItems = masked
            changed = true
        }
        // OAuth's implicit flow puts `access_token=…` in the fragment.
        if let fragment = c.percentEncodedFragment, fragment.contains("=") {
            var f = URLComponents()
            f.percentEncodedQuery = fragment
            if let items = f.queryItems, let masked = maskedItems(items) {
                f.queryItems = masked
                c.percentEncodedFragment = f.percentEncodedQuery
                changed = true
            }
        }
        return changed ? (c.string ?? text) : text
    }

    /// A request target (`/path?query`) as a listener received it, with credential-named query
    /// parameters masked.
    public static func target(_ text: String) -> String {
        guard text.contains("?") || text.contains("#") else { return text }
        let shown = url("http://target.invalid" + (text.hasPrefix("/") ? "" : "/") + text)
        guard shown.hasPrefix("http://target.invalid") else { return text.split(separator: "?").first.map { $0 + "?" + mask } ?? mask }
        return String(shown.dropFirst("http://target.invalid".count))
    }

    /// The credentials a URL carries (its userinfo, the values of credential-named query and
    /// fragment parameters), to be scrubbed from all output like keys.
    public static func credentials(in text: String) -> [String] {
        guard let c = URLComponents(string: text) else { return [] }
        var out: [String] = []
        if let p = c.password, !p.isEmpty { out += [p, c.percentEncodedPassword ?? p] }
        if c.password == nil, let u = c.user, !u.isEmpty { out += [u, c.percentEncodedUser ?? u] }
        var items = c.queryItems ?? []
        if let fragment = c.percentEncodedFragment {
            var f = URLComponents()
            f.percentEncodedQuery = fragment
            items += f.queryItems ?? []
        }
        for item in items where isCredentialName(item.name) {
            if let v = item.value, !v.isEmpty { out.append(v) }
        }
        return Array(Set(out))
    }

    static func maskedItems(_ items: [URLQueryItem]) -> [URLQueryItem]? {
        guard items.contains(where: { isCredentialName($0.name) && !($0.value ?? "").isEmpty }) else { return nil }
        return items.map { isCredentialName($0.name) && !($0.value ?? "").isEmpty ? URLQueryItem(name: $0.name, value: mask) : $0 }
    }

    static let credentialWords = ["key", "token", "secret", "password", "passwd", "pwd", "pass", "auth", "signature", "sig",
                                  "bearer", "jwt", "session", "cred", "private", "ticket", "otp"]

    static func isCredentialName(_ name: String) -> Bool {
        let n = name.lowercased()
        return credentialWords.contains { n.contains($0) }
    }
}
