import Foundation

/// `--fault echo-key`: a 401 that repeats the credential it got in every way services have been
/// seen to, so that tests can prove none of it reaches hubdoctor's output. Test keys only: the
/// sandbox serves loopback.
enum SandboxEcho {
    static func answer(echoing header: String) -> ListenerResponse {
        let credential = header.hasPrefix("Bearer ") ? String(header.dropFirst("Bearer ".count)) : header
        let forms = encodings(of: credential)
        var fields: [String] = []
        for (name, value) in forms.sorted(by: { $0.key < $1.key }) {
            // The `json` form is escaped already.
            let escaped = name == "json" ? value : jsonEscaped(value)
            fields.append("\"\(name)\":\"\(escaped)\"")
        }
        let prefix = forms["prefix"] ?? ""
        let body = "{\"error\":\"Invalid API key \(jsonEscaped(prefix))... (\(forms["base64"] ?? ""))\",\"received\":{\(fields.joined(separator: ","))}}"
        return .json(401, body, headers: [
            // Header values cannot hold a line break; a key that has one is sent base64url only.
            ListenerHeader("Retry-After", credential.contains(where: \.isNewline) ? (forms["base64url"] ?? "") : credential),
            ListenerHeader("WWW-Authenticate", "Bearer realm=\"hub\", error=\"invalid_token\", error_description=\"unknown key \(forms["percent"] ?? "")\""),
        ])
    }

    /// The credential as a prefix (its first two thirds), base64, base64url, every byte
    /// percent-encoded, every UTF-16 unit as `\uXXXX`, every character as `&#N;`.
    static func encodings(of credential: String) -> [String: String] {
        let bytes = Data(credential.utf8)
        let b64 = bytes.base64EncodedString()
        return [
            "prefix": String(credential.prefix(max(10, credential.count * 2 / 3))),
            "base64": b64,
            "base64url": b64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: ""),
            "percent": bytes.map { String(format: "%%%02X", $0) }.joined(),
            "json": credential.utf16.map { String(format: "\\u%04x", $0) }.joined(),
            "xml": credential.unicodeScalars.map { "&#\($0.value);" }.joined(),
        ]
    }

    static func jsonEscaped(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where c.value < 0x20: out += String(format: "\\u%04x", c.value)
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
