import Foundation
import Yams

/// Reads one runbook file strictly: an unknown field, an unknown cause or variable, a missing
/// `why` or `fix` is a problem at its line and column, never something silently ignored. A file
/// with any problem yields no runbook, so a half-read runbook can never print half a fix.
public struct RunbookParser {
    public let file: String
    public let text: String
    private var problems: [RunbookProblem] = []
    private var lines: [[Unicode.Scalar]] = []
    /// Aliases can make a small file expand to an enormous tree; a runbook never needs this many.
    static let nodeBudget = 20_000
    private var nodesVisited = 0

    public init(file: String, text: String) {
        self.file = file
        self.text = text
    }

    /// Parses bytes as read from disk: a runbook must be UTF-8 text.
    public static func parse(bytes: [UInt8], file: String, origin: Runbook.Origin) -> (Runbook?, [RunbookProblem]) {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return (nil, [RunbookProblem(file: file, message: "is not UTF-8 text")])
        }
        return parse(text: text, file: file, origin: origin)
    }

    public static func parse(text: String, file: String, origin: Runbook.Origin) -> (Runbook?, [RunbookProblem]) {
        var parser = RunbookParser(file: file, text: text)
        let runbook = parser.runbook(origin: origin)
        return parser.problems.isEmpty ? (runbook, []) : (nil, parser.problems)
    }

    // MARK: - Document

    mutating func runbook(origin: Runbook.Origin) -> Runbook? {
        lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0.unicodeScalars) }
        let root: Node
        if let key = YAMLAliasGuard.aliasKey(in: text) {
            // Hashing an aliased mapping key expands it: a few lines can take minutes (an alias bomb).
            problem(at: Position(line: key.line, column: key.column), "uses an alias as a mapping key, which hubdoctor refuses (a YAML alias bomb)")
            return nil
        }
        do {
            guard let node = try Yams.compose(yaml: text) else {
                problem(nil, "the file is empty: a runbook needs at least id, title and causes")
                return nil
            }
            root = node
        } catch let error as YamlError {
            yamlProblem(error)
            return nil
        } catch {
            problem(nil, "cannot be read as YAML: \(error)")
            return nil
        }
        guard let map = mapping(root, "a runbook") else { return nil }
        let fields = fields(map, allowed: ["id", "title", "summary", "applies_to", "when", "unless", "symptoms", "causes"], in: "a runbook")

        let id = requiredString(fields["id"], "id", in: map)
        if let id, let node = fields["id"], !Self.isValidID(id) {
            problem(node, "id `\(id)` must be lower case letters, digits and `-`, starting with a letter or digit")
        }
        let title = requiredString(fields["title"], "title", in: map)
        let summary = fields["summary"].flatMap { string($0, "summary") }
        let appliesTo = fields["applies_to"].map { strings($0, "applies_to") } ?? []
        let condition = self.condition(when: fields["when"], unless: fields["unless"])
        let symptoms = fields["symptoms"].map { symptomList($0) } ?? []
        var guides: [CauseGuide] = []
        if let causesNode = fields["causes"] {
            guides = causeList(causesNode)
        } else {
            problem(Node.mapping(map), "missing `causes`: a runbook handles at least one cause")
        }
        guard let id, let title else { return nil }
        return Runbook(id: id, title: title, summary: summary, appliesTo: appliesTo, condition: condition,
                       symptoms: symptoms, guides: guides, origin: origin)
    }

    static func isValidID(_ id: String) -> Bool {
        guard let first = id.unicodeScalars.first, ("a"..."z").contains(first) || ("0"..."9").contains(first) else { return false }
        return id.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    mutating func causeList(_ node: Node) -> [CauseGuide] {
        guard let items = sequence(node, "causes") else { return [] }
        if items.isEmpty { problem(node, "`causes` is empty: a runbook handles at least one cause") }
        var seen: [Cause: Node] = [:]
        var guides: [CauseGuide] = []
        for item in items {
            guard let map = mapping(item, "a cause entry") else { continue }
            let f = fields(map, allowed: ["cause", "why", "confirm", "fix", "verify", "prevent", "links"], in: "a cause entry")
            guard let causeNode = f["cause"] else {
                problem(item, "missing `cause`: name the contract cause this entry handles")
                continue
            }
            guard let cause = self.cause(causeNode) else { continue }
            if let first = seen[cause] {
                problem(causeNode, "cause `\(cause.rawValue)` is handled twice in this runbook (first at \(position(first)))")
                continue
            }
            seen[cause] = causeNode
            let why: StepTemplate?
            if let w = f["why"] {
                why = template(w, "why")
            } else {
                problem(item, "cause `\(cause.rawValue)` has no `why`: say why it happens")
                why = nil
            }
            let fix = f["fix"].map { steps($0, "fix") } ?? []
            if f["fix"] == nil {
                problem(item, "cause `\(cause.rawValue)` has no `fix` steps")
            } else if fix.isEmpty, let node = f["fix"], node.sequence?.isEmpty ?? false {
                problem(node, "cause `\(cause.rawValue)` has an empty `fix`")
            }
            let confirm = f["confirm"].map { steps($0, "confirm") } ?? []
            let verify = f["verify"].map { steps($0, "verify") } ?? []
            let prevent = f["prevent"].map { steps($0, "prevent") } ?? []
            let linkList = f["links"].map { links($0) } ?? []
            if let why {
                guides.append(CauseGuide(cause: cause, why: why, confirm: confirm, fix: fix, verify: verify, prevent: prevent, links: linkList))
            }
        }
        return guides
    }

    mutating func cause(_ node: Node) -> Cause? {
        guard let raw = string(node, "cause") else { return nil }
        if let cause = Cause(rawValue: raw) { return cause }
        problem(node, "unknown cause `\(raw)`" + Self.suggestion(raw, Cause.allCases.map(\.rawValue)))
        return nil
    }

    mutating func steps(_ node: Node, _ what: String) -> [RunbookStep] {
        guard let items = sequence(node, "`\(what)`") else { return [] }
        return items.compactMap { step($0, what) }
    }

    /// A step is a string (text only) or a mapping with `text` and, optionally, `run`, `when`, `unless`.
    mutating func step(_ node: Node, _ what: String) -> RunbookStep? {
        if case .scalar = node {
            guard let text = template(node, "a `\(what)` step") else { return nil }
            return RunbookStep(text: text)
        }
        guard let map = mapping(node, "a `\(what)` step (a text, or a mapping with `text` and `run`)") else { return nil }
        let f = fields(map, allowed: ["text", "run", "when", "unless"], in: "a step")
        guard let textNode = f["text"] else {
            problem(node, "a step needs `text`: say what the command does and why")
            return nil
        }
        let text = template(textNode, "text")
        var run: StepTemplate?
        if let runNode = f["run"] {
            run = template(runNode, "run")
            if let run { checkCommand(run, runNode) }
        }
        let condition = self.condition(when: f["when"], unless: f["unless"])
        guard let text else { return nil }
        if f["run"] != nil, run == nil { return nil }
        return RunbookStep(text: text, run: run, condition: condition)
    }

    /// Commands are pasted into terminals and CI logs: one that carried a key would leak it.
    mutating func checkCommand(_ run: StepTemplate, _ node: Node) {
        let source = run.source
        var search = source.startIndex
        while let r = source.range(of: "bearer ", options: .caseInsensitive, range: search..<source.endIndex) {
            // What follows `Bearer ` must come from the shell (`$API_KEY`, printf's `%s`) or
            // from the program (`"Bearer "+process.env.X`); a word there is a key or a placeholder.
            let rest = source[r.upperBound...].drop { $0 == " " }
            if let next = rest.first, next.isLetter || next.isNumber || "-._~+/<{".contains(next) {
                let offset = source.unicodeScalars.distance(from: source.unicodeScalars.startIndex, to: r.lowerBound.samePosition(in: source.unicodeScalars) ?? source.unicodeScalars.startIndex)
                problem(at: offsetMark(node, offset), "a command must name the key as a shell variable (`Bearer $\(Self.keyEnvExample)`), never hold one: what follows `Bearer ` here is written out")
            }
            search = r.upperBound
        }
    }

    static let keyEnvExample = "{{key_env}}"

    mutating func condition(when: Node?, unless: Node?) -> StepCondition {
        StepCondition(when: when.map { conditionEntries($0, "when") } ?? [:],
                      unless: unless.map { conditionEntries($0, "unless") } ?? [:])
    }

    mutating func conditionEntries(_ node: Node, _ what: String) -> [String: [String]] {
        guard let map = mapping(node, "`\(what)` (a mapping of variable to value)") else { return [:] }
        var out: [String: [String]] = [:]
        for (keyNode, valueNode) in map {
            guard let name = string(keyNode, "a variable name") else { continue }
            guard RunbookVariables.isKnown(name) else {
                problem(keyNode, "unknown variable `\(name)` in `\(what)`" + Self.suggestion(name, RunbookVariables.vocabulary.map(\.name)))
                continue
            }
            let values = strings(valueNode, "`\(what).\(name)`")
            if values.isEmpty { problem(valueNode, "`\(what).\(name)` lists no value") }
            if let domain = RunbookVariables.domains[name] {
                for v in values where !domain.contains(v) && v != StepCondition.anyValue {
                    problem(valueNode, "`\(name)` is never `\(v)`: it is one of \(domain.joined(separator: ", "))" + Self.suggestion(v, domain))
                }
            }
            out[name] = values
        }
        return out
    }

    mutating func symptomList(_ node: Node) -> [Runbook.Symptom] {
        guard let items = sequence(node, "symptoms") else { return [] }
        var out: [Runbook.Symptom] = []
        for item in items {
            guard let map = mapping(item, "a symptom (a mapping with `log`, `http` or `websocket`)") else { continue }
            let f = fields(map, allowed: ["log", "http", "websocket", "body", "header", "reason", "means", "causes"], in: "a symptom")
            let kinds = Runbook.Symptom.Kind.allCases.filter { f[$0.rawValue] != nil }
            guard kinds.count == 1, let kind = kinds.first, let valueNode = f[kind.rawValue] else {
                problem(item, "a symptom has exactly one of `log`, `http` or `websocket`")
                continue
            }
            guard let value = string(valueNode, kind.rawValue) else { continue }
            if kind != .log, Int(value) == nil {
                problem(valueNode, "`\(kind.rawValue)` is a status or close code, such as 401 or 4001")
            }
            var causes: [Cause] = []
            if let cNode = f["causes"], let list = sequence(cNode, "causes") {
                causes = list.compactMap { cause($0) }
            }
            out.append(Runbook.Symptom(kind: kind, value: value, body: f["body"].flatMap { string($0, "body") },
                                       header: f["header"].flatMap { string($0, "header") },
                                       reason: f["reason"].flatMap { string($0, "reason") },
                                       means: f["means"].flatMap { string($0, "means") }, causes: causes))
        }
        return out
    }

    mutating func links(_ node: Node) -> [Runbook.Link] {
        guard let items = sequence(node, "links") else { return [] }
        var out: [Runbook.Link] = []
        for item in items {
            let title: String?, url: String?, urlNode: Node
            if case .scalar = item {
                url = string(item, "a link")
                title = url
                urlNode = item
            } else {
                guard let map = mapping(item, "a link (a URL, or a mapping with `title` and `url`)") else { continue }
                let f = fields(map, allowed: ["title", "url"], in: "a link")
                title = requiredString(f["title"], "title", in: map)
                url = requiredString(f["url"], "url", in: map)
                urlNode = f["url"] ?? item
            }
            guard let title, let url else { continue }
            guard url.hasPrefix("https://") || url.hasPrefix("http://") else {
                problem(urlNode, "a link is an http(s) URL: `\(url)`")
                continue
            }
            out.append(Runbook.Link(title: title, url: url))
        }
        return out
    }

    // MARK: - Templates

    mutating func template(_ node: Node, _ what: String) -> StepTemplate? {
        guard let source = string(node, what) else { return nil }
        if source.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            problem(node, "`\(what)` is empty")
            return nil
        }
        let template: StepTemplate
        do {
            template = try StepTemplate(parsing: source)
        } catch let error as StepTemplate.SyntaxError {
            problem(at: offsetMark(node, error.offset), error.message)
            return nil
        } catch {
            problem(node, "\(error)")
            return nil
        }
        var ok = true
        var seen: [String: Int] = [:]
        for slot in template.pieces {
            guard case .slot(let alternatives, _, let slotSource) = slot else { continue }
            let occurrence = seen[slotSource, default: 0]
            seen[slotSource] = occurrence + 1
            for case .variable(let name) in alternatives where !RunbookVariables.isKnown(name) {
                ok = false
                let mark = locate(slotSource, from: Self.position(node), occurrence: occurrence) ?? Self.position(node)
                problem(at: mark, "unknown variable `\(name)`" + Self.suggestion(name, RunbookVariables.vocabulary.map(\.name))
                        + " (`hubdoctor runbook variables` lists them)")
            }
        }
        return ok ? template : nil
    }

    /// Where slot text sits in the file: searched from the scalar's start, because a block
    /// scalar's text does not map to columns by arithmetic.
    func locate(_ needle: String, from mark: Position?, occurrence: Int) -> Position? {
        guard let mark else { return nil }
        let target = Array(needle.unicodeScalars)
        var remaining = occurrence
        var lineIndex = mark.line - 1
        var start = mark.column - 1
        while lineIndex < lines.count {
            let line = lines[lineIndex]
            var i = max(0, start)
            while i + target.count <= line.count {
                if Array(line[i..<(i + target.count)]) == target {
                    if remaining == 0 { return Position(line: lineIndex + 1, column: i + 1) }
                    remaining -= 1
                }
                i += 1
            }
            lineIndex += 1
            start = 0
        }
        return nil
    }

    /// A position inside a one-line scalar; the scalar's own position for block scalars.
    func offsetMark(_ node: Node, _ offset: Int) -> Position? {
        guard let scalar = node.scalar, let mark = Self.position(node), !scalar.string.contains("\n") else { return Self.position(node) }
        switch scalar.style {
        case .plain: return Position(line: mark.line, column: mark.column + offset)
        case .singleQuoted, .doubleQuoted: return Position(line: mark.line, column: mark.column + 1 + offset)
        default: return mark
        }
    }

    // MARK: - Nodes

    mutating func visit(_ node: Node) -> Bool {
        nodesVisited += 1
        if nodesVisited == Self.nodeBudget {
            problem(node, "the document expands to more than \(Self.nodeBudget) nodes (aliases?): not a runbook")
        }
        return nodesVisited < Self.nodeBudget
    }

    mutating func mapping(_ node: Node, _ what: String) -> Node.Mapping? {
        guard visit(node) else { return nil }
        if let m = node.mapping { return m }
        problem(node, "expected \(what) to be a mapping, found \(Self.kind(of: node))")
        return nil
    }

    mutating func sequence(_ node: Node, _ what: String) -> [Node]? {
        guard visit(node) else { return nil }
        if let s = node.sequence { return Array(s) }
        problem(node, "expected \(what) to be a list, found \(Self.kind(of: node))")
        return nil
    }

    mutating func string(_ node: Node, _ what: String) -> String? {
        guard visit(node) else { return nil }
        guard let scalar = node.scalar else {
            problem(node, "expected `\(what)` to be text, found \(Self.kind(of: node))")
            return nil
        }
        if Self.isNull(node), scalar.style == .plain {
            problem(node, "`\(what)` has no value")
            return nil
        }
        return scalar.string
    }

    /// One string, or a list of strings.
    mutating func strings(_ node: Node, _ what: String) -> [String] {
        if node.sequence != nil {
            return (sequence(node, what) ?? []).compactMap { string($0, what) }
        }
        return string(node, what).map { [$0] } ?? []
    }

    mutating func requiredString(_ node: Node?, _ name: String, in map: Node.Mapping) -> String? {
        guard let node else {
            problem(Node.mapping(map), "missing `\(name)`")
            return nil
        }
        guard let s = string(node, name) else { return nil }
        if s.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            problem(node, "`\(name)` is empty")
            return nil
        }
        return s
    }

    /// The mapping's fields by name; an unknown one is a problem (a typo such as `fixes:` would
    /// otherwise drop a whole section without a word).
    mutating func fields(_ map: Node.Mapping, allowed: [String], in what: String) -> [String: Node] {
        var out: [String: Node] = [:]
        for (keyNode, value) in map {
            guard let key = keyNode.scalar?.string else {
                problem(keyNode, "field names in \(what) are text")
                continue
            }
            if allowed.contains(key) {
                out[key] = value
            } else {
                problem(keyNode, "unknown field `\(key)` in \(what)" + Self.suggestion(key, allowed)
                        + " (fields: \(allowed.joined(separator: ", ")))")
            }
        }
        return out
    }

    static func isNull(_ node: Node) -> Bool { node.tag.description == Tag.Name.null.rawValue }

    static func kind(of node: Node) -> String {
        switch node {
        case .scalar(let s): return isNull(node) ? "nothing" : "text `\(s.string.prefix(40))`"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    // MARK: - Problems

    mutating func problem(_ node: Node?, _ message: String) {
        problem(at: node.flatMap(Self.position), message)
    }

    mutating func problem(at mark: Position?, _ message: String) {
        problems.append(RunbookProblem(file: file, line: mark?.line, column: mark?.column, message: message))
    }

    func position(_ node: Node) -> String {
        Self.position(node).map { "\($0.line):\($0.column)" } ?? "?"
    }

    /// A line and column, 1-based, with columns in Unicode scalars as libyaml counts them.
    struct Position: Equatable {
        var line: Int
        var column: Int

        init(line: Int, column: Int) {
            self.line = line
            self.column = column
        }

        init(_ mark: Mark) {
            self.init(line: mark.line, column: mark.column)
        }
    }

    static func position(_ node: Node) -> Position? {
        node.mark.map(Position.init)
    }

    mutating func yamlProblem(_ error: YamlError) {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let where_ = context.map { " (\($0.text) at \($0.mark.line):\($0.mark.column))" } ?? ""
            self.problem(at: Position(mark), "invalid YAML: \(problem)\(where_)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            // Yams marks the first occurrence; the mistake is usually the second one.
            let first = Position(context.mark)
            let second = duplicates.first.flatMap { secondOccurrence(of: $0, after: first) }
            self.problem(at: second ?? first, "`\(duplicates.joined(separator: "`, `"))` appears twice in one mapping (first at \(first.line):\(first.column))")
        case .reader(let problem, let offset, _, _):
            // libyaml counts bytes; the shared helper turns that into a line and a column.
            let mark = offset.map { o -> Position in
                let (line, column) = YAMLDocuments.position(ofByte: o, in: Array(text.utf8))
                return Position(line: line, column: column)
            }
            self.problem(at: mark, "cannot be read: \(problem)")
        default:
            self.problem(at: nil, "invalid YAML: \(error.localizedDescription)")
        }
    }

    /// The next line that starts the same key at the same column.
    func secondOccurrence(of key: String, after first: Position) -> Position? {
        let prefix = Array((key + ":").unicodeScalars)
        for index in first.line..<lines.count {
            let line = lines[index]
            let start = first.column - 1
            if line.count >= start + prefix.count, Array(line[start..<(start + prefix.count)]) == prefix,
               line[..<start].allSatisfy({ $0 == " " || $0 == "-" }) {
                return Position(line: index + 1, column: first.column)
            }
        }
        return nil
    }

    /// ` (did you mean `fix`?)` when one candidate is close: a misspelt name is the usual mistake.
    static func suggestion(_ word: String, _ candidates: [String]) -> String {
        let scored = candidates.map { ($0, distance(word.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, word.count / 4) else { return "" }
        return " (did you mean `\(best.0)`?)"
    }

    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
