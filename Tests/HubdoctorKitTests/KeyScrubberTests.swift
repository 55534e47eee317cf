import Foundation
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

    // MARK: Encoded echoes

    static let echoKeys = ["hk_Vq3Ws8Nd2Kp7Hx4Tb9Mz6RfLc1Jy5", "Zx9!q,w;e:r@t#y%u^i&o*p(k)=[]", "clé secrète ✓ 12345", "s3cr3t!x"]

    /// Each encoding a service echoes a key in, as its encoder writes it.
    static let encoders: [(name: String, encode: @Sendable (String) -> String)] = [
        ("base64", { Data($0.utf8).base64EncodedString() }),
        ("base64url", { Data($0.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "") }),
        ("percent", { $0.utf8.map { String(format: "%%%02X", $0) }.joined() }),
        ("percent lower-case", { $0.utf8.map { String(format: "%%%02x", $0) }.joined() }),
        ("percent where needed", { $0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "" }),
        ("form", { ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: " "))) ?? "").replacingOccurrences(of: " ", with: "+") }),
        ("percent twice", { $0.utf8.map { String(format: "%%25%02X", $0) }.joined() }),
        ("json \\u", { $0.utf16.map { String(format: "\\u%04x", $0) }.joined() }),
        ("json \\u escaped again", { $0.utf16.map { String(format: "\\\\u%04X", $0) }.joined() }),
        ("xml decimal", { $0.unicodeScalars.map { "&#\($0.value);" }.joined() }),
        ("xml hex", { $0.unicodeScalars.map { "&#x\(String($0.value, radix: 16));" }.joined() }),
        ("xml escaped again", { $0.unicodeScalars.map { "&amp;#\($0.value);" }.joined() }),
    ]

    /// The key in each encoding.
    static func encodings(_ key: String) -> [(String, String)] {
        encoders.map { ($0.name, $0.encode(key)) }
    }

    /// What must not be in an output that a key was echoed into, per encoding: every 10-character
    /// run of the key (or the whole key, if shorter), encoded. For base64, whose pieces depend on
    /// their alignment, every 10-character run of the encoded key instead (7.5 bytes of it).
    static func forbiddenPieces(_ key: String) -> [(String, [String])] {
        let scalars = Array(key.unicodeScalars)
        let n = min(10, scalars.count)
        let runs = (0...(scalars.count - n)).map { start -> String in
            var piece = String.UnicodeScalarView()
            piece.append(contentsOf: scalars[start..<(start + n)])
            return String(piece)
        }
        return [("plain", runs)] + encoders.map { encoder in
            guard encoder.name.hasPrefix("base64") else { return (encoder.name, runs.map(encoder.encode)) }
            let encoded = Array(encoder.encode(key).unicodeScalars)
            let m = min(10, encoded.count)
            return (encoder.name, (0...(encoded.count - m)).map { start in
                var piece = String.UnicodeScalarView()
                piece.append(contentsOf: encoded[start..<(start + m)])
                return String(piece)
            })
        }
    }

    @Test(arguments: echoKeys)
    func aKeyIsRemovedInEveryEncodingWholeAndByEveryRunOfTen(_ key: String) {
        let s = KeyScrubber(keys: [key])
        for (name, form) in Self.encodings(key) {
            let whole = s.scrub("echo: \(form) end")
            expectNoKeyFragments(whole, [form], comment: "\(name), whole")
            #expect(whole.hasPrefix("echo: ") && whole.hasSuffix(" end"), "\(name): \(whole)")
        }
        // Every 10-character run of the key, in each encoding (where an encoding of the run is a
        // run of the encoding: not so for base64, whose pieces depend on their alignment).
        let scalars = Array(key.unicodeScalars)
        guard scalars.count > 10 else { return }
        for start in 0...(scalars.count - 10) {
            var piece = String.UnicodeScalarView()
            piece.append(contentsOf: scalars[start..<(start + 10)])
            for (name, form) in Self.encodings(String(piece)) {
                let out = s.scrub("x \(form) y")
                #expect(out.contains(KeyScrubber.mark), "\(name) of the run at \(start) stayed: \(out)")
            }
        }
    }

    @Test func aPieceOfAKeyBase64EncodedInsideALongerTextIsRemovedAtAnyAlignment() {
        let key = "hk_Vq3Ws8Nd2Kp7Hx4Tb9Mz6RfLc1Jy5"
        let s = KeyScrubber(keys: [key])
        for prefix in ["", "a", "ab", "Bearer ", "token=x"] {
            let encoded = Data((prefix + key + "\n").utf8).base64EncodedString()
            let out = s.scrub(encoded)
            // What may stay: the bytes around the key, and at most the few characters its edges share with them.
            let kept = out.components(separatedBy: KeyScrubber.mark).map(\.count).reduce(0, +)
            #expect(out.contains(KeyScrubber.mark) && kept <= Data(prefix.utf8).base64EncodedString().count + 8, "prefix \(prefix.debugDescription): \(out)")
        }
    }

    @Test func textWithoutAnyKeyIsLeftAsItIsWhateverItsEscapes() {
        let s = KeyScrubber(keys: ["hk_Vq3Ws8Nd2Kp7Hx4Tb9Mz6RfLc1Jy5"])
        for text in [#"{"a":"\u0068\u006b","b":"x\/y"}"#, "a%20b+c%2", "&amp;&#104;&lt;&bogus;", "C:\\Users\\x", "dGhpcyBpcyBmaW5l"] {
            #expect(s.scrub(text) == text)
        }
    }

    @Test func anXMLEscapedKeyThatGoEscapedAgainForJSONIsRemoved() {
        // Go's encoding/json writes `&` as \u0026: an XML echo inside a Go service's JSON body.
        let key = "Zx9!q,w;e:r@t#y%u^i&o*p(k)=[]"
        let xml = key.unicodeScalars.map { "&#\($0.value);" }.joined()
        let goJSON = xml.replacingOccurrences(of: "&", with: "\\u0026")
        let out = KeyScrubber(keys: [key]).scrub(#"{"error":""# + goJSON + #""}"#)
        #expect(out == #"{"error":"‹redacted›"}"#, "\(out)")
    }

    @Test func theDocumentedPublicPrefixOfATeamHubTokenStaysVisibleButNothingPastIt() {
        let s = KeyScrubber(keys: ["hbk_AbCd1234EfGh5678IjKl9012"])
        #expect(s.scrub("token hbk_AbCd1234 of sandbox") == "token hbk_AbCd1234 of sandbox")
        #expect(s.scrub("token hbk_AbCd1234E") == "token hbk‹redacted›")
    }
}
