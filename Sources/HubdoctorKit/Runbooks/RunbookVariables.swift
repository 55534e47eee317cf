/// The variables a runbook step may use: the facts a finding carries (`LinkReadings.facts`) and
/// the ones derived here from the finding itself. `runbook lint` refuses any other name, so a
/// check that adds a fact adds it to `vocabulary` too.
public enum RunbookVariables {
    public struct Variable: Sendable, Equatable {
        public var name: String
        public var meaning: String
        /// A whole command (a restart) or a list of words (several files): pasted into a shell
        /// command as is, never quoted as one word.
        public var isRaw: Bool

        init(_ name: String, _ meaning: String, raw: Bool = false) {
            self.name = name
            self.meaning = meaning
            self.isRaw = raw
        }
    }

    static let sideFields: [(String, String, Bool)] = [
        ("name", "display name (Core, Hub, routing)", false),
        ("var", "the variable or key that holds its key", false),
        ("file", "the file its key comes from, relative to the root where possible", false),
        ("path", "that file as an absolute path, for commands (file sources only)", false),
        ("line", "the line that defines the key", false),
        ("location", "file:line, or the file when the line is unknown", false),
        ("source", "where the value came from, as a label", false),
        ("files", "every file considered, in the reader's order, separated by spaces", true),
        ("shadowed", "definitions in other files that lost to this one (file:line, ...)", false),
        ("kind", "the kind of source: env, secret, yaml, compose, process, environment, literal, kube (a live Secret)", false),
        ("dialect", "the .env reader that reads its file: next, dotenv, godotenv, compose (env sources only)", false),
        ("secret", "the Kubernetes Secret's metadata.name (secret sources only)", false),
        ("compose_service", "its Docker Compose service name (docker mode)", false),
        ("restart", "how to restart it in this mode", true),
        ("pid", "its running process, when given", false),
    ]

    /// Values a `when:` condition may compare with, for variables whose values are a closed set:
    /// a typo there would otherwise make a step silently never apply.
    public static let domains: [String: [String]] = {
        var d: [String: [String]] = [
            "mode": RunMode.allCases.map(\.rawValue),
            "side": [Role.caller.rawValue, Role.service.rawValue],
            "cause": Cause.allCases.map(\.rawValue),
            "websocket.auth": ["message", "header", "query"],
            "check": CheckID.allCases.map(\.rawValue),
            "holder.kind": ["kube"],
        ]
        for prefix in ["caller", "service", "side", "other"] {
            d["\(prefix).kind"] = KeySource.kinds
            d["\(prefix).dialect"] = Dialect.allCases.map(\.rawValue)
        }
        return d
    }()

    public static let vocabulary: [Variable] = {
        var all: [Variable] = [
            Variable("link", "the caller→service link's name"),
            Variable("root", "the layout root, absolute"),
            Variable("config", "the hubdoctor.yaml given with --config, absolute"),
            Variable("hubdoctor_flags", "the flags that reach the same link again: --config FILE, or --root DIR --mode MODE (check, fix, rotate, verify-rotation)", raw: true),
            Variable("hubdoctor_layout_flags", "the same without --mode (capture)", raw: true),
            Variable("mode", "the run mode assumed: native or docker"),
            Variable("mode_reason", "why that mode was assumed"),
            Variable("restart", "one command that restarts both sides in this mode", raw: true),
            Variable("key_env", "a shell variable name for the key, for commands (`$API_KEY`)"),
            Variable("url", "the service URL the caller uses (credentials removed)"),
            Variable("url.var", "the variable that holds that URL"),
            Variable("url.file", "the file that defines that URL"),
            Variable("url.line", "its line"),
            Variable("url.location", "file:line of the URL's definition"),
            Variable("expected_url", "the URL the caller should use in this mode"),
            Variable("health_url", "the service's public health URL"),
            Variable("protected_url", "a protected URL of the service"),
            Variable("expected_health_url", "the health URL at the URL this mode expects"),
            Variable("expected_protected_url", "a protected URL at the URL this mode expects"),
            Variable("check", "the check id of the finding"),
            Variable("cause", "the finding's cause id"),
            Variable("runbook", "the runbook's id"),
            Variable("count", "how many times it happened (log groups)"),
            Variable("side", "caller or service: the side the finding is about"),
            Variable("http.status", "the HTTP status the service answered"),
            Variable("http.method", "the probe's method"),
            Variable("http.url", "the URL probed"),
            Variable("http.retry_after", "the Retry-After header of the answer"),
            Variable("http.www_authenticate", "the WWW-Authenticate header of the answer"),
            Variable("http.location", "the Location header of a redirect"),
            Variable("websocket.url", "the WebSocket URL probed (a key in its query shown as the variable that holds it)"),
            Variable("websocket.path", "the WebSocket endpoint's path"),
            Variable("websocket.auth", "how the key is presented there: message, header or query"),
            Variable("websocket.upgrade_status", "the HTTP status that answered the upgrade (101 when upgraded)"),
            Variable("websocket.close_code", "the close code the service sent (4001)"),
            Variable("websocket.reason", "the close reason (or the error frame's reason), cleaned of keys and control characters"),
            Variable("websocket.frame_type", "the type of the service's first (error) frame (auth_error)"),
            Variable("holder.kind", "what holds the key in a holders finding: kube (a pod's container)"),
            Variable("holder.pod", "the pod (holders findings about a cluster)"),
            Variable("holder.container", "the container in that pod"),
            Variable("holder.workload", "the workload that owns the pod (deployment/routing)"),
            Variable("holder.restart", "the command that restarts that workload (kubectl … rollout restart deployment/routing)", raw: true),
            Variable("holder.kubectl", "kubectl with the holder's --context and -n", raw: true),
            Variable("evidence.file", "the file the first evidence points at"),
            Variable("evidence.line", "its line"),
            Variable("evidence.location", "file:line of the first evidence"),
            Variable("evidence.detail", "what the first evidence says (redacted)"),
        ]
        for (prefix, who) in [("caller", "the caller"), ("service", "the service"),
                              ("side", "the side the finding is about"), ("other", "the other side")] {
            for (field, meaning, raw) in sideFields {
                all.append(Variable("\(prefix).\(field)", "\(who): \(meaning)", raw: raw))
            }
        }
        return all
    }()

