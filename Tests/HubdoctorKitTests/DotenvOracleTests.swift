import Foundation
import Testing
@testable import HubdoctorKit

/// Every case of the recorded oracle (`fixtures/dotenv-oracle/cases.json`, what the real parsers
/// delivered for `KEY`) must come out the same from hubdoctor's readers.
struct OracleCase: CustomTestStringConvertible, Sendable {
    enum Expected: Equatable, Sendable { case value(String), absent, error }
    let name: String
    let input: String
    let expected: [Dialect: Expected]
    var testDescription: String { name }

    static let all: [OracleCase] = {
        var bytes = [UInt8](try! Data(contentsOf: URL(fileURLWithPath: Repo.path("fixtures/dotenv-oracle/cases.json"))))
        // Foundation's JSON reader drops a literal U+FEFF at the start of a string; the BOM case
        // needs it, so spell it as the equivalent JSON escape first.
        bytes = bytes.replacing([0xEF, 0xBB, 0xBF], with: Array("\\ufeff".utf8))
        let data = Data(bytes)
        let raw = try! JSONSerialization.jsonObject(with: data) as! [[String: Any]]
        return raw.map { c in
            var expected: [Dialect: Expected] = [:]
            for d in Dialect.allCases {
                let cell = c[d.rawValue] as! [String: Any]
                if let v = cell["value"] as? String { expected[d] = .value(v) }
                else if cell["absent"] != nil { expected[d] = .absent }
                else { expected[d] = .error }
            }
            return OracleCase(name: c["case"] as! String, input: c["input"] as! String, expected: expected)
        }
    }()
}

struct DialectCase: CustomTestStringConvertible, Sendable {
    let oracle: OracleCase
    let dialect: Dialect
    var testDescription: String { "\(dialect.rawValue): \(oracle.name)" }
    static let all: [DialectCase] = OracleCase.all.flatMap { o in Dialect.allCases.map { DialectCase(oracle: o, dialect: $0) } }
}

@Suite struct DotenvOracleTests {
    @Test func theOracleHasAllFortyThreeCases() {
        #expect(OracleCase.all.count == 43)
    }

    @Test(arguments: DialectCase.all)
    func readerDeliversWhatTheRealParserDelivered(_ c: DialectCase) {
        let doc = c.dialect.parse(Array(c.oracle.input.utf8))
        let got: OracleCase.Expected
        if doc.error != nil { got = .error }
        else if let e = doc.value(of: "KEY") { got = .value(e.value.text) }
        else { got = .absent }
        #expect(got == c.oracle.expected[c.dialect], "input \(c.oracle.input.debugDescription)")
    }
}
