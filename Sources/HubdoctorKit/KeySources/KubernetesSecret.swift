import Foundation
import Yams

/// A Kubernetes Secret found in a YAML stream by `metadata.name`, and its keys as the kubelet
/// delivers them: `data` is base64, `stringData` is plain text and wins over `data`.
struct KubernetesSecret {
    /// The mapping of the Secret object.
    var node: Node
    /// The line of `metadata.name` (or of the object).
    var line: Int?
    /// True when the name itself is SOPS-encrypted and the Secret was matched by its keys.
    var matchedByKey = false

    enum Lookup {
        case found(KubernetesSecret, others: [KubernetesSecret])
        /// No Secret of that name; the names of the Secrets that are there.
        case missing(names: [String])
    }

    /// The objects of a stream: each document, and the items of a `kind: List` (or `SecretList`).
    static func objects(_ documents: [Node]) -> [Node] {
        var out: [Node] = []
        for doc in documents {
            if let kind = doc.child("kind")?.text, kind == "List" || kind.hasSuffix("List"),
               case .sequence(let items)? = doc.child("items") {
                out += items
            } else {
                out.append(doc)
            }
        }
        return out
    }

    static func isSecret(_ node: Node) -> Bool { node.child("kind")?.text == "Secret" }

    /// The Secret named `name`. Several of the same name: the last one, which `kubectl apply`
    /// leaves in place. With SOPS-encrypted names, the one encrypted-name Secret holding `key`.
    static func find(_ name: String, key: String, in documents: [Node]) -> Lookup {
        let secrets = objects(documents).filter(isSecret)
        func make(_ s: Node, byKey: Bool = false) -> KubernetesSecret {
            let nameNode = s.child("metadata")?.child("name")
            return KubernetesSecret(node: s, line: nameNode?.line ?? s.line, matchedByKey: byKey)
        }
        let named = secrets.filter { $0.child("metadata")?.child("name")?.text == name }
        if let last = named.last {
            return .found(make(last), others: named.dropLast().map { make($0) })
        }
        let encryptedNames = secrets.filter { $0.child("metadata")?.child("name")?.text?.hasPrefix("ENC[") == true }
        let holding = encryptedNames.filter { $0.child("data")?.child(key) != nil || $0.child("stringData")?.child(key) != nil }
        if holding.count == 1 { return .found(make(holding[0], byKey: true), others: []) }
        return .missing(names: secrets.compactMap { $0.child("metadata")?.child("name")?.text })
    }

    /// Where `key` is defined: `stringData` overrides `data`, as the API server merges them.
    struct Entry {
        var field: String
        var value: Node
        var keyLine: Int?
        /// The `data` definition that `stringData` overrides.
        var overriddenLine: Int?
    }

    func entry(_ key: String) -> Entry? {
        let data = node.child("data"), stringData = node.child("stringData")
        if let v = stringData?.child(key) {
            return Entry(field: "stringData", value: v, keyLine: stringData?.keyNode(key)?.line,
                         overriddenLine: data?.child(key) != nil ? data?.keyNode(key)?.line : nil)
        }
        if let v = data?.child(key) {
            return Entry(field: "data", value: v, keyLine: data?.keyNode(key)?.line)
        }
        return nil
    }

    /// The key names the Secret defines, for "it has A, B" hints (names are not secret).
    var keyNames: [String] {
        var names: [String] = []
        for field in ["data", "stringData"] {
            if case .mapping(let m)? = node.child(field) {
                names += m.compactMap { $0.key.text }.filter { !names.contains($0) }
            }
        }
        return names
    }

    enum Decoded {
        case value([UInt8], notes: [String])
        case invalid(String)
    }

    /// The bytes the container gets for an entry. `data` must be base64 as Go's decoder takes
    /// it: the standard alphabet with padding; line breaks are skipped (so wrapped base64 still
    /// works, and is reported), anything else is refused, as `kubectl apply` refuses it.
    static func decode(_ entry: Entry) -> Decoded {
        guard case .scalar = entry.value else {
            return .invalid("\(entry.field) value is \(entry.value.kindName), not a string")
        }
        if entry.value.isNull { return .value([], notes: ["Its \(entry.field) value is null, which Kubernetes stores as an empty value"]) }
        let text = entry.value.text ?? ""
        guard entry.field == "data" else { return .value(Array(text.utf8), notes: []) }
        var notes: [String] = []
        let chars = Array(text.unicodeScalars)
        if chars.contains(where: { $0 == "\n" || $0 == "\r" }) {
            notes.append("Its base64 in data is wrapped over several lines (made with `base64` without `-w0`); Kubernetes skips the line breaks")
        }
        let compact = chars.filter { $0 != "\n" && $0 != "\r" }
        if let why = Base64Check.problem(compact) { return .invalid("data value is not valid base64: \(why)") }
        guard let data = Data(base64Encoded: String(String.UnicodeScalarView(compact))) else {
            return .invalid("data value is not valid base64")
        }
        let bytes = [UInt8](data)
        if let last = bytes.last, last == 0x0A || last == 0x0D {
            notes.append("Its base64 in data decodes to a value that ends with a line break: it was encoded from `echo` output; encode it with `printf " +
                "%s \"$KEY\" | base64 -w0`, or use `kubectl create secret generic --from-literal`")
        }
        return .value(bytes, notes: notes)
    }
}

/// Why a base64 text would be refused, in words that never quote it.
enum Base64Check {
    static func problem(_ chars: [Unicode.Scalar]) -> String? {
        for (i, c) in chars.enumerated() {
            let ok = ("A"..."Z").contains(c) || ("a"..."z").contains(c) || ("0"..."9").contains(c) || c == "+" || c == "/" || c == "="
            if !ok {
                let what = c == " " || c == "\t" ? "a space" : (c == "-" || c == "_") ? "a URL-safe base64 character (`\(c)`)" : "a character outside the base64 alphabet"
                return "character \(i + 1) is \(what)"
            }
        }
        if let firstPad = chars.firstIndex(of: "="), chars[firstPad...].contains(where: { $0 != "=" }) || chars.count - firstPad > 2 {
            return "`=` padding appears before the end"
        }
        if chars.count % 4 != 0 {
            return "its length (\(chars.count)) is not a multiple of 4 (missing `=` padding, or cut short)"
        }
        return nil
    }
}
