import Dispatch
import Synchronization

/// `hubdoctor env`: every variable of each file as a named reader reads it (line, length,
/// fingerprint, never the value), and every variable on which the four readers disagree.
public struct EnvReport: Codable, Sendable {
    public var schema = "hubdoctor/env@1"
    public var files: [EnvFileReport]

    public var exitCode: Int32 { files.contains { $0.error != nil } ? ExitCodes.findings : ExitCodes.ok }
}

public struct EnvFileReport: Codable, Sendable {
    public var path: String
    public var dialect: String
    /// `line N: why` when the reader refuses the whole file or it cannot be read; then no variables.
    public var error: String?
    public var variables: [EnvVariable]
    public var disagreements: [EnvDisagreement]

    enum CodingKeys: String, CodingKey { case path, dialect, error, variables, disagreements }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(path, forKey: .path)
        try c.encode(dialect, forKey: .dialect)
        try c.encode(error, forKey: .error) // an explicit null, as the contract shows
        try c.encode(variables, forKey: .variables)
        try c.encode(disagreements, forKey: .disagreements)
    }
}

public struct EnvVariable: Codable, Sendable, Equatable {
    public var name: String
    public var line: Int
    public var length: Int
    public var fingerprint: String
}

public struct EnvDisagreement: Codable, Sendable, Equatable {
    public struct Reading: Codable, Sendable, Equatable {
        public var dialect: String
        public var present: Bool
        public var length: Int?
        public var fingerprint: String?
        public var error: String?
    }

    public var name: String
    public var line: Int
    public var readings: [Reading]
    /// One sentence: who reads what.
    public var summary: String
}

public enum EnvInspector {
    public static func inspect(paths: [String], dialect: Dialect) -> EnvReport {
        EnvReport(files: paths.map { inspect(path: $0, dialect: dialect) })
    }

    public static func inspect(path: String, dialect: Dialect) -> EnvFileReport {
        var report = EnvFileReport(path: path, dialect: dialect.rawValue, error: nil, variables: [], disagreements: [])
        let bytes: [UInt8]
        switch SourceFile.read(path) {
        case .failure(let problem):
            report.error = problem.reason
            return report
        case .success(let b):
            bytes = b
        }
        let docs = readAll(bytes)
        let doc = docs[dialect] ?? dialect.parse(bytes)
        if let e = doc.error {
            report.error = e.description
        } else {
            report.variables = doc.variables.map {
                EnvVariable(name: $0.name, line: $0.line, length: $0.value.length, fingerprint: $0.value.fingerprint)
            }
        }
        report.disagreements = disagreements(docs)
        return report
    }

    /// The file as each of the four readers reads it. dotenv's parse is shared with Next.js's
    /// (which only adds the expansion), and the Go readers run meanwhile on another thread.
    static func readAll(_ bytes: [UInt8]) -> [Dialect: EnvDocument] {
        let results = Mutex<[Dialect: EnvDocument]>([:])
        DispatchQueue.concurrentPerform(iterations: 2) { part in
            if part == 0 {
                let dotenv = DotenvJSParser.parse(bytes)
                let next = DotenvExpand.expand(dotenv, processEnv: [:])
                results.withLock { $0[.dotenv] = dotenv; $0[.next] = next }
            } else {
                let godotenv = GodotenvParser.parse(bytes)
                let compose = ComposeEnvParser.parse(bytes)
                results.withLock { $0[.godotenv] = godotenv; $0[.compose] = compose }
            }
        }
        return results.withLock { $0 }
    }

