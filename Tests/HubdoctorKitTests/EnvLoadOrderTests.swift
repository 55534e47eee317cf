import Foundation
import Testing
@testable import HubdoctorKit

/// Load orders and expansion across files, as each reader's loader does them.
@Suite struct EnvLoadOrderTests {
    /// A throwaway layout holding `files`.
    static func layout(_ files: [String: String]) -> TemporaryLayout {
        let t = TemporaryLayout()
        for (path, content) in files { t.write(path, content) }
        return t
    }

    @Test func nextDevReadsEnvLocalBeforeEnvAndTheFirstDefinitionWins() throws {
        let t = Self.layout(["c/.env": "K=from-env\n", "c/.env.local": "K=from-local\n"])
        let resolver = SourceResolver(root: t.root, environment: [:])
        let r = resolver.read(.env(files: ["c/.env.local", "c/.env"], var: "K", dialect: .next))
        #expect(r.value?.text == "from-local")
        #expect(r.origin?.label == "c/.env.local:1")
        #expect(r.shadowed.map(\.origin.label) == ["c/.env:1"])
        #expect(r.notes.contains { $0.contains("c/.env.local wins over c/.env") })
    }

    @Test func nextTestModeDoesNotLoadEnvLocal() {
        let files = HiveCFMProfile.nextFiles(environment: "test")
        #expect(!files.contains("hivecfm-core/.env.local"))
        #expect(files == ["hivecfm-core/.env.test.local", "hivecfm-core/.env.test", "hivecfm-core/.env"])
        #expect(HiveCFMProfile.nextFiles().prefix(2) == ["hivecfm-core/.env.development.local", "hivecfm-core/.env.local"])
    }

    @Test func nextExpansionSeesHigherPriorityFilesFirst() throws {
        // .env.local is loaded first, so when .env is expanded its $HOST_PART comes from .env.local.
        let t = Self.layout(["c/.env.local": "HOST_PART=local\n", "c/.env": "HOST_PART=base\nURL=http://${HOST_PART}:1\n"])
        let resolver = SourceResolver(root: t.root, environment: [:])
        let r = resolver.read(.env(files: ["c/.env.local", "c/.env"], var: "URL", dialect: .next))
        #expect(r.value?.text == "http://local:1")
    }

    @Test func nextExpansionUsesDefaultsAndKeepsEscapedDollars() {
        let doc = Dialect.next.parse(Array("A=${MISSING:-fallback}\nB=pre\\$post\nC=$A-$A\n".utf8))
        #expect(doc.value(of: "A")?.value.text == "fallback")
        #expect(doc.value(of: "B")?.value.text == "pre$post")
        #expect(doc.value(of: "C")?.value.text == "fallback-fallback")
    }

    @Test func nextProcessEnvironmentBeatsTheFile() {
        let doc = DotenvExpand.expand(DotenvJSParser.parse(Array("K=file\nR=${K}\n".utf8)), processEnv: ["K": "process"])
        #expect(doc.value(of: "K")?.value.text == "process")
        #expect(doc.value(of: "R")?.value.text == "process")
    }

    @Test func selfReferenceIsReportedInsteadOfLoopingForever() {
        let doc = Dialect.next.parse(Array("A=$A$A\n".utf8))
        #expect(doc.error?.line == 1)
        #expect(doc.error?.reason.contains("never ends") == true)
    }

    @Test func godotenvFirstFileWinsAndStopsAtAFileItCannotParse() throws {
        let t = Self.layout(["a.env": "K=first\n", "b.env": "K=second\n", "bad.env": "MY-KEY=x\n"])
        let resolver = SourceResolver(root: t.root, environment: [:])
        let r = resolver.read(.env(files: ["a.env", "b.env"], var: "K", dialect: .godotenv))
        #expect(r.value?.text == "first")
        let stopped = resolver.read(.env(files: ["bad.env", "b.env"], var: "K", dialect: .godotenv))
        #expect(stopped.value == nil)
        #expect(stopped.problems.first?.origin.line == 1)
        #expect(stopped.notes.contains { $0.contains("stops at bad.env") })
    }

    @Test func godotenvExpandsOnlyUpperCaseNamesFromEarlierLines() {
        let doc = Dialect.godotenv.parse(Array("HOST=h\nlower=l\nA=$HOST/$lower\nB=\"${HOST}\"\n".utf8))
        #expect(doc.value(of: "A")?.value.text == "h/$lower")
        #expect(doc.value(of: "B")?.value.text == "h")
    }

