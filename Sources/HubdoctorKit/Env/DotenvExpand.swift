/// dotenv-expand 10.0.0, which `@next/env` pins and calls as `expand({ parsed })` after each
/// file's `parse`. For every variable (in JavaScript property order) it takes the value from
/// `process.env` when that already holds the name, else the parsed one, and expands it one
/// reference at a time, right-most unescaped `$` first:
///
/// - the reference is `$NAME`, `${NAME}` or `${NAME:-default}` (NAME is `\w+`; `${NAME-default}` is
///   not a form, and `${A.B}` is `$A` followed by `.B}`); nothing else stops the expansion;
/// - its text is replaced, at its *first* occurrence in the value, by
///   `process.env[NAME] || default || parsed[NAME] || ''` (so a non-empty default beats a value of
///   the same file), through `String.prototype.replace`, which reads `$$`, `$&`, `` $` `` and `$'`
///   in the replacement;
/// - the result is expanded again, one JavaScript call deeper each time: a value that keeps
///   referring to itself overflows Node's stack, `@next/env` catches that and loads nothing from
///   the file;
/// - then every `\$` becomes `$`, and all the file's variables are written to `process.env`.
///
/// The expansion is exact and runs in time proportional to what it changes: the value sits in a
/// gap buffer, the right-most `$` is tracked as replacements happen, and a reference met again is
/// searched for from where it was last replaced.
public enum DotenvExpand {
    /// How many nested expansions Node 20's default stack holds before `RangeError: Maximum call
    /// stack size exceeded` (measured: about 4,330 frames of dotenv-expand 10's `_interpolate`).
    static let maxDepth = 4_300

    /// Expands one parsed document. `processEnv` plays the role of `process.env`: it is read first
    /// and, as dotenv-expand does, receives this file's variables afterwards.
    static func expand(_ raw: EnvDocument, processEnv: [String: String]) -> EnvDocument {
        var env = processEnv
        return expand(raw, processEnv: &env, writesBack: false)
    }

    static func expand(_ raw: EnvDocument, processEnv env: inout [String: String]) -> EnvDocument {
        expand(raw, processEnv: &env, writesBack: true)
    }

    private static func expand(_ raw: EnvDocument, processEnv env: inout [String: String], writesBack: Bool) -> EnvDocument {
        var doc = raw
        doc.dialect = .next
        guard raw.error == nil else { return doc }
        // `parsed`: one slot per name, holding its last definition (and that definition's line).
        var parsed = Parsed()
        parsed.slot.reserveCapacity(raw.entries.count)
        var entrySlot: [Int] = []
        entrySlot.reserveCapacity(raw.entries.count)
        var lines: [Int] = []
        for e in raw.entries {
            if let k = parsed.slot[e.name] {
                parsed.values[k] = e.value.bytes
                lines[k] = e.line
                entrySlot.append(k)
            } else {
                let k = parsed.names.count
                parsed.slot[e.name] = k
                parsed.names.append(e.name)
                parsed.values.append(e.value.bytes)
                lines.append(e.line)
                entrySlot.append(k)
            }
        }
        var environment: [String: [UInt8]] = [:]
        for (k, v) in env { environment[k] = Array(v.utf8) }
        var budget = ReadBudget()
        let order = jsPropertyOrder(parsed.names)
        for k in order {
            let name = parsed.names[k]
            let start = environment.isEmpty ? parsed.values[k] : environment[name] ?? parsed.values[k]
            switch interpolate(start, name: name, environment: environment, parsed: parsed, budget: &budget) {
            case .success(let value):
                let resolved = resolveEscapes(value)
                if let exceeded = budget.produce(resolved.count, variable: EnvParseError.shown(name)) {
                    return refused(doc, lines[k], exceeded.reason, isLimit: true)
                }
                parsed.values[k] = resolved
            case .failure(let failure):
                return refused(doc, lines[k], failure.reason, isLimit: failure.isLimit)
            }
        }
        if writesBack {
            for k in order { env[parsed.names[k]] = String(decoding: parsed.values[k], as: UTF8.self) }
        }
        // Every definition of a name reports the delivered value; only the last one counts.
        for i in doc.entries.indices { doc.entries[i].value = SecretValue(bytes: parsed.values[entrySlot[i]]) }
        return doc
    }

    /// dotenv's parsed object: names in insertion order, each with its current value.
    struct Parsed {
        var slot: [String: Int] = [:]
        var names: [String] = []
        var values: [[UInt8]] = []

        subscript(name: String) -> [UInt8]? { slot[name].map { values[$0] } }
    }

    private static func refused(_ doc: EnvDocument, _ line: Int, _ reason: String, isLimit: Bool) -> EnvDocument {
        var d = doc
        d.entries = []
        d.error = EnvParseError(line: line, reason: reason, isLimit: isLimit)
        return d
    }

    struct Failure: Error {
        var reason: String
        var isLimit: Bool
    }