    /// Variables (in file order) that the four readers do not deliver identically.
    static func disagreements(_ docs: [Dialect: EnvDocument]) -> [EnvDisagreement] {
        // One slot per name across the readers: files can hold tens of thousands of lines, so each
        // definition costs one lookup and nothing is fingerprinted unless the readers differ.
        let dialects = Dialect.allCases
        var slot: [String: Int] = [:]
        var names: [String] = []
        var delivered = [[SecretValue?]](repeating: [], count: dialects.count)
        var lineOf = [[Int]](repeating: [], count: dialects.count)
        // The readers usually find the same names in the same order: then a definition's slot is
        // the one at the same position in the reader before, checked by comparing the name.
        var previousSlots: [Int] = []
        var previousEntries: [EnvEntry] = []
        for (i, d) in dialects.enumerated() {
            guard let doc = docs[d], doc.error == nil else { continue }
            var slots: [Int] = []
            slots.reserveCapacity(doc.entries.count)
            for (position, e) in doc.entries.enumerated() {
                let k: Int
                if position < previousEntries.count, previousEntries[position].name == e.name {
                    k = previousSlots[position]
                } else if let s = slot[e.name] {
                    k = s
                } else {
                    k = names.count
                    slot[e.name] = k
                    names.append(e.name)
                }
                if delivered[i].count <= k {
                    delivered[i].append(contentsOf: repeatElement(nil, count: k + 1 - delivered[i].count))
                    lineOf[i].append(contentsOf: repeatElement(Int.max, count: k + 1 - lineOf[i].count))
                }
                // The last definition is the one delivered, with its line.
                delivered[i][k] = e.value
                lineOf[i][k] = e.line
                slots.append(k)
            }
            previousSlots = slots
            previousEntries = doc.entries
        }
        let errors = dialects.map { docs[$0]?.error }
        func value(_ i: Int, _ k: Int) -> SecretValue? { k < delivered[i].count ? delivered[i][k] : nil }
        let firstLine = names.indices.map { k in dialects.indices.map { k < lineOf[$0].count ? lineOf[$0][k] : Int.max }.min() ?? Int.max }
        let order = names.indices.sorted { firstLine[$0] != firstLine[$1] ? firstLine[$0] < firstLine[$1] : names[$0] < names[$1] }
        var out: [EnvDisagreement] = []
        for k in order {
            // Compare what each reader delivers (a refusal, nothing, or bytes) before fingerprinting anything.
            let seen = dialects.indices.map { i -> SecretValue?? in errors[i] != nil ? .none : .some(value(i, k)) }
            guard seen.contains(where: { $0 != seen[0] }) else { continue }
            let readings = dialects.indices.map { i -> EnvDisagreement.Reading in
                let d = dialects[i]
                if let e = errors[i] { return .init(dialect: d.rawValue, present: false, error: e.description) }
                guard let v = value(i, k) else { return .init(dialect: d.rawValue, present: false) }
                return .init(dialect: d.rawValue, present: true, length: v.length, fingerprint: v.fingerprint)
            }
            let summary = readings.indices.map { i -> String in
                let r = readings[i]
                // The refusal's reason is in the reading (and the file's error): the line is enough here.
                if let e = errors[i] { return "\(r.dialect) refuses the file (line \(e.line))" }
                if !r.present { return "\(r.dialect) does not see it" }
                return "\(r.dialect) reads \(r.length ?? 0) chars (\(r.fingerprint ?? ""))"
            }.joined(separator: "; ")
            out.append(EnvDisagreement(name: names[k], line: firstLine[k], readings: readings, summary: summary))
        }
        return out
    }
}

/// `hubdoctor env --format text`.
public struct EnvTextReporter {
    public var style: TextStyle

    public init(style: TextStyle) { self.style = style }

    public func render(_ report: EnvReport) -> String {
        var out = ""
        for f in report.files {
            out += style.bold("\(f.path)") + "  (read as \(f.dialect))\n"
            if let e = f.error {
                out += "  \(style.mark(.fail)) \(f.path): \(e)\n"
            } else if f.variables.isEmpty {
                out += "  (no variables)\n"
            } else {
                let width = max(4, f.variables.map(\.name.count).max() ?? 4)
                out += style.dim("  " + pad("LINE", 5) + "  " + "NAME".padding(toLength: width, withPad: " ", startingAt: 0) + "  LENGTH  FINGERPRINT") + "\n"
                for v in f.variables {
                    out += "  " + pad(String(v.line), 5) + "  " + v.name.padding(toLength: width, withPad: " ", startingAt: 0)
                        + "  " + pad(String(v.length), 6) + "  " + v.fingerprint + "\n"
                }
            }
            if !f.disagreements.isEmpty {
                out += "  " + style.mark(.warn) + " The readers disagree on:\n"
                for d in f.disagreements {
                    out += "    line \(d.line) \(d.name): \(d.summary)\n"
                }
            }
            out += "\n"
        }
        return out
    }

    private func pad(_ s: String, _ n: Int) -> String { String(repeating: " ", count: max(0, n - s.count)) + s }
}

