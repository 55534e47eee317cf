import Yams

/// Kubernetes Secrets and dotted paths in plain YAML maps as key sources, in files that may
/// still be SOPS-encrypted, already decrypted, or piped in on stdin (`-`).
enum YAMLSource {
    static func read(_ source: KeySource, resolver: SourceResolver) -> KeyReading {
        var r = KeyReading(source: source)
        let file = source.files.first ?? "-"
        let origin = file == "-" ? Origin(display: "stdin") : Origin(display: resolver.display(file), path: resolver.absolute(file))
        r.considered = [origin]
        let bytes: [UInt8]
        switch file == "-" ? resolver.cache.standardInput() : SourceFile.read(origin.path ?? file, display: origin.display) {
        case .failure(let problem): r.problems.append(problem); return r
        case .success(let b): bytes = b
        }
        let docs: [Node]
        switch YAMLDocuments.parse(bytes) {
        case .failure(let f):
            var at = origin
            at.line = f.line
            r.problems.append(SourceProblem(origin: at, column: f.column, reason: f.reason))
            return r
        case .success(let d): docs = d.nodes
        }
        let located = locate(source, in: docs, origin: origin)
        guard let metadata = Sops.metadata(yaml: docs), metadata.encrypted else {
            deliver(located, plain: located, into: &r, origin: origin)
            return r
        }
        var at = origin
        at.line = located.line ?? metadata.line
        let format: Sops.Format = file.lowercased().hasSuffix(".json") ? .json : .yaml
        let decrypted: Result<[UInt8], SourceProblem>
        if let path = origin.path {
            decrypted = resolver.cache.decryption(of: path) {
                Sops.decrypt(path: path, display: origin.display, format: format, multiDocument: docs.count > 1,
                             metadata: metadata, origin: at, resolver: resolver)
            }
        } else {
            decrypted = .failure(SourceProblem(cause: .sopsEncrypted, origin: at,
                reason: "is still SOPS-encrypted; pipe in the output of `sops decrypt` instead",
                hint: RemediationStep(text: "Decrypt it on the way in.", run: "sops decrypt FILE | hubdoctor check --config …")))
        }
        switch decrypted.flatMap({ out in YAMLDocuments.parse(out).mapError { f in
            SourceProblem(cause: .sopsEncrypted, origin: at, reason: "decrypts to output that does not parse (\(f.reason))") } }) {
        case .success(let plainDocs):
            deliver(located, plain: locate(source, in: plainDocs.nodes, origin: origin), into: &r, origin: origin)
            r.notes.append("Decrypted with sops\(Sops.recipientText(metadata))")
        case .failure(var problem):
            problem.origin.line = problem.origin.line ?? at.line
            r.problems.append(problem)
            // Without the key, what sops left in the clear still counts: an empty value is
            // never encrypted, and a missing key or Secret shows in the key names.
            switch located {
            case .value(let found) where !Sops.isEncryptedValue(found.node.text ?? "ENC["):
                if (found.node.text ?? "").isEmpty || found.node.isNull {
                    r.knownEmpty = true
                    r.origin = originAt(origin, found.line)
                } else {
                    deliver(located, plain: located, into: &r, origin: origin)
                    r.notes.append("This value is stored unencrypted (the file's sops rules leave it in the clear)")
                }
            case .value:
                break
            case .keyMissing, .notFound:
                deliver(located, plain: located, into: &r, origin: origin)
            }
        }
        return r
    }

    struct Found {
        var node: Node
        var line: Int?
        var entry: KubernetesSecret.Entry?
        var notes: [String]
    }

    enum Located {
        case value(Found)
        /// The container (Secret or parent map) is there but the key is not.
        case keyMissing(line: Int?, note: String)
        case notFound(SourceProblem)

        var line: Int? {
            switch self {
            case .value(let f): return f.line
            case .keyMissing(let line, _): return line
            case .notFound: return nil
            }
        }
    }

    static func originAt(_ origin: Origin, _ line: Int?) -> Origin {
        var o = origin
        o.line = line
        return o
    }

