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
        #expect(out.contains("-KEY=\"‹\(SecretValue(old).fingerprint)›\" # ‹comment hidden›"))
        #expect(out.contains("+KEY=\"‹\(SecretValue(new).fingerprint)›\" # ‹comment hidden›"))
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
        #expect(out.contains(" # KEY=‹…›\n"))
        #expect(out.contains(" DB_PASSWORD=‹…› ‹…›"))
        expectNoSecrets(out, [old, new, "tailSecret9"])
    }
}

/// Issue 10: a key in a comment was masked only up to its first space or punctuation, and a
/// comment after a value was printed. Known keys go first, whole and by every run of 10
/// characters; then commented-out definitions lose their whole value.
extension RedactedDiffTests {
    static let phrase = "horse battery staple, correct!"

    func diff(_ text: String, _ value: String, known: [String]) throws -> String {
        let edit = try EnvFileEditor(readers: [.next, .compose], display: "core/.env")
            .apply([EnvAssignment(name: "KEY", value: SecretValue(value))], to: Array(text.utf8))
        return RedactedDiff.render(display: "core/.env", edit: edit, scrubber: KeyScrubber(keys: known))
    }

    @Test func aCommentedOutKeyWithSpacesAndPunctuationIsHiddenToTheEndOfTheLine() throws {
        let text = "#HIVECFM_HUB_API_KEY=\(Self.phrase)\n#  export OTHER_KEY = x-\(Self.phrase)\nKEY=\(old)\n"
        let out = try diff(text, new, known: [])
        #expect(out.contains(" #HIVECFM_HUB_API_KEY=‹…›\n"), "\(out)")
        #expect(out.contains(" #  export OTHER_KEY = ‹…›\n"), "\(out)")
        #expect(!out.contains("battery") && !out.contains("staple"), "\(out)")
    }

    @Test func aSecretNamedInProseLosesEverythingAfterIt() throws {
        let text = "# old api_key: \(Self.phrase) (kept for the rollback)\nKEY=\(old)\n"
        let out = try diff(text, new, known: [])
        #expect(out.contains(" # old api_key: ‹…›\n"), "\(out)")
        #expect(!out.contains("battery"))
    }

    @Test func aKnownKeyAnywhereInACommentIsRemovedWholeAndByEveryRunOfTenCharacters() throws {
        let known = "Quiet-river 42 under;the-bridge"
        let fragment = String(known.dropFirst(3).prefix(12))
        let text = "# rotated from \(known) in May\n# then someone pasted \(fragment) here\nKEY=\(old)\n"
        let out = try diff(text, new, known: [known])
        #expect(out.contains(" # rotated from ‹redacted› in May"), "\(out)")
        #expect(out.contains(" # then someone pasted ‹redacted› here"), "\(out)")
        expectNoKeyFragments(out, [known])
    }

    @Test func anInlineCommentAfterAnyValueIsHidden() throws {
        let text = "A=1 # the previous KEY was \(Self.phrase)\nKEY=\(old) # \(Self.phrase)\n"
        let out = try diff(text, new, known: [])
        #expect(out.contains(" A=‹…› # ‹comment hidden›"), "\(out)")
        #expect(out.contains("+KEY=‹\(SecretValue(new).fingerprint)› # ‹comment hidden›"), "\(out)")
        #expect(!out.contains("battery"))
    }

    @Test func theOldAndNewValuesAreScrubbedEvenWhenTheRunRegisteredNothing() throws {
        // The old value copied, cut, into a comment right above its definition.
        let text = "# was: \(old.dropLast(4))\nKEY=\(old)\n"
        let out = try diff(text, new, known: [])
        expectNoKeyFragments(out, [old, new])
    }
}