/// `hubdoctor env --format json`, written directly: byte for byte what `JSONReporter.render`
/// (Foundation's encoder, pretty-printed with sorted keys) writes for the same report, in a
/// fraction of the time for files of tens of thousands of variables.
public enum EnvJSONWriter {
    public static func render(_ report: EnvReport) -> String {
        var w = Writer()
        w.open(0x7B)
        w.key("files")
        w.open(0x5B)
        for file in report.files {
            w.item()
            w.open(0x7B)
            w.key("dialect"); w.string(file.dialect)
            w.key("disagreements")
            w.open(0x5B)
            for d in file.disagreements {
                w.item()
                w.open(0x7B)
                w.key("line"); w.int(d.line)
                w.key("name"); w.string(d.name)
                w.key("readings")
                w.open(0x5B)
                for r in d.readings {
                    w.item()
                    w.open(0x7B)
                    w.key("dialect"); w.string(r.dialect)
                    if let e = r.error { w.key("error"); w.string(e) }
                    if let f = r.fingerprint { w.key("fingerprint"); w.string(f) }
                    if let l = r.length { w.key("length"); w.int(l) }
                    w.key("present"); w.raw(r.present ? "true" : "false")
                    w.close(0x7D)
                }
                w.close(0x5D)
                w.key("summary"); w.string(d.summary)
                w.close(0x7D)
            }
            w.close(0x5D)
            w.key("error")
            if let e = file.error { w.string(e) } else { w.raw("null") }
            w.key("path"); w.string(file.path)
            w.key("variables")
            w.open(0x5B)
            for v in file.variables {
                w.item()
                w.open(0x7B)
                w.key("fingerprint"); w.string(v.fingerprint)
                w.key("length"); w.int(v.length)
                w.key("line"); w.int(v.line)
                w.key("name"); w.string(v.name)
                w.close(0x7D)
            }
            w.close(0x5D)
            w.close(0x7D)
        }
        w.close(0x5D)
        w.key("schema"); w.string(report.schema)
        w.close(0x7D)
        w.out.append(0x0A)
        return String(decoding: w.out, as: UTF8.self)
    }

    /// Foundation's pretty printing: two spaces per level, `"key" : value`, and an empty array or
    /// object as its brackets around an empty line.
    struct Writer {
        var out: [UInt8] = []
        /// Per open container: whether it holds a member yet.
        private var filled: [Bool] = []

        init() { out.reserveCapacity(1 << 16) }

        private static let spaces = [UInt8](repeating: 0x20, count: 64)

        private mutating func indent() {
            let n = 2 * filled.count
            if n <= Self.spaces.count { out.append(contentsOf: Self.spaces[0..<n]) } else { out.append(contentsOf: repeatElement(0x20, count: n)) }
        }

        mutating func open(_ bracket: UInt8) {
            out.append(bracket)
            out.append(0x0A)
            filled.append(false)
        }

        mutating func close(_ bracket: UInt8) {
            filled.removeLast()
            out.append(0x0A)
            indent()
            out.append(bracket)
        }

        /// Starts the next member of the innermost container.
        mutating func item() {
            if filled[filled.count - 1] { out.append(contentsOf: [0x2C, 0x0A]) }
            filled[filled.count - 1] = true
            indent()
        }

        /// A key: the report's own names, which need no escaping.
        mutating func key(_ k: StaticString) {
            item()
            out.append(0x22)
            k.withUTF8Buffer { out.append(contentsOf: $0) }
            out.append(contentsOf: [0x22, 0x20, 0x3A, 0x20])
        }

        mutating func raw(_ text: String) { out.append(contentsOf: text.utf8) }
        mutating func int(_ n: Int) {
            guard n >= 0 else { out.append(contentsOf: String(n).utf8); return }
            var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            var count = 0
            var v = n
            withUnsafeMutableBytes(of: &digits) { d in
                repeat {
                    d[19 - count] = 0x30 + UInt8(v % 10)
                    v /= 10
                    count += 1
                } while v > 0
                out.append(contentsOf: d[(20 - count)...])
            }
        }

        mutating func string(_ s: String) {
            out.append(0x22)
            var s = s
            s.withUTF8 { utf8 in
                var plain = true
                for b in utf8 where b < 0x20 || b == 0x22 || b == 0x5C {
                    plain = false
                    break
                }
                if plain { out.append(contentsOf: utf8) } else { escaped(utf8) }
            }
            out.append(0x22)
        }

        private mutating func escaped(_ utf8: UnsafeBufferPointer<UInt8>) {
            for b in utf8 {
                switch b {
                case 0x22: out.append(contentsOf: [0x5C, 0x22])
                case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
                case 0x08: out.append(contentsOf: [0x5C, 0x62])
                case 0x09: out.append(contentsOf: [0x5C, 0x74])
                case 0x0A: out.append(contentsOf: [0x5C, 0x6E])
                case 0x0C: out.append(contentsOf: [0x5C, 0x66])
                case 0x0D: out.append(contentsOf: [0x5C, 0x72])
                case 0..<0x20:
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0x0F)]])
                default: out.append(b)
                }
            }
        }
    }
}
