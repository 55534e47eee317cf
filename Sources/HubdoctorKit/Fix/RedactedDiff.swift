import Foundation

/// A unified diff of one edited env file that shows no value: a changed key appears as its
/// fingerprint (`‹sha256:0123456789ab›`), every other value as `‹…›`. Comment lines are shown,
/// because they tell the engineer where in the file the change is, but only after every key the
/// run knows (and every run of 10 characters of one) is removed from them, a commented-out
/// definition (`# API_KEY=…`) is shown without its value, and what is left is masked as a log
/// line is. A comment after a value is hidden: it sits on the line of a value.
public enum RedactedDiff {
    static let context = 3

    /// `created`: the file did not exist before (the diff is against /dev/null). `newLabel`: how to
    /// show a new value (a dry run of `rotate` shows `‹new key›`: the key it drew is thrown away).
    /// `scrubber`: the keys to remove from every line shown (default: every key read in this run);
    /// the old and new values of the changed keys are always added.
    public static func render(display: String, edit: EnvFileEdit, created: Bool = false, newLabel: ((SecretValue) -> String)? = nil,
                              scrubber: KeyScrubber? = nil) -> String {
        guard !edit.changes.isEmpty else { return "" }
        let scrubber = (scrubber ?? SecretRegistry.shared.scrubber)
            .adding(edit.changes.filter(\.isSecret).flatMap { [$0.oldValue, $0.newValue].compactMap { $0 } })
        let old = FileLines(edit.original), new = FileLines(edit.edited)
        let oldScan = EnvLineLexer.scan(edit.original), newScan = EnvLineLexer.scan(edit.edited)
        let regions = self.regions(edit)
        // Only the changed definitions show a fingerprint; the other lines of a region (the line
        // before an appended one) are redacted like context.
        var oldShown: [Int: Label] = [:], newShown: [Int: Label] = [:]
        for r in regions {
            let show = { (v: SecretValue, secret: (SecretValue) -> String) in r.isSecret ? secret(v) : Redact.url(v.text) }
            if let v = r.oldValue { for l in r.oldLines { oldShown[l] = Label(name: r.name, text: show(v, label)) } }
            for l in r.newLines { newShown[l] = Label(name: r.name, text: show(r.newValue, newLabel ?? label)) }
        }
        func show(_ lines: FileLines, _ scan: EnvLineLexer.Scan, _ n: Int, _ labels: [Int: Label]) -> String {
            redacted(line: n, lines: lines, scan: scan, label: labels[n], scrubber: scrubber)
        }
        var out = created ? "--- /dev/null\n" : "--- a/\(display)\n"
        out += "+++ b/\(display)\n"
        var hunks: [[Region]] = []
        for r in regions {
            if let last = hunks.last?.last, r.oldStart - (last.oldStart + last.oldLines.count) <= 2 * context {
                hunks[hunks.count - 1].append(r)
            } else {
                hunks.append([r])
            }
        }
        for hunk in hunks {
            let first = hunk[0], last = hunk[hunk.count - 1]
            let oldFrom = max(1, first.oldStart - context)
            let oldTo = min(old.count, last.oldStart + last.oldLines.count - 1 + context)
            let newFrom = oldFrom + (first.newStart - first.oldStart)
            var body = ""
            var oldCount = 0, newCount = 0
            var line = oldFrom
            func emitContext(upTo limit: Int) {
                while line < limit, line <= oldTo {
                    body += " " + show(old, oldScan, line, [:]) + "\n"
                    if line == old.count, old.missingFinalNewline { body += "\\ No newline at end of file\n" }
                    oldCount += 1
                    newCount += 1
                    line += 1
                }
            }
            for r in hunk {
                emitContext(upTo: r.oldStart)
                for l in r.oldLines {
                    body += "-" + show(old, oldScan, l, oldShown) + "\n"
                    if l == old.count, old.missingFinalNewline { body += "\\ No newline at end of file\n" }
                    oldCount += 1
                }
                for l in r.newLines {
                    body += "+" + show(new, newScan, l, newShown) + "\n"
                    if l == new.count, new.missingFinalNewline { body += "\\ No newline at end of file\n" }
                    newCount += 1
                }
                line = r.oldStart + r.oldLines.count
            }
            emitContext(upTo: oldTo + 1)
            func range(_ from: Int, _ count: Int) -> String { count == 1 ? "\(from)" : "\(count == 0 ? from - 1 : from),\(count)" }
            out += "@@ -\(range(oldFrom, oldCount)) +\(range(newFrom, newCount)) @@\n" + body
        }
        return out
    }

