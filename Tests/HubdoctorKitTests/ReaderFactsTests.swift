import Foundation
import Testing
@testable import HubdoctorKit

/// The rules of the pinned upstream readers that the oracle files exercise only here and there,
/// one file each: what dotenv 16.3.1 (+ dotenv-expand 10.0.0 for `next`), godotenv v1.5.1 and
/// compose-go v2.13.0 delivered for `K` when run on exactly these bytes.
struct ReaderFact: CustomTestStringConvertible, Sendable {
    enum Reading: Equatable, Sendable { case value(String), absent, error }
    let name: String
    let input: String
    let next: Reading, dotenv: Reading, godotenv: Reading, compose: Reading
    var testDescription: String { name }

    func expected(_ d: Dialect) -> Reading {
        switch d {
        case .next: return next
        case .dotenv: return dotenv
        case .godotenv: return godotenv
        case .compose: return compose
        }
    }

    static let all: [ReaderFact] = [
        .init(name: "dotenv-expand 10: a non-empty default beats a value of the same file", input: "HOST=h\nK=${HOST:-d}\n",
              next: .value("d"), dotenv: .value("${HOST:-d}"), godotenv: .value("h:-d}"), compose: .value("h")),
        .init(name: "dotenv-expand 10: ${VAR-default} is not a form", input: "K=${HOST-d}\n",
              next: .value("-d}"), dotenv: .value("${HOST-d}"), godotenv: .value("-d}"), compose: .value("d")),
        .init(name: "dotenv-expand 10: ${A.B} is $A then .B}", input: "A=x\nK=${A.B}\n",
              next: .value("x.B}"), dotenv: .value("${A.B}"), godotenv: .value("x.B}"), compose: .error),
        .init(name: "dotenv-expand 10: a self-reference loses the whole file", input: "OTHER=1\nK=$K\n",
              next: .error, dotenv: .value("$K"), godotenv: .value(""), compose: .value("")),
        .init(name: "dotenv-expand 10: the first occurrence is replaced, escaped or not", input: "A=1\nK=\\$A$A\n",
              next: .value("\\11"), dotenv: .value("\\$A$A"), godotenv: .value("$A1"), compose: .value("\\11")),
        .init(name: "dotenv-expand 10: $& in a value is the reference itself", input: "A='a$&b'\nK=[$A]\n",
              next: .value("[a]"), dotenv: .value("[$A]"), godotenv: .value("[a$&b]"), compose: .value("[a$&b]")),
        .init(name: "dotenv-expand 10: $` in a value is what precedes the reference", input: "A='<$`>'\nK=pre$A\n",
              next: .value("pre<pre>"), dotenv: .value("pre$A"), godotenv: .value("pre<$`>"), compose: .value("pre<$`>")),
        .init(name: "dotenv-expand 10: 5,000 references overflow Node's stack", input: "A=a\nK=" + String(repeating: "$A", count: 5_000) + "\n",
              next: .error, dotenv: .value(String(repeating: "$A", count: 5_000)), godotenv: .value(String(repeating: "a", count: 5_000)),
              compose: .value(String(repeating: "a", count: 5_000))),
        .init(name: "godotenv v1.5.1: $(HOST) is $HOST then ), and stops dotenv-expand", input: "HOST=h\nA=$(whoami)\nK=$(HOST)\n",
              next: .value("$(HOST)"), dotenv: .value("$(HOST)"), godotenv: .value("h)"), compose: .value("$(HOST)")),
        .init(name: "compose-go: \\0 alone is a backslash", input: "K=\"ab\\0cd\"\n",
              next: .value("ab\\0cd"), dotenv: .value("ab\\0cd"), godotenv: .value("ab0cd"), compose: .value("ab\\cd")),
        .init(name: "compose-go: \\05 is \\5", input: "K=\"ab\\05\"\n",
              next: .value("ab\\05"), dotenv: .value("ab\\05"), godotenv: .value("ab05"), compose: .value("ab\\5")),
        .init(name: "compose-go: \\0101 is A", input: "K=\"\\0101\"\n",
              next: .value("\\0101"), dotenv: .value("\\0101"), godotenv: .value("0101"), compose: .value("A")),
        .init(name: "compose-go: \\0128 is \\128", input: "K=\"\\0128\"\n",
              next: .value("\\0128"), dotenv: .value("\\0128"), godotenv: .value("0128"), compose: .value("\\128")),
        .init(name: "compose-go: a default runs to the last } of the line, cut at the balancing one", input: "K=a${UNSET:-x}${B:-y}b}\n",
              next: .value("axyb}"), dotenv: .value("a${UNSET:-x}${B:-y}b}"), godotenv: .value("a:-x}:-y}b}"), compose: .value("axyb}")),
        .init(name: "compose-go: braces inside a default", input: "K=${UNSET:-{x}}\n",
              next: .value("{x}"), dotenv: .value("${UNSET:-{x}}"), godotenv: .value(":-{x}}"), compose: .value("{x}")),
        .init(name: "Go readers: a bare export at the end refuses the file", input: "K=1\nexport \t",
              next: .value("1"), dotenv: .value("1"), godotenv: .error, compose: .error),
        .init(name: "dotenv: the unquoting is multiline and U+2029 ends a line", input: "K=`a\u{2029}\"`\"\n",
              next: .value("`a\u{2029}`"), dotenv: .value("`a\u{2029}`"), godotenv: .value("`a\u{2029}\"`\""), compose: .value("`a\u{2029}\"`\"")),
        .init(name: "dotenv: a quoted value closes at the last quote that ends the match", input: "K='a'b'\n",
              next: .value("a'b"), dotenv: .value("a'b"), godotenv: .error, compose: .error),
        .init(name: "dotenv: an escaped quote can close a value", input: "K='a\\' # c\nL='b'\n",
              next: .value("a\\"), dotenv: .value("a\\"), godotenv: .error, compose: .error),
        .init(name: "dotenv: a value can start on the next line", input: "K=\n\"x\"\n",
              next: .value("x"), dotenv: .value("x"), godotenv: .error, compose: .error),
        .init(name: "dotenv: `K:` takes one space, a line break too", input: "K:\nvalue\n",
              next: .value("value"), dotenv: .value("value"), godotenv: .error, compose: .value("")),
    ]
}

