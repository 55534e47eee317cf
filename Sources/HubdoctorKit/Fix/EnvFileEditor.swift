/// A variable and the value it must deliver.
public struct EnvAssignment: Sendable, Equatable {
    public var name: String
    public var value: SecretValue
    /// False for a value the diff may show as it is (a service URL, without its credentials).
    public var isSecret: Bool

    public init(name: String, value: SecretValue, isSecret: Bool = true) {
        self.name = name
        self.value = value
        self.isSecret = isSecret
    }
}

/// The result of editing one file in memory: the new bytes and, for the diff and the report,
/// exactly which bytes changed.
public struct EnvFileEdit: Sendable {
    public struct Change: Sendable, Equatable {
        public var name: String
        /// The replaced bytes of the original (an empty range at the end for an appended line).
        public var range: Range<Int>
        public var replacement: [UInt8]
        /// LF-numbered line of the definition in the original (for an appended line: the new line's number).
        public var line: Int
        public var style: QuoteStyle
        public var appended: Bool
        /// What the readers delivered from this line before (nil for an appended line).
        public var oldValue: SecretValue?
        public var newValue: SecretValue
        public var isSecret = true
    }

    public var original: [UInt8]
    public var edited: [UInt8]
    public var changes: [Change]
    /// Facts the engineer should know (a reader that refuses the file, a duplicate left alone).
    public var notes: [String]

    public var isNoChange: Bool { original == edited }
}

/// Sets variables in an env file, changing only the bytes of the value that the readers deliver.
///
/// Which line to change is asked of the readers themselves (the last definition each delivers),
/// and every candidate spelling of the new value is tried by re-reading the whole edited file with
/// every reader that reads it: a spelling is kept only when all of them deliver exactly the value
/// and nothing else in the file reads differently. The file's own style comes first.
public struct EnvFileEditor: Sendable {
    /// The readers that read this file in some mode; the first is the one the link uses now.
    public var readers: [Dialect]
    /// How the file is named in messages.
    public var display: String

    public init(readers: [Dialect], display: String) {
        precondition(!readers.isEmpty, "an editor needs at least the reader of the current mode")
        var unique: [Dialect] = []
        for r in readers where !unique.contains(r) { unique.append(r) }
        self.readers = unique
        self.display = display
    }

    public func apply(_ assignments: [EnvAssignment], to bytes: [UInt8]) throws -> EnvFileEdit {
        let docs = readers.map { ($0, $0.parse(bytes)) }
        if let refusal = docs[0].1.error {
            throw HubdoctorError(.parse, "\(refusal.sentence(reader: readers[0].readerName)); hubdoctor edits only files their reader accepts. Correct line \(refusal.line) first",
                                 location: "\(display):\(refusal.line)")
        }
        var notes: [String] = []
        for (d, doc) in docs.dropFirst() {
            if let e = doc.error { notes.append("\(display): \(d.readerName) refuses this file already (line \(e.line): \(e.reason)); its reading was not checked") }
        }
        let scan = EnvLineLexer.scan(bytes)
        var chosen: [EnvFileEdit.Change] = []
        for assignment in assignments {
            let sites = try definitionSites(of: assignment.name, docs: docs, scan: scan)
            if sites.isEmpty {
                chosen.append(try appendedLine(assignment, to: bytes, scan: scan, docs: docs, after: chosen))
            } else {
                chosen += try replacements(assignment, sites: sites, in: bytes, docs: docs)
                let lines = Set(sites.map(\.definition.line))
                let earlier = scan.definitions.filter { $0.name == assignment.name && !lines.contains($0.line) }.map(\.line)
                if !earlier.isEmpty {
                    notes.append("\(display): \(assignment.name) is also defined on line \(earlier.map(String.init).joined(separator: ", ")), which no " +
                        "reader delivers (a later line wins); left as it is")
                }
            }
        }
        // A value that is already spelled as it would be written is not a change.
        chosen.removeAll { !$0.appended && Array(bytes[$0.range]) == $0.replacement }
        let edited = Self.applying(chosen, to: bytes)
        // One assignment was already read back exactly like this while its spelling was chosen.
        if assignments.count > 1, let why = mismatch(edited, expecting: assignments, docs: docs) {
            throw HubdoctorError(.internal, "the edited file would not read as intended (\(why)); nothing was written", location: display)
        }
        return EnvFileEdit(original: bytes, edited: edited, changes: chosen, notes: notes)
    }

