import Foundation
import Testing
@testable import HubdoctorKit

@Suite struct EnvFileEditorTests {
    let key = SecretValue("hk_7Qe2Lm9Xv4Rt8Wz3Np6Jc1Bd")
    let core = EnvFileEditor(readers: [.next, .compose], display: "hivecfm-core/.env")
    let hub = EnvFileEditor(readers: [.godotenv, .compose], display: "hivecfm-hub/.env")

    func set(_ text: String, _ value: SecretValue? = nil, editor: EnvFileEditor? = nil, name: String = "KEY") throws -> String {
        let edit = try (editor ?? core).apply([EnvAssignment(name: name, value: value ?? key)], to: Array(text.utf8))
        return String(decoding: edit.edited, as: UTF8.self)
    }

    @Test func anUnquotedValueStaysUnquotedAndTheRestOfTheFileIsUntouched() throws {
        let text = "# top\nA=1\nKEY=old-value\n\n# tail\nB=2\n"
        #expect(try set(text) == "# top\nA=1\nKEY=hk_7Qe2Lm9Xv4Rt8Wz3Np6Jc1Bd\n\n# tail\nB=2\n")
    }

    @Test func doubleQuotesSpacingAndInlineCommentAreKept() throws {
        #expect(try set("KEY = \"old\"   # rotated in March\n") == "KEY = \"hk_7Qe2Lm9Xv4Rt8Wz3Np6Jc1Bd\"   # rotated in March\n")
    }

    @Test func exportAndSingleQuotesAreKeptWhenEveryReaderReadsThemAlike() throws {
        #expect(try set("export KEY='old' # c\n") == "export KEY='hk_7Qe2Lm9Xv4Rt8Wz3Np6Jc1Bd' # c\n")
    }