struct ReaderFactCase: CustomTestStringConvertible, Sendable {
    let fact: ReaderFact
    let dialect: Dialect
    var testDescription: String { "\(dialect.rawValue): \(fact.name)" }
    static let all = ReaderFact.all.flatMap { f in Dialect.allCases.map { ReaderFactCase(fact: f, dialect: $0) } }
}

@Suite struct ReaderFactsTests {
    @Test(arguments: ReaderFactCase.all)
    func readerDeliversWhatItsPinnedUpstreamDelivers(_ c: ReaderFactCase) {
        let doc = c.dialect.parse(Array(c.fact.input.utf8))
        let got: ReaderFact.Reading
        if doc.error != nil { got = .error }
        else if let e = doc.value(of: "K") { got = .value(e.value.text) }
        else { got = .absent }
        #expect(got == c.fact.expected(c.dialect))
    }

    @Test func aRefusalNamesTheLineAndNeverQuotesTheValue() throws {
        let secret = "hk_3Yb6Ck5Jx9Qm2Rv8Tz4Wn7Lp"
        let input = Array("A=\(secret)\nK=$K\n".utf8)
        let error = try #require(Dialect.next.parse(input).error)
        #expect(error.line == 2)
        #expect(error.reason.contains("Node.js overflows its stack"))
        #expect(!error.reason.contains(secret))
    }

    /// `hubdoctor env --format json` is written without Foundation's encoder; it must stay byte for
    /// byte what the encoder writes, escapes and empty arrays included.
    @Test func theDirectJSONReportIsWhatFoundationsEncoderWrites() {
        let tricky = "a\"b\\c\u{01}\u{08}\t\n\u{0C}\r\u{1F}/é\u{2028}🔑"
        let report = EnvReport(files: [
            EnvFileReport(path: "dir/\(tricky).env", dialect: "next", error: nil,
                          variables: [EnvVariable(name: "K\r\(tricky)", line: 12, length: 0, fingerprint: "sha256:0123456789ab"),
                                      EnvVariable(name: "L", line: 1_234_567, length: 31, fingerprint: "sha256:ba9876543210")],
                          disagreements: [EnvDisagreement(name: "K", line: 3, readings: [
                              .init(dialect: "next", present: true, length: 4, fingerprint: "sha256:000000000000"),
                              .init(dialect: "dotenv", present: false),
                              .init(dialect: "godotenv", present: false, error: "line 1: \(tricky)"),
                          ], summary: tricky)]),
            EnvFileReport(path: "empty.env", dialect: "compose", error: "line 9: refused", variables: [], disagreements: []),
        ])
        #expect(EnvJSONWriter.render(report) == JSONReporter.render(report))
        #expect(EnvJSONWriter.render(EnvReport(files: [])) == JSONReporter.render(EnvReport(files: [])))
    }
}