    static func label(_ value: SecretValue) -> String {
        value.isEmpty ? "‹empty›" : "‹\(value.fingerprint)›"
    }

    struct Label {
        var name: String
        var text: String
    }

    /// One change, as whole lines of the old file and of the new one.
    struct Region {
        var name: String
        var oldStart: Int
        var oldLines: [Int]
        var newStart: Int
        var newLines: [Int]
        var oldValue: SecretValue?
        var newValue: SecretValue
        var isSecret: Bool
    }

    static func regions(_ edit: EnvFileEdit) -> [Region] {
        let o = edit.original, e = edit.edited
        var delta = 0
        var out: [Region] = []
        for c in edit.changes.sorted(by: { $0.range.lowerBound < $1.range.lowerBound }) {
            // Whole lines around the changed bytes: from the start of the first line to the end of
            // the last one, line break included.
            let start = (o[..<c.range.lowerBound].lastIndex(of: 0x0A)).map { $0 + 1 } ?? 0
            let end = o[c.range.upperBound...].firstIndex(of: 0x0A).map { $0 + 1 } ?? o.count
            let growth = c.replacement.count - c.range.count
            let oldLines = lineNumbers(o, start, end)
            let newLines = lineNumbers(e, start + delta, end + delta + growth)
            out.append(Region(name: c.name, oldStart: lineAt(o, start), oldLines: oldLines, newStart: lineAt(e, start + delta), newLines: newLines,
                              oldValue: c.oldValue, newValue: c.newValue, isSecret: c.isSecret))
            delta += growth
        }
        return out
    }

    static func lineAt(_ b: [UInt8], _ offset: Int) -> Int { 1 + b[..<offset].filter { $0 == 0x0A }.count }

    /// The numbers of the lines that bytes `start..<end` (which begin on a line start) cover.
    static func lineNumbers(_ b: [UInt8], _ start: Int, _ end: Int) -> [Int] {
        guard end > start else { return [] }
        let first = lineAt(b, start)
        let breaks = b[start..<end].filter { $0 == 0x0A }.count
        let count = breaks + (b[end - 1] == 0x0A ? 0 : 1)
        return Array(first..<(first + count))
    }

    /// A line as the diff shows it. `label`: the fingerprint to show if the line defines that variable.
    static func redacted(line n: Int, lines: FileLines, scan: EnvLineLexer.Scan, label: Label?, scrubber: KeyScrubber) -> String {
        let range = lines.range(n)
        let text = { (r: Range<Int>) in visible(lines.bytes[r]) }
        let kind = n - 1 < scan.kinds.count ? scan.kinds[n - 1] : .blank
        switch kind {
        case .blank:
            return scrubber.scrub(text(range))
        case .comment:
            // A comment may hold an old key (`# API_KEY=…` kept "just in case").
            return maskComment(text(range), scrubber: scrubber)
        case .continuation:
            return "‹…›"
        case .other:
            return "‹line hidden›"
        case .definition(let i):
            let def = scan.definitions[i]
            guard def.token.lowerBound >= range.lowerBound, def.token.lowerBound <= range.upperBound else { return "‹line hidden›" }
            let prefix = scrubber.scrub(text(range.lowerBound..<def.token.lowerBound))
            let quote = def.style.quote.map { String(UnicodeScalar($0)) } ?? ""
            let value = label.flatMap { $0.name == def.name ? $0.text : nil }
            let shown = value ?? (def.token.isEmpty ? "" : "‹…›")
            let token = def.token.isEmpty ? shown : quote + shown + (def.token.upperBound <= range.upperBound ? quote : "")
            let suffix = def.token.upperBound <= range.upperBound ? text(def.token.upperBound..<range.upperBound) : ""
            return prefix + token + hiddenSuffix(suffix)
        }
    }