    /// `for (key in object)`: integer-like keys first in numeric order, then insertion order.
    /// Returns positions in `names`.
    static func jsPropertyOrder(_ names: [String]) -> [Int] {
        func arrayIndex(_ s: String) -> UInt32? {
            guard let first = s.utf8.first, first >= 0x30, first <= 0x39 else { return nil }
            guard let n = UInt32(s), n < UInt32.max, String(n) == s else { return nil }
            return n
        }
        var indices: [(Int, UInt32)] = []
        var others: [Int] = []
        others.reserveCapacity(names.count)
        for (k, n) in names.enumerated() {
            if let i = arrayIndex(n) { indices.append((k, i)) } else { others.append(k) }
        }
        if indices.isEmpty { return others }
        return indices.sorted { $0.1 < $1.1 }.map(\.0) + others
    }

    /// `value.replace(/\\\$/g, '$')`.
    static func resolveEscapes(_ v: [UInt8]) -> [UInt8] {
        guard v.contains(0x5C) else { return v }
        var out: [UInt8] = []
        out.reserveCapacity(v.count)
        var i = 0
        while i < v.count {
            if v[i] == 0x5C, i + 1 < v.count, v[i + 1] == 0x24 {
                out.append(0x24)
                i += 2
            } else {
                out.append(v[i])
                i += 1
            }
        }
        return out
    }

    @inline(__always)
    static func isWord(_ c: UInt8) -> Bool {
        (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == 0x5F
    }

    /// `_interpolate(value)` of dotenv-expand 10, to the end or to the depth where Node gives up.
    static func interpolate(_ value: [UInt8], name variable: String, environment: [String: [UInt8]],
                            parsed: Parsed, budget: inout ReadBudget) -> Result<[UInt8], Failure> {
        guard value.contains(0x24) else { return .success(value) }
        let shownName = EnvParseError.shown(variable)
        var s = GapBuffer(value)
        var last = s.lastUnescapedDollar(before: s.count)
        var depth = 0
        // The reference replaced last, and where: it cannot occur before that point again.
        var previousGroup: [UInt8] = []
        var previousAt = 0
        while last >= 0 {
            // `\${?([\w]+)(?::-([^}\\]*))?}?` at the right-most unescaped `$`.
            var j = last + 1
            if j < s.count, s[j] == 0x7B { j += 1 }
            let nameStart = j
            while j < s.count, isWord(s[j]) { j += 1 }
            guard j > nameStart else { break }
            let name = s.bytes(nameStart..<j)
            var defaultValue: Range<Int>? = nil
            if j + 1 < s.count, s[j] == 0x3A, s[j + 1] == 0x2D {
                var k = j + 2
                while k < s.count, s[k] != 0x7D, s[k] != 0x5C { k += 1 }
                defaultValue = (j + 2)..<k
                j = k
            }
            if j < s.count, s[j] == 0x7D { j += 1 }
            depth += 1
            if depth > maxDepth {
                return .failure(Failure(reason: "the expansion of \(shownName) never ends or nests more than \(maxDepth) times (a variable refers to " +
                    "itself); Node.js overflows its stack and Next.js loads nothing from this file", isLimit: false))
            }
            let group = s.bytes(last..<j)
            let key = String(decoding: name, as: UTF8.self)
            var replacement: [UInt8] = []
            if let v = environment[key], !v.isEmpty {
                replacement = v
            } else if let d = defaultValue, !d.isEmpty {
                replacement = s.bytes(d)
            } else if let v = parsed[key] {
                replacement = v
            }
            // `String.prototype.replace(string, string)` replaces the first occurrence.
            let from = group == previousGroup ? min(last, max(0, previousAt - group.count + 1)) : 0
            let (at, scanned) = s.firstOccurrence(of: group, from: from, upTo: last)
            if let exceeded = budget.spend(scanned + group.count + replacement.count, variable: shownName) {
                return .failure(Failure(reason: exceeded.reason, isLimit: true))
            }
            let inserted: [UInt8]
            if replacement.contains(0x24) {
                guard let expandedPattern = substitution(replacement, group: group, at: at, in: s, variable: shownName) else {
                    return .failure(Failure(reason: ReadBudget.tooLong(shownName).reason, isLimit: true))
                }
                inserted = expandedPattern
            } else {
                inserted = replacement
            }
            if s.count - group.count + inserted.count > ReadBudget.maxValueBytes {
                return .failure(Failure(reason: ReadBudget.tooLong(shownName).reason, isLimit: true))
            }
            if let exceeded = budget.spend(abs(s.gapStart - at) + inserted.count, variable: shownName) {
                return .failure(Failure(reason: exceeded.reason, isLimit: true))
            }
            s.replace(at..<(at + group.count), with: inserted)
            previousGroup = group
            previousAt = at
            let delta = inserted.count - group.count
            if at < last {
                // The right-most `$` is still the same one, unless what now precedes it is a backslash.
                let moved = last + delta
                last = moved > 0 && s[moved - 1] == 0x5C ? s.lastUnescapedDollar(before: moved) : moved
            } else {
                last = s.lastUnescapedDollar(before: at + inserted.count)
            }
        }
        return .success(s.array())
    }

    /// The replacement as `String.prototype.replace` inserts it: `$$` is `$`, `$&` the matched
    /// text, `` $` `` what precedes it, `$'` what follows it. Nil when it would exceed the bound.
    static func substitution(_ r: [UInt8], group: [UInt8], at: Int, in s: GapBuffer, variable: String) -> [UInt8]? {
        var out: [UInt8] = []
        var i = 0
        while i < r.count {
            if r[i] == 0x24, i + 1 < r.count {
                switch r[i + 1] {
                case 0x24: out.append(0x24); i += 2; continue
                case 0x26: out.append(contentsOf: group); i += 2; continue
                case 0x60: out.append(contentsOf: s.bytes(0..<at)); i += 2; continue
                case 0x27: out.append(contentsOf: s.bytes((at + group.count)..<s.count)); i += 2; continue
                default: break
                }
            }
            out.append(r[i])
            i += 1
            if out.count > ReadBudget.maxValueBytes { return nil }
        }
        return out.count > ReadBudget.maxValueBytes ? nil : out
    }
}

/// A byte string with a movable gap, so that a run of replacements near one place costs only
/// what they change.
struct GapBuffer {
    private var storage: [UInt8]
    private(set) var gapStart: Int
    private var gapEnd: Int