    @Test func composeInterpolatesDefaultsRequiredAndDoubleDollar() {
        let doc = Dialect.compose.parse(Array("A=${UNSET:-d}\nB=$${A}\nC=${A:+alt}\n".utf8))
        #expect(doc.value(of: "A")?.value.text == "d")
        #expect(doc.value(of: "B")?.value.text == "${A}")
        #expect(doc.value(of: "C")?.value.text == "alt")
        let refused = Dialect.compose.parse(Array("OK=1\nA=${REQ:?must be set}\n".utf8))
        #expect(refused.error?.line == 2)
        #expect(Dialect.compose.parse(Array("A=${\n".utf8)).error != nil)
    }

    @Test func composeTakesAnInheritedBareNameFromItsEnvironment() {
        let doc = Dialect.compose.parse(Array("FROM_ENV\nX=1\n".utf8), lookup: ["FROM_ENV": "v"])
        #expect(doc.value(of: "FROM_ENV")?.value.text == "v")
        #expect(Dialect.compose.parse(Array("FROM_ENV\n".utf8)).value(of: "FROM_ENV") == nil)
    }

    @Test func multiLineQuotedValuesAndCRLFAsEachReaderDoes() {
        let input = Array("K=\"l1\r\nl2\"\r\nN=x\r\n".utf8)
        #expect(Dialect.next.parse(input).value(of: "K")?.value.text == "l1\nl2")
        #expect(Dialect.godotenv.parse(input).value(of: "K")?.value.text == "l1\nl2")
        #expect(Dialect.compose.parse(input).value(of: "K")?.value.text == "l1\r\nl2")
        #expect(Dialect.compose.parse(input).value(of: "N")?.line == 3)
    }

    @Test func nonUTF8BytesAreKeptOrReplacedAsEachReaderDoes() {
        // 0xFF is not UTF-8. Node decodes it to U+FFFD; godotenv keeps raw bytes in quotes but
        // converts unquoted lines to runes (U+FFFD); compose keeps the bytes.
        let quoted: [UInt8] = Array("K=\"a".utf8) + [0xFF] + Array("b\"\n".utf8)
        let bare: [UInt8] = Array("K=a".utf8) + [0xFF] + Array("b\n".utf8)
        #expect(Dialect.godotenv.parse(quoted).value(of: "K")?.value.bytes == [0x61, 0xFF, 0x62])
        #expect(Dialect.godotenv.parse(bare).value(of: "K")?.value.bytes == [0x61, 0xEF, 0xBF, 0xBD, 0x62])
        #expect(Dialect.next.parse(bare).value(of: "K")?.value.bytes == [0x61, 0xEF, 0xBF, 0xBD, 0x62])
        #expect(Dialect.compose.parse(bare).value(of: "K")?.value.bytes == [0x61, 0xFF, 0x62])
    }

    @Test func noBreakSpaceAndTabsAtTheEndsAreTrimmedOnlyByTheReadersThatTrimThem() {
        let input = Array("K=abc\u{00A0}\n".utf8)
        // JavaScript's trim() and Go's isSpace both include U+00A0.
        #expect(Dialect.next.parse(input).value(of: "K")?.value.text == "abc")
        #expect(Dialect.godotenv.parse(input).value(of: "K")?.value.text == "abc")
        #expect(Dialect.compose.parse(input).value(of: "K")?.value.text == "abc")
        let zeroWidth = Array("K=abc\u{200B}\n".utf8)
        #expect(Dialect.godotenv.parse(zeroWidth).value(of: "K")?.value.text == "abc\u{200B}")
    }

    @Test func parseErrorsNeverQuoteTheFile() {
        let secret = "s3cr3t-value-that-must-not-leak"
        var refusals = 0
        for d in Dialect.allCases {
            for input in ["KEY=\"\(secret)\nB=y\n", "\u{FEFF}KEY=\(secret)\n", "MY-\(secret)=x\n", "KEY=\"\(secret)\" junk\n",
                          "KEY=abc${\(secret)\n"] {
                if let e = d.parse(Array(input.utf8)).error {
                    refusals += 1
                    #expect(!e.description.contains(secret), "\(d) \(e)")
                    #expect(!e.description.contains("s3cr3t"))
                }
            }
        }
        // godotenv refuses the first four, Compose the unterminated quote and the open `${`.
        #expect(refusals == 6)
    }
}

extension EnvLoadOrderTests {
    /// A configuration file may be up to 1 MiB, all of it one line: the Go readers decode it in one
    /// pass (copying the rest of the line for each character made this take hours).
    @Test func aOneMegabyteLineIsReadInOnePass() {
        let value = String(repeating: "a", count: 1_000_000)
        let input = Array("API_KEY=\(value) # note\n".utf8)
        let start = Date()
        for d in [Dialect.godotenv, .compose] {
            #expect(d.parse(input).value(of: "API_KEY")?.value.length == 1_000_000)
        }
        #expect(Date().timeIntervalSince(start) < 30, "a hang guard, not a speed test")
    }
}
