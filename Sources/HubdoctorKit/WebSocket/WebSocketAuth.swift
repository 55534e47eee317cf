import Foundation

/// How a WebSocket client presents its key (the contract's `probes.websocket.auth`).
public enum WebSocketAuth: Sendable, Equatable, CustomStringConvertible {
    /// A text frame sent right after the upgrade; `{{key}}` in the template is replaced by the
    /// key, in memory only. Reports show the template, never the filled frame.
    case message(template: String)
    /// `Authorization: Bearer <key>` on the upgrade request.
    case header
    /// The key as the query parameter `name` of the upgrade request.
    case query(name: String)

    public static let placeholder = "{{key}}"

    /// What was sent, in words, with the key as a variable or a placeholder only.
    public var description: String {
        switch self {
        case .message(let template): return "auth frame \(template)"
        case .header: return "Authorization: Bearer <key> on the upgrade"
        case .query(let name): return "query parameter \(name)=<key> on the upgrade"
        }
    }

    /// The same, naming the shell variable that holds the key (`$API_KEY`).
    func described(keyEnv: String) -> String {
        switch self {
        case .message(let template): return "auth frame \(template)"
        case .header: return "upgrade with Authorization: Bearer $\(keyEnv)"
        case .query(let name): return "upgrade with ?\(name)=$\(keyEnv)"
        }
    }

    /// The frame to send for `key`. A template that reads as JSON gets the key JSON-escaped, as
    /// a client that builds the frame with a JSON encoder sends it.
    static func fill(_ template: String, key: String) -> String {
        let trimmed = template.trimmingCharacters(in: .whitespaces)
        let jsonLike = trimmed.hasPrefix("{") || trimmed.hasPrefix("[")
        return template.replacingOccurrences(of: placeholder, with: jsonLike ? jsonEscaped(key) : key)
    }

    static func jsonEscaped(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// Whether a template that is JSON names `field` at its top level (for `project_dir`).
    static func templateNames(_ template: String, field: String) -> Bool? {
        let probe = template.replacingOccurrences(of: placeholder, with: "x")
        guard let object = (try? JSONSerialization.jsonObject(with: Data(probe.utf8))) as? [String: Any] else { return nil }
        return object[field] != nil
    }
}