    struct Site {
        var definition: WrittenDefinition
        var oldValue: SecretValue
    }

    /// The definitions the readers deliver: each reader's last one, found by its line number.
    /// Empty when the current mode's reader does not see the variable at all.
    func definitionSites(of name: String, docs: [(Dialect, EnvDocument)], scan: EnvLineLexer.Scan) throws -> [Site] {
        guard docs[0].1.value(of: name) != nil else { return [] }
        var sites: [Site] = []
        for (d, doc) in docs where doc.error == nil {
            guard let entry = doc.value(of: name) else { continue }
            let jsNumbering = d == .next || d == .dotenv
            guard let def = scan.definitions.last(where: { $0.name == name && (jsNumbering ? $0.jsLine : $0.line) == entry.line }) else {
                throw HubdoctorError(.parse, "\(d.readerName) reads \(name) from this line, but hubdoctor cannot tell where its value starts and ends; edit it by hand",
                                     location: "\(display):\(entry.line)")
            }
            if !sites.contains(where: { $0.definition.token == def.token }) { sites.append(Site(definition: def, oldValue: entry.value)) }
        }
        return sites
    }

    /// Spellings to try, the line's own first. Keys never hold a line break, and a spelling that
    /// some reader reads differently is dropped by the re-read, so the list can be generous.
    static func candidates(_ value: SecretValue, preferring style: QuoteStyle?) -> [(QuoteStyle, [UInt8])] {
        let v = value.bytes
        guard !v.contains(0x0A), !v.contains(0x0D) else { return [] }
        var order: [QuoteStyle] = [.unquoted, .double, .single]
        if let style {
            order.removeAll { $0 == style }
            order.insert(style, at: 0)
        }
        return order.compactMap { style in
            switch style {
            case .unquoted:
                return v.isEmpty ? nil : (style, v)
            case .double:
                // `\$` is the one escape that next, godotenv and Compose all read as a plain `$`.
                return (style, [0x22] + v.flatMap { $0 == 0x24 ? [0x5C, 0x24] : [$0] } + [0x22])
            case .single, .backtick:
                guard let quote = style.quote else { return nil }
                return (style, [quote] + v + [quote])
            }
        }
    }

    func replacements(_ a: EnvAssignment, sites: [Site], in bytes: [UInt8], docs: [(Dialect, EnvDocument)]) throws -> [EnvFileEdit.Change] {
        let primary = sites[0].definition
        var reasons: [String] = []
        for (style, token) in Self.candidates(a.value, preferring: primary.style) {
            let changes = sites.map { site -> EnvFileEdit.Change in
                var replacement = token
                // `KEY= # note`: the value goes before the comment, which must stay a comment.
                if site.definition.commentFollows { replacement += [0x20] }
                return EnvFileEdit.Change(name: a.name, range: site.definition.token, replacement: replacement, line: site.definition.line,
                                          style: style, appended: false, oldValue: site.oldValue, newValue: a.value, isSecret: a.isSecret)
            }
            let trial = Self.applying(changes, to: bytes)
            if let why = mismatch(trial, expecting: [a], docs: docs) {
                reasons.append("\(style.rawValue): \(why)")
                continue
            }
            return changes
        }
        throw HubdoctorError(.parse, "no way to write \(a.name) that every reader of this file (\(readers.map(\.rawValue).joined(separator: ", "))) " +
            "reads as the same key: " + reasons.joined(separator: "; "),
                             location: "\(display):\(primary.line)")
    }