    static let byName: [String: Variable] = Dictionary(uniqueKeysWithValues: vocabulary.map { ($0.name, $0) })

    public static func isKnown(_ name: String) -> Bool { byName[name] != nil }

    public static let rawNames: Set<String> = Set(vocabulary.filter(\.isRaw).map(\.name))

    /// Every value a step about `finding` can use. None of them is a key: facts never hold one,
    /// and evidence contributes only locations, statuses and headers that carry no credential.
    public static func values(for finding: Finding) -> [String: String] {
        var v = finding.facts.filter { !$0.value.isEmpty }
        v["check"] = finding.check.rawValue
        if let cause = finding.cause { v["cause"] = cause.rawValue }
        if let runbook = finding.runbook { v["runbook"] = runbook }
        if let count = finding.count { v["count"] = String(count) }
        v["hubdoctor_flags"] = flags(v, withMode: true)
        v["hubdoctor_layout_flags"] = flags(v, withMode: false)
        if let file = v["url.file"] {
            v["url.location"] = v["url.line"].map { "\(file):\($0)" } ?? file
        }
        for prefix in ["caller", "service"] {
            if let file = v["\(prefix).file"] {
                v["\(prefix).location"] = v["\(prefix).line"].map { "\(file):\($0)" } ?? file
                if let kind = v["\(prefix).kind"], KeySource.fileKinds.contains(kind) {
                    v["\(prefix).path"] = file.hasPrefix("/") ? file : (v["root"].map { $0 + "/" + file } ?? file)
                }
            }
        }
        if let side = v["side"] ?? side(of: finding.check), let role = Role(rawValue: side) {
            v["side"] = role.rawValue
            let other = role == .caller ? Role.service : Role.caller
            for (field, _, _) in sideFields {
                v["side.\(field)"] = v["\(role.rawValue).\(field)"]
                v["other.\(field)"] = v["\(other.rawValue).\(field)"]
            }
        }
        if let http = finding.evidence.lazy.compactMap(\.http).first {
            v["http.method"] = http.method
            v["http.url"] = Redact.url(http.url)
            v["http.status"] = http.status.map(String.init)
            v["http.retry_after"] = http.retryAfter
            v["http.www_authenticate"] = http.wwwAuthenticate
            v["http.location"] = http.location.map(Redact.url)
        }
        if let e = finding.evidence.first(where: { $0.file != nil }), let file = e.file {
            v["evidence.file"] = file
            v["evidence.line"] = e.line.map(String.init)
            v["evidence.location"] = e.line.map { "\(file):\($0)" } ?? file
            v["evidence.detail"] = e.detail
        }
        return v.filter { !$0.value.isEmpty }
    }

    /// The flags that make another hubdoctor command read the same links as this finding's.
    static func flags(_ v: [String: String], withMode: Bool) -> String? {
        let quoting = ShellQuoting()
        if let config = v["config"] { return "--config " + quoting.quote(config) }
        guard let root = v["root"] else { return nil }
        let mode = withMode ? v["mode"].map { " --mode \($0)" } ?? "" : ""
        return "--root " + quoting.quote(root) + mode
    }

    /// `keys.caller.format`, `source.service`: the side a check id names, if any.
    static func side(of check: CheckID) -> String? { check.role?.rawValue }
}
