import Foundation
import Testing
@testable import HubdoctorKit

/// Every case of the recorded oracles must come out the same from hubdoctor's readers:
/// `fixtures/dotenv-oracle/cases.json` (43 hand-written files, what the real parsers delivered for
/// `KEY`) and `generated.json` (240 generated files read by the readers' own upstream code, for
/// `API_KEY`).
struct OracleCase: CustomTestStringConvertible, Sendable {
    enum Expected: Equatable, Sendable { case value(String), absent, error }
    let name: String
    let input: [UInt8]
    /// The variable whose reading was recorded.
    let variable: String
    let expected: [Dialect: Expected]
    var testDescription: String { name }

    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    /// `cases.json`: inputs as JSON strings, the variable is `KEY`.
    static func handWritten() throws -> [OracleCase] {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Repo.path("fixtures/dotenv-oracle/cases.json"))))
        // Foundation's JSON reader drops a literal U+FEFF at the start of a string; the BOM case
        // needs it, so spell it as the equivalent JSON escape first.
        bytes = bytes.replacing([0xEF, 0xBB, 0xBF], with: Array("\\ufeff".utf8))
        return try records(Data(bytes)).map { c in
            guard let input = c["input"] as? String else { throw Malformed(description: "a case of cases.json has no input") }
            return try OracleCase(record: c, input: Array(input.utf8), variable: "KEY")
        }
    }

    /// `generated.json`: inputs as hex bytes, the variable is `API_KEY`.
    static func generated() throws -> [OracleCase] {
        let data = try Data(contentsOf: URL(fileURLWithPath: Repo.path("fixtures/dotenv-oracle/generated.json")))
        return try records(data).map { c in
            guard let hex = c["input_hex"] as? String, let input = bytes(hex: hex) else {
                throw Malformed(description: "a case of generated.json has no valid input_hex")
            }
            return try OracleCase(record: c, input: input, variable: "API_KEY")
        }
    }

    static func all() throws -> [OracleCase] { try handWritten() + generated() }

    private static func records(_ data: Data) throws -> [[String: Any]] {
        guard let raw = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw Malformed(description: "an oracle file is not a JSON array of objects")
        }
        return raw
    }

    private init(record c: [String: Any], input: [UInt8], variable: String) throws {
        guard let name = c["case"] as? String else { throw Malformed(description: "a case has no name") }
        var expected: [Dialect: Expected] = [:]
        for d in Dialect.allCases {
            guard let cell = c[d.rawValue] as? [String: Any] else {
                throw Malformed(description: "case \(name) has no \(d.rawValue) cell")
            }
            if let v = cell["value"] as? String { expected[d] = .value(v) }
            else if cell["absent"] != nil { expected[d] = .absent }
            else if cell["error"] != nil { expected[d] = .error }
            else { throw Malformed(description: "case \(name): the \(d.rawValue) cell is neither value, absent nor error") }
        }
        self.name = name
        self.input = input
        self.variable = variable
        self.expected = expected
    }

    private static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x61...0x66: return c - 0x61 + 10
            case 0x41...0x46: return c - 0x41 + 10
            default: return nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var i = 0
        while i < digits.count {
            guard let hi = nibble(digits[i]), let lo = nibble(digits[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }
}

struct DialectCase: CustomTestStringConvertible, Sendable {
    let oracle: OracleCase
    let dialect: Dialect
    var testDescription: String { "\(dialect.rawValue): \(oracle.name)" }

    static func all() throws -> [DialectCase] {
        try OracleCase.all().flatMap { o in Dialect.allCases.map { DialectCase(oracle: o, dialect: $0) } }
    }
}

@Suite struct DotenvOracleTests {
    @Test func theOraclesHoldFortyThreeHandWrittenAndTwoHundredFortyGeneratedCases() throws {
        #expect(try OracleCase.handWritten().count == 43)
        let generated = try OracleCase.generated()
        #expect(generated.count == 240)
        #expect(Set(generated.map(\.name)).count == 240)
    }

    @Test(arguments: try DialectCase.all())
    func readerDeliversWhatTheRealParserDelivered(_ c: DialectCase) {
        let doc = c.dialect.parse(c.oracle.input)
        let got: OracleCase.Expected
        if doc.error != nil { got = .error }
        else if let e = doc.value(of: c.oracle.variable) { got = .value(e.value.text) }
        else { got = .absent }
        #expect(got == c.oracle.expected[c.dialect],
                "input \(String(decoding: c.oracle.input, as: UTF8.self).debugDescription)")
    }
}
