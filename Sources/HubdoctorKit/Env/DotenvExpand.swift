/// dotenv-expand as `@next/env` runs it after each file's `parse`: the right-most unescaped `$`
/// is expanded first and the result expanded again; `${VAR:-default}`; `\$` becomes `$` at the end.
/// The values it looks up come from the process environment first (where Next.js has already
/// put the higher-priority files' variables), then from the file itself, then the default.
public enum DotenvExpand {
    static let maxDepth = 500

    /// Expands one parsed document. `processEnv` plays the role of `process.env`: it is read first
    /// and, as dotenv-expand does, receives this file's variables afterwards.
    static func expand(_ raw: EnvDocument, processEnv: [String: String]) -> EnvDocument {
        var env = processEnv
        return expand(raw, processEnv: &env)
    }

    static func expand(_ raw: EnvDocument, processEnv env: inout [String: String]) -> EnvDocument {
        var doc = raw
        doc.dialect = .next
        guard raw.error == nil else { return doc }
        let variables = raw.variables
        var parsed: [String: String] = [:]
        for v in variables { parsed[v.name] = v.value.text }
        var expanded: [String: String] = [:]
        for name in jsPropertyOrder(variables.map(\.name)) {
            let own = parsed[name] ?? ""
            var value: String
            if let inEnv = env[name], inEnv != own {
                // The process environment (or a higher-priority file) already holds another value.
                value = inEnv
            } else {
                guard let v = interpolate(own, env: env, parsed: parsed, depth: 0) else {
                    let line = variables.first { $0.name == name }?.line ?? 1
                    doc.entries = []
                    doc.error = EnvParseError(line: line, reason: "the expansion of \(name) never ends (a variable refers to itself); Next.js fails to load this file")
                    return doc
                }
                value = v
            }
            value = value.replacingOccurrences(of: "\\$", with: "$")
            parsed[name] = value
            expanded[name] = value
        }
        for name in variables.map(\.name) { env[name] = expanded[name] }
        doc.entries = raw.entries.map { entry in
            var e = entry
            // Every definition of a name reports the delivered value; only the last one counts.
            if let v = expanded[entry.name] { e.value = SecretValue(v) }
            return e
        }
        return doc
    }

    /// `for (key in object)`: integer-like keys first in numeric order, then insertion order.
    static func jsPropertyOrder(_ names: [String]) -> [String] {
        func arrayIndex(_ s: String) -> UInt32? {
            guard let n = UInt32(s), n < UInt32.max, String(n) == s else { return nil }
            return n
        }
        let indices = names.compactMap { n in arrayIndex(n).map { (n, $0) } }.sorted { $0.1 < $1.1 }.map(\.0)
        return indices + names.filter { arrayIndex($0) == nil }
    }

    /// Returns nil when the expansion does not terminate.
    static func interpolate(_ value: String, env: [String: String], parsed: [String: String], depth: Int) -> String? {
        if depth > maxDepth { return nil }
        let c = Array(value.unicodeScalars)
        var last = -1
        for i in c.indices where c[i] == "$" && (i == 0 || c[i - 1] != "\\") { last = i }
        guard last >= 0 else { return value }
        var j = last + 1
        let braced = j < c.count && c[j] == "{"
        if braced { j += 1 }
        let nameStart = j
        while j < c.count, isWord(c[j]) { j += 1 }
        guard j > nameStart else { return value }
        let name = String(String.UnicodeScalarView(c[nameStart..<j]))
        var defaultValue = ""
        if j + 1 < c.count, c[j] == ":", c[j + 1] == "-" {
            var k = j + 2
            while k < c.count, c[k] != "}", c[k] != "\\" { k += 1 }
            defaultValue = String(String.UnicodeScalarView(c[(j + 2)..<k]))
            j = k
        }
        if j < c.count, c[j] == "}" { j += 1 }
        let group = Array(c[last..<j])
        let replacement = [env[name], parsed[name], defaultValue].lazy.compactMap { $0 }.first { !$0.isEmpty } ?? ""
        let next = jsReplaceFirst(c, needle: group, replacement: Array(replacement.unicodeScalars))
        return interpolate(String(String.UnicodeScalarView(next)), env: env, parsed: parsed, depth: depth + 1)
    }

    static func isWord(_ c: Unicode.Scalar) -> Bool {
        switch c {
        case "a"..."z", "A"..."Z", "0"..."9", "_": return true
        default: return false
        }
    }

    /// `String.prototype.replace(string, string)`: the first occurrence, with `$$`, `$&`, `` $` ``
    /// and `$'` in the replacement interpreted as JavaScript does.
    static func jsReplaceFirst(_ haystack: [Unicode.Scalar], needle: [Unicode.Scalar], replacement: [Unicode.Scalar]) -> [Unicode.Scalar] {
        guard !needle.isEmpty, haystack.count >= needle.count else { return haystack }
        var at = -1
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] && Array(haystack[i..<(i + needle.count)]) == needle {
            at = i
            break
        }
        guard at >= 0 else { return haystack }
        let before = Array(haystack[..<at]), after = Array(haystack[(at + needle.count)...])
        var sub: [Unicode.Scalar] = []
        var i = 0
        while i < replacement.count {
            if replacement[i] == "$", i + 1 < replacement.count {
                switch replacement[i + 1] {
                case "$": sub.append("$"); i += 2; continue
                case "&": sub.append(contentsOf: needle); i += 2; continue
                case "`": sub.append(contentsOf: before); i += 2; continue
                case "'": sub.append(contentsOf: after); i += 2; continue
                default: break
                }
            }
            sub.append(replacement[i])
            i += 1
        }
        return before + sub + after
    }
}
