import Foundation
import Testing
@testable import HubdoctorKit

@Suite struct RedactedDiffTests {
    let old = "hk_3Fs8Kp1Vn6Yq2Tx9Mb4Wg7Hr", new = "hk_7Qe2Lm9Xv4Rt8Wz3Np6Jc1Bd"

    func diff(_ text: String, _ value: String) throws -> String {
        let edit = try EnvFileEditor(readers: [.next, .compose], display: "core/.env")
            .apply([EnvAssignment(name: "KEY", value: SecretValue(value))], to: Array(text.utf8))
        return RedactedDiff.render(display: "core/.env", edit: edit)
    }

    @Test func theChangedLineShowsFingerprintsAndNoValueAppears() throws {
        let text = "# comment stays visible\nDATABASE_URL=postgres://u:pw-secret@db/hub\nKEY=\"\(old)\" # note\nB=2\n"
        let out = try diff(text, new)
        #expect(out.contains("-KEY=\"‹\(SecretValue(old).fingerprint)›\" # note"))
        #expect(out.contains("+KEY=\"‹\(SecretValue(new).fingerprint)›\" # note"))
        #expect(out.contains(" # comment stays visible"))
        #expect(out.contains(" DATABASE_URL=‹…›"))
        expectNoSecrets(out, [old, new, "pw-secret"])
    }

    @Test func hunkHeadersCountLinesAndContextIsThreeLines() throws {
        let text = (1...10).map { "# line \($0)" }.joined(separator: "\n") + "\nKEY=\(old)\n" + (12...20).map { "# line \($0)" }.joined(separator: "\n") + "\n"
        let out = try diff(text, new)
        #expect(out.contains("@@ -8,7 +8,7 @@"))
        #expect(!out.contains("# line 7\n"))
        #expect(out.contains(" # line 14\n"))
        #expect(!out.contains("# line 15"))
    }

    @Test func anAppendToAFileWithoutFinalNewlineIsShownAsDiffShowsIt() throws {
        let out = try diff("A=1", new)
        #expect(out == """
            --- a/core/.env
            +++ b/core/.env
            @@ -1 +1,2 @@
            -A=‹…›
            \\ No newline at end of file
            +A=‹…›
            +KEY=‹\(SecretValue(new).fingerprint)›
            \\ No newline at end of file

            """)
    }

    @Test func aMultiLineValueOfAnotherVariableStaysHidden() throws {
        let text = "CERT=\"-----BEGIN KEY-----\nMIIsecretmaterial\n-----END KEY-----\"\nKEY=\(old)\n"
        let out = try diff(text, new)
        #expect(!out.contains("MIIsecretmaterial"))
        #expect(out.contains(" ‹…›"))
    }
}

extension RedactedDiffTests {
    @Test func keysKeptInCommentsOrAfterATabAreNotShown() throws {
        let text = "# KEY=\(old) (before the rotation)\nKEY=\(old)\nDB_PASSWORD=abc\t#tailSecret9\n"
        let out = try diff(text, new)
        #expect(out.contains(" # KEY=‹redacted›"))
        #expect(out.contains(" DB_PASSWORD=‹…› ‹…›"))
        expectNoSecrets(out, [old, new, "tailSecret9"])
    }
}
