/// Copy-paste `curl` commands that repeat a probe. A key appears only as a shell variable.
enum CurlLine {
    enum Credential {
        case none
        case bearerVariable(String)
        case literal(String)
    }

    static func make(_ method: String, _ url: String, _ credential: Credential, timeout: Double) -> String {
        var parts = ["curl", "-sS", "-i", "--max-time", timeout == timeout.rounded() ? String(Int(timeout)) : String(timeout)]
        if method != "GET" { parts += ["-X", method] }
        switch credential {
        case .none: break
        case .bearerVariable(let name): parts += ["-H", "\"Authorization: Bearer $\(name)\""]
        case .literal(let value): parts += ["-H", quote("Authorization: " + value)]
        }
        parts.append(quote(Redact.url(url)))
        return parts.joined(separator: " ")
    }

    /// Single quotes keep `$`, `&` and `?` in a URL away from the shell.
    static func quote(_ s: String) -> String {
        "'" + s.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}
