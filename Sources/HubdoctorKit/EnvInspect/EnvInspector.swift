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
        let docs = Dictionary(uniqueKeysWithValues: Dialect.allCases.map { ($0, $0.parse(bytes)) })
        let doc = docs[dialect]!
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

    /// Variables (in file order) that the four readers do not deliver identically.
    static func disagreements(_ docs: [Dialect: EnvDocument]) -> [EnvDisagreement] {
        var names: [(String, Int)] = []
        for d in Dialect.allCases {
            for v in docs[d]!.variables where !names.contains(where: { $0.0 == v.name }) { names.append((v.name, v.line)) }
        }
        names.sort { $0.1 < $1.1 }
        var out: [EnvDisagreement] = []
        for (name, line) in names {
            let readings = Dialect.allCases.map { d -> EnvDisagreement.Reading in
                let doc = docs[d]!
                if let e = doc.error { return .init(dialect: d.rawValue, present: false, error: e.description) }
                guard let v = doc.value(of: name)?.value else { return .init(dialect: d.rawValue, present: false) }
                return .init(dialect: d.rawValue, present: true, length: v.length, fingerprint: v.fingerprint)
            }
            let distinct = Set(readings.map { "\($0.present)|\($0.fingerprint ?? "")|\($0.error != nil)" })
            guard distinct.count > 1 else { continue }
            let summary = readings.map { r -> String in
                if let e = r.error { return "\(r.dialect) refuses the file (\(e))" }
                if !r.present { return "\(r.dialect) does not see it" }
                return "\(r.dialect) reads \(r.length ?? 0) chars (\(r.fingerprint ?? ""))"
            }.joined(separator: "; ")
            out.append(EnvDisagreement(name: name, line: line, readings: readings, summary: summary))
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
