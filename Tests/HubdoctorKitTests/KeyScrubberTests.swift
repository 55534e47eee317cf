import Testing
@testable import HubdoctorKit

@Suite struct KeyScrubberTests {
    let key = "horse battery staple; 9f!Xq"

    @Test func aKeyIsRemovedWholeWhereverItStands() {
        let out = KeyScrubber(keys: [key]).scrub("before \(key) after")
        #expect(out == "before ‹redacted› after")
    }

    @Test func everyRunOfTenCharactersOfAKeyIsRemoved() {
        let s = KeyScrubber(keys: [key])
        for start in 0...(key.count - 10) {
            let piece = String(Array(key)[start..<(start + 10)])
            let out = s.scrub("x[\(piece)]y")
            #expect(out == "x[‹redacted›]y", "offset \(start): \(out)")
        }
    }

    @Test func nineCharactersOfALongKeyAreOrdinaryText() {
        // The rule is runs of 10: shorter pieces of a long key would also match words.
        #expect(KeyScrubber(keys: [key]).scrub("a horse ba b") == "a horse ba b")
    }

    @Test func aKeyShorterThanTheWindowIsRemovedWhole() {
        let s = KeyScrubber(keys: ["p@ss w0"])
        #expect(s.scrub("pw=p@ss w0; again p@ss w0") == "pw=‹redacted›; again ‹redacted›")
        #expect(s.scrub("p@ss w") == "p@ss w")
    }

    @Test func keysShorterThanSixCharactersAreLeftToThePlaceholderCheck() {
        #expect(KeyScrubber(keys: ["abc12"]).isEmpty)
    }

    @Test func overlappingRunsOfTwoKeysBecomeOneMark() {
        let a = "AAAAAbbbbbCCCCC", b = "CCCCCdddddEEEEE"
        let out = KeyScrubber(keys: [a, b]).scrub("<AAAAAbbbbbCCCCCdddddEEEEE>")
        #expect(out == "<‹redacted›>")
    }

    @Test func nonASCIIKeysAreMatchedByCharacter() {
        let k = "clé-secrète-ünïcode-✓"
        let out = KeyScrubber(keys: [k]).scrub("got secrète-ünïc here")
        #expect(out == "got ‹redacted› here")
    }

    @Test func addingKeepsTheEarlierKeys() {
        let s = KeyScrubber(keys: [key]).adding([SecretValue("another-secret-value")])
        #expect(s.scrub("\(key) another-secret-value") == "‹redacted› ‹redacted›")
    }
}