    init(_ bytes: [UInt8]) {
        storage = bytes
        storage.append(contentsOf: repeatElement(0, count: 64))
        gapStart = bytes.count
        gapEnd = storage.count
    }

    var count: Int { storage.count - (gapEnd - gapStart) }

    @inline(__always)
    subscript(i: Int) -> UInt8 { i < gapStart ? storage[i] : storage[i + gapEnd - gapStart] }

    func bytes(_ r: Range<Int>) -> [UInt8] {
        if r.upperBound <= gapStart { return Array(storage[r]) }
        let gap = gapEnd - gapStart
        if r.lowerBound >= gapStart { return Array(storage[(r.lowerBound + gap)..<(r.upperBound + gap)]) }
        return Array(storage[r.lowerBound..<gapStart]) + Array(storage[gapEnd..<(r.upperBound + gap)])
    }

    func array() -> [UInt8] { bytes(0..<count) }

    /// The right-most `$` before `end` that does not follow a backslash, or -1.
    func lastUnescapedDollar(before end: Int) -> Int {
        var i = end - 1
        while i >= 0 {
            if self[i] == 0x24, i == 0 || self[i - 1] != 0x5C { return i }
            i -= 1
        }
        return -1
    }

    /// The first index at or after `from` where `needle` (which starts with `$`) occurs; it
    /// occurs at `upTo` at the latest. Also returns how many bytes were looked at.
    func firstOccurrence(of needle: [UInt8], from: Int, upTo: Int) -> (Int, Int) {
        var i = from
        while i < upTo {
            if self[i] == needle[0] {
                var k = 1
                while k < needle.count, i + k < count, self[i + k] == needle[k] { k += 1 }
                if k == needle.count { return (i, i - from + k) }
            }
            i += 1
        }
        return (upTo, upTo - from + needle.count)
    }

    mutating func replace(_ r: Range<Int>, with new: [UInt8]) {
        moveGap(to: r.lowerBound)
        gapEnd += r.count
        if gapEnd - gapStart < new.count {
            // Grow the gap: at least double the storage so that repeated growth stays linear.
            let newGap = max(new.count, storage.count) + 64
            let tail = storage.count - gapEnd
            let old = storage
            let (start, end) = (gapStart, gapEnd)
            storage = [UInt8](unsafeUninitializedCapacity: start + newGap + tail) { buffer, initialized in
                old.withUnsafeBufferPointer { o in
                    guard let from = o.baseAddress, let to = buffer.baseAddress else { return }
                    to.initialize(from: from, count: start)
                    (to + start).initialize(repeating: 0, count: newGap)
                    (to + start + newGap).initialize(from: from + end, count: tail)
                }
                initialized = start + newGap + tail
            }
            gapEnd = gapStart + newGap
        }
        let at = gapStart
        storage.withUnsafeMutableBufferPointer { b in
            new.withUnsafeBufferPointer { n in
                guard let to = b.baseAddress, let from = n.baseAddress else { return }
                (to + at).update(from: from, count: n.count)
            }
        }
        gapStart += new.count
    }

    private mutating func moveGap(to i: Int) {
        guard i != gapStart else { return }
        let (from, to, n) = i < gapStart ? (i, gapEnd - (gapStart - i), gapStart - i) : (gapEnd, gapStart, i - gapStart)
        storage.withUnsafeMutableBytes { raw in
            guard let base = raw.baseAddress else { return }
            (base + to).copyMemory(from: base + from, byteCount: n) // memmove: the ranges may overlap
        }
        if i < gapStart {
            gapStart = i
            gapEnd -= n
        } else {
            gapStart += n
            gapEnd += n
        }
    }
}