    func appendedLine(_ a: EnvAssignment, to bytes: [UInt8], scan: EnvLineLexer.Scan, docs: [(Dialect, EnvDocument)],
                      after earlier: [EnvFileEdit.Change]) throws -> EnvFileEdit.Change {
        let eol: [UInt8] = Self.usesCRLF(bytes) ? [0x0D, 0x0A] : [0x0A]
        let missingFinalNewline = !bytes.isEmpty && bytes.last != 0x0A
        let exported = scan.definitions.filter(\.exported).count * 2 > scan.definitions.count
        let lineCount = bytes.isEmpty ? 0 : bytes.split(separator: 0x0A, omittingEmptySubsequences: false).count - (bytes.last == 0x0A ? 1 : 0)
        let previousAppends = earlier.filter(\.appended).count
        var reasons: [String] = []
        for (style, token) in Self.candidates(a.value, preferring: nil) {
            // A file that ends without a newline keeps ending without one.
            let line = Array(((exported ? "export " : "") + a.name + "=").utf8) + token
            let replacement = missingFinalNewline ? eol + line : line + eol
            let change = EnvFileEdit.Change(name: a.name, range: bytes.count..<bytes.count, replacement: replacement,
                                            line: lineCount + previousAppends + 1, style: style, appended: true,
                                            oldValue: nil, newValue: a.value, isSecret: a.isSecret)
            if let why = mismatch(Self.applying(earlier.filter(\.appended) + [change], to: bytes), expecting: [a], docs: docs) {
                reasons.append("\(style.rawValue): \(why)")
                continue
            }
            return change
        }
        throw HubdoctorError(.parse, "no way to add \(a.name) that every reader of this file reads as the same key: " + reasons.joined(separator: "; "),
                             location: display)
    }

    /// Why `edited` does not read as intended, or nil when every reader that accepted the original
    /// delivers exactly the assigned values and reads every other variable as before.
    func mismatch(_ edited: [UInt8], expecting assignments: [EnvAssignment], docs: [(Dialect, EnvDocument)]) -> String? {
        let names = Set(assignments.map(\.name))
        let referenced = names.contains { name in
            let text = String(decoding: edited, as: UTF8.self)
            return text.contains("$" + name) || text.contains("${" + name)
        }
        for (d, before) in docs where before.error == nil {
            let after = d.parse(edited)
            if let e = after.error { return "\(d.rawValue) would refuse the file (line \(e.line): \(e.reason))" }
            for a in assignments {
                guard let got = after.value(of: a.name)?.value else { return "\(d.rawValue) would not see \(a.name)" }
                if got != a.value { return "\(d.rawValue) would read \(got.length) characters (\(got.fingerprint)) instead of \(a.value.length) (\(a.value.fingerprint))" }
            }
            let others = { (doc: EnvDocument) in doc.variables.filter { !names.contains($0.name) } }
            let was = others(before), now = others(after)
            if was.map(\.name) != now.map(\.name) {
                return "\(d.rawValue) would read other variables differently (\(Set(was.map(\.name)).symmetricDifference(now.map(\.name)).sorted().joined(separator: ", ")))"
            }
            // A variable that expands one of the assigned ones is meant to change with it.
            if !referenced, let changed = zip(was, now).first(where: { $0.value != $1.value }) {
                return "\(d.rawValue) would read \(changed.0.name) differently"
            }
        }
        return nil
    }

    static func applying(_ changes: [EnvFileEdit.Change], to bytes: [UInt8]) -> [UInt8] {
        var out = bytes
        // From the end, so that earlier offsets stay valid; appended lines keep their order.
        let ordered = changes.enumerated().sorted { a, b in
            a.element.range.lowerBound != b.element.range.lowerBound ? a.element.range.lowerBound > b.element.range.lowerBound : a.offset > b.offset
        }
        for (_, c) in ordered { out.replaceSubrange(c.range, with: c.replacement) }
        return out
    }

    /// The file's line ending: CRLF when its first line ends with one.
    static func usesCRLF(_ bytes: [UInt8]) -> Bool {
        guard let lf = bytes.firstIndex(of: 0x0A) else { return false }
        return lf > 0 && bytes[lf - 1] == 0x0D
    }
}