    /// What follows a value on its line. Whitespace stays; an inline comment (` # …`) shows only
    /// that there is one; anything else is part of the value for some reader (Compose keeps a tab
    /// and `#…`), so it is hidden.
    static func hiddenSuffix(_ suffix: String) -> String {
        let rest = suffix.drop(while: { $0 == "\"" || $0 == "'" })
        if rest.allSatisfy({ $0 == " " || $0 == "\t" }) { return suffix }
        let closing = suffix.prefix(suffix.count - rest.count)
        let lead = rest.prefix(while: { $0 == " " })
        if !lead.isEmpty, rest.dropFirst(lead.count).first == "#" {
            let comment = rest.dropFirst(lead.count + 1)
            return closing + lead + "#" + (comment.allSatisfy({ $0 == " " || $0 == "\t" }) ? String(comment) : " ‹comment hidden›")
        }
        return " ‹…›"
    }

    static let commentedDefinition = NSRegularExpression.builtIn(#"^\s*#+\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_.\-]*\s*="#)
    static let namedValue = NSRegularExpression.builtIn(#"([A-Za-z0-9_.\-]+)["']?\s*[=:](?!//)"#)

    /// A comment line as shown: known keys removed first; then a commented-out definition loses
    /// its value, as does anything after a name that says it holds a secret (`old key: …`), to
    /// the end of the line, since a value in prose may hold spaces; the rest is masked as logs are.
    static func maskComment(_ line: String, scrubber: KeyScrubber) -> String {
        let scrubbed = scrubber.scrub(line)
        let ns = scrubbed as NSString
        func hideAfter(_ end: Int) -> String {
            let rest = ns.substring(from: end)
            let lead = rest.prefix { $0 == " " || $0 == "\t" }
            return ns.substring(to: end) + (lead.count == rest.count ? rest : lead + "‹…›")
        }
        if let m = commentedDefinition.firstMatch(in: scrubbed, range: NSRange(location: 0, length: ns.length)) {
            return hideAfter(m.range.upperBound)
        }
        for m in namedValue.matches(in: scrubbed, range: NSRange(location: 0, length: ns.length))
        where LogMasker.isSensitiveName(ns.substring(with: m.range(at: 1))) {
            return hideAfter(m.range.upperBound)
        }
        return LogMasker.mask(scrubbed)
    }

    /// Text as shown: invalid UTF-8 becomes U+FFFD, control characters other than tab become visible.
    static func visible(_ bytes: ArraySlice<UInt8>) -> String {
        String(String(decoding: bytes, as: UTF8.self).unicodeScalars.map { s -> String in
            if s.value < 0x20, s != "\t" { return UnicodeScalar(0x2400 + s.value).map(String.init) ?? "?" }
            return String(s)
        }.joined())
    }

    /// A file's LF-separated lines, without their line endings (a CR before the LF is dropped).
    struct FileLines {
        let bytes: [UInt8]
        private let starts: [Int]
        let missingFinalNewline: Bool

        init(_ bytes: [UInt8]) {
            self.bytes = bytes
            var s = [0]
            for (i, b) in bytes.enumerated() where b == 0x0A && i + 1 < bytes.count { s.append(i + 1) }
            starts = bytes.isEmpty ? [] : s
            missingFinalNewline = !bytes.isEmpty && bytes.last != 0x0A
        }

        var count: Int { starts.count }

        func range(_ n: Int) -> Range<Int> {
            guard n >= 1, n <= starts.count else { return bytes.count..<bytes.count }
            let start = starts[n - 1]
            var end = n < starts.count ? starts[n] - 1 : (missingFinalNewline ? bytes.count : bytes.count - 1)
            if end > start, bytes[end - 1] == 0x0D { end -= 1 }
            return start..<end
        }
    }
}