    @Test func aDollarInsideSingleQuotesMovesToDoubleQuotesBecauseNextExpandsIt() throws {
        let value = SecretValue("ab$Cd9#xY")
        let out = try set("KEY='old'\n", value)
        #expect(out == "KEY=\"ab\\$Cd9#xY\"\n")
        for d in [Dialect.next, .compose, .godotenv] { #expect(d.parse(Array(out.utf8)).value(of: "KEY")?.value == value) }
    }

    @Test func aHashTurnsAnUnquotedValueIntoADoubleQuotedOne() throws {
        #expect(try set("KEY=old\n", SecretValue("abc#def123")) == "KEY=\"abc#def123\"\n")
    }

    @Test func crlfLineEndingsAndAMissingFinalNewlineAreKept() throws {
        #expect(try set("A=1\r\nKEY=old # note\r\nB=2") == "A=1\r\nKEY=hk_7Qe2Lm9Xv4Rt8Wz3Np6Jc1Bd # note\r\nB=2")
    }

    @Test func anAbsentVariableIsAppendedWithTheFilesLineEnding() throws {
        #expect(try set("A=1\r\nB=2\r\n") == "A=1\r\nB=2\r\nKEY=hk_7Qe2Lm9Xv4Rt8Wz3Np6Jc1Bd\r\n")
        #expect(try set("A=1\nB=2") == "A=1\nB=2\nKEY=hk_7Qe2Lm9Xv4Rt8Wz3Np6Jc1Bd")
        #expect(try set("") == "KEY=hk_7Qe2Lm9Xv4Rt8Wz3Np6Jc1Bd\n")
    }

    @Test func anAppendedLineFollowsAFileWrittenWithExport() throws {
        #expect(try set("export A=1\nexport B=2\n") == "export A=1\nexport B=2\nexport KEY=hk_7Qe2Lm9Xv4Rt8Wz3Np6Jc1Bd\n")
    }

    @Test func onlyTheLastDefinitionChangesBecauseItIsTheOneDelivered() throws {
        let edit = try core.apply([EnvAssignment(name: "KEY", value: key)], to: Array("KEY=first\nA=1\nKEY=second\n".utf8))
        #expect(String(decoding: edit.edited, as: UTF8.self) == "KEY=first\nA=1\nKEY=hk_7Qe2Lm9Xv4Rt8Wz3Np6Jc1Bd\n")
        #expect(edit.notes.contains { $0.contains("line 1") })
    }

    @Test func anEmptyValueBeforeACommentGetsTheKeyAndKeepsTheComment() throws {
        let out = try set("KEY= # ask ops\n")
        #expect(out == "KEY= hk_7Qe2Lm9Xv4Rt8Wz3Np6Jc1Bd # ask ops\n")
    }

    @Test func aTabBeforeTheCommentForcesQuotesBecauseComposeKeepsTabHashAsValue() throws {
        let out = try set("KEY=old\t# c\n")
        #expect(out == "KEY=\"hk_7Qe2Lm9Xv4Rt8Wz3Np6Jc1Bd\"\t# c\n")
        #expect(Dialect.compose.parse(Array(out.utf8)).value(of: "KEY")?.value == key)
    }

    @Test func aMultiLineQuotedValueIsReplacedWhole() throws {
        #expect(try set("A=1\nKEY=\"line1\nline2\"\nB=2\n") == "A=1\nKEY=\"hk_7Qe2Lm9Xv4Rt8Wz3Np6Jc1Bd\"\nB=2\n")
    }

    @Test func aFileTheCurrentReaderRefusesIsNotEdited() throws {
        #expect(throws: HubdoctorError.self) { try set("MY-KEY=x\nKEY=old\n", editor: hub) }
    }

    @Test func aVariableThatExpandsTheKeyFollowsIt() throws {
        let out = try set("KEY=old\nCOPY=${KEY}\n")
        #expect(Dialect.next.parse(Array(out.utf8)).value(of: "COPY")?.value == key)
    }

    @Test func aValueNoSpellingCanCarryIsRefused() {
        #expect(throws: HubdoctorError.self) { try set("KEY=old\n", SecretValue("two\nlines")) }
    }

    /// Every recorded oracle input, each key shape, both sides' readers: the edit is refused exactly
    /// when the current reader refuses the file; otherwise every reader delivers exactly the key and
    /// every byte outside the changed span is as before.
    @Test(arguments: try OracleCase.handWritten())
    func everyReaderDeliversTheNewKeyAndNothingElseMoves(_ c: OracleCase) throws {
        let values = ["hk_7Qe2Lm9Xv4Rt8Wz3Np6Jc1Bd", "wR5lLgRLPvHTyfg82FG8JQSM-S-B7Aw8npj3mFaAd38", "a$B#c d'e", "x\"y"].map(SecretValue.init)
        for readers in [[Dialect.next, .compose], [.godotenv, .compose], [.compose, .godotenv, .next]] {
            let editor = EnvFileEditor(readers: readers, display: "case.env")
            let input = c.input
            for value in values {
                if readers[0].parse(input).error != nil {
                    #expect(throws: HubdoctorError.self) { try editor.apply([EnvAssignment(name: "KEY", value: value)], to: input) }
                    continue
                }
                let edit = try editor.apply([EnvAssignment(name: "KEY", value: value)], to: input)
                for d in readers where d.parse(input).error == nil {
                    #expect(d.parse(edit.edited).value(of: "KEY")?.value == value, "\(d.rawValue) on \(c.name)")
                }
                var rebuilt = input
                for change in edit.changes.sorted(by: { $0.range.lowerBound > $1.range.lowerBound }) {
                    rebuilt.replaceSubrange(change.range, with: change.replacement)
                }
                #expect(rebuilt == edit.edited)
                // A replaced span starts right after `KEY=` (or `KEY:`) on its own line: only a value moves.
                for change in edit.changes where !change.appended {
                    let lineStart = input[..<change.range.lowerBound].lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
                    let before = String(decoding: input[lineStart..<change.range.lowerBound], as: UTF8.self)
                    let head = before.trimmingCharacters(in: .whitespaces)
                    #expect(head.hasSuffix("=") || head.hasSuffix(":"), "\(c.name): change starts after \(head.count) characters that are not `KEY=`")
                    #expect(head.contains("KEY"))
                }
            }
        }
    }
}