    /// Finds the source's value node. `origin` names the file in problems.
    static func locate(_ source: KeySource, in docs: [Node], origin: Origin) -> Located {
        var notMaps: [String] = []
        for (i, doc) in docs.enumerated() {
            if case .mapping = doc { continue }
            if doc.isNull { continue }
            notMaps.append("document \(i + 1) (line \(doc.line ?? 1)) is \(doc.kindName), not a mapping")
        }
        switch source {
        case .yamlSecret(_, let name, let key):
            switch KubernetesSecret.find(name, key: key, in: docs) {
            case .missing(let names):
                var reason = "holds no Secret named \(name)"
                reason += names.isEmpty ? " (it holds no Secret at all)" : " (Secrets here: \(names.joined(separator: ", ")))"
                if !notMaps.isEmpty { reason += "; " + notMaps.joined(separator: "; ") }
                return .notFound(SourceProblem(origin: origin, reason: reason))
            case .found(let secret, let others):
                var notes: [String] = []
                if !others.isEmpty {
                    notes.append("\(others.count + 1) Secrets are named \(name); the last one (line \(secret.line ?? 0)) is the one `kubectl apply` leaves in place")
                }
                if secret.matchedByKey {
                    notes.append("The Secret's name is encrypted too; it was matched as the only Secret that defines \(key)")
                }
                guard let entry = secret.entry(key) else {
                    let has = secret.keyNames
                    return .keyMissing(line: secret.line, note: "Secret \(name) (line \(secret.line ?? 0)) has no key \(key)" +
                                       (has.isEmpty ? "; it defines no keys" : "; it defines \(has.joined(separator: ", "))"))
                }
                if let overridden = entry.overriddenLine {
                    notes.append("In Secret \(name), stringData.\(key) overrides data.\(key) (line \(overridden)), as the API server merges them")
                }
                return .value(Found(node: entry.value, line: entry.keyLine, entry: entry, notes: notes))
            }
        case .yamlPath(_, let path):
            let parts = path.split(separator: ".").map(String.init)
            var deepest = (depth: -1, note: "")
            for (i, doc) in docs.enumerated() {
                switch walk(doc, parts) {
                case .success(let (node, keyLine)):
                    let note = docs.count > 1 ? ["Read from document \(i + 1) of \(docs.count), the first that has \(path)"] : []
                    return .value(Found(node: node, line: keyLine, entry: nil, notes: note))
                case .failure(let miss):
                    if miss.depth > deepest.depth {
                        deepest = (miss.depth, miss.depth == 0 ? "no document has \(parts[0])"
                                    : "\(parts.prefix(miss.depth).joined(separator: ".")) (line \(miss.line ?? 0)) \(miss.reason)")
                    }
                }
            }
            if deepest.depth <= 0, !notMaps.isEmpty {
                return .notFound(SourceProblem(origin: origin, reason: notMaps.joined(separator: "; ")))
            }
            return .keyMissing(line: nil, note: "\(path) is not in \(origin.display): \(deepest.note)")
        default:
            return .notFound(SourceProblem(origin: origin, reason: "is not a YAML source"))
        }
    }

    struct Miss: Error {
        var depth: Int
        var line: Int?
        var reason: String
    }

    /// Follows `parts` one level at a time. A key may itself contain dots (`app.key`): at each
    /// level the longest run of parts that is a key wins. In a list, a part is an index.
    static func walk(_ root: Node, _ parts: [String]) -> Result<(Node, Int?), Miss> {
        var node = root
        var keyLine: Int? = root.line
        var i = 0
        while i < parts.count {
            switch node {
            case .mapping:
                var matched = false
                for end in stride(from: parts.count, to: i, by: -1) {
                    let key = parts[i..<end].joined(separator: ".")
                    if let child = node.child(key) {
                        keyLine = node.keyNode(key)?.line
                        node = child
                        i = end
                        matched = true
                        break
                    }
                }
                if !matched { return .failure(Miss(depth: i, line: keyLine, reason: "has no key \(parts[i])")) }
            case .sequence(let items):
                guard let index = Int(parts[i]), index >= 0, index < items.count else {
                    return .failure(Miss(depth: i, line: keyLine, reason: "is a list of \(items.count) and \(parts[i]) is not an index in it"))
                }
                node = items[index]
                keyLine = node.line
                i += 1
            default:
                return .failure(Miss(depth: i, line: keyLine, reason: "is a string, not a mapping"))
            }
        }
        return .success((node, keyLine))
    }

    /// Turns what was located into the reading: `structure` gives lines and notes (the file as
    /// written), `plain` gives the value (the same file decrypted, or itself when not encrypted).
    static func deliver(_ structure: Located, plain: Located, into r: inout KeyReading, origin: Origin) {
        switch structure {
        case .notFound(let problem):
            r.problems.append(problem)
            return
        case .keyMissing(_, let note):
            r.notes.append(note)
            return
        case .value(let found):
            r.notes += found.notes
        }
        guard case .value(let value) = plain else {
            if case .notFound(let p) = plain { r.problems.append(p) }
            if case .keyMissing(_, let note) = plain { r.notes.append(note) }
            return
        }
        let at = originAt(origin, structure.line)
        if let entry = value.entry {
            switch KubernetesSecret.decode(entry) {
            case .invalid(let why):
                r.problems.append(SourceProblem(origin: at, reason: "\(entry.field).\(r.source.variableName): \(why); kubectl refuses such a Secret"))
            case .value(let bytes, let notes):
                r.value = SecretValue(bytes: bytes)
                r.origin = at
                r.notes += notes
            }
            return
        }
        guard case .scalar = value.node else {
            r.problems.append(SourceProblem(origin: at, reason: "\(r.source.variableName) is \(value.node.kindName), not a string"))
            return
        }
        r.value = value.node.isNull ? SecretValue("") : SecretValue(value.node.text ?? "")
        r.origin = at
        if value.node.isNull { r.notes.append("Its value is YAML null, which programs read as empty") }
    }
}
