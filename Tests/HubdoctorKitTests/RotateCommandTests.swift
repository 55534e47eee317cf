import Foundation
import Testing
@testable import HubdoctorKit

@Suite(.serialized) struct RotateCommandTests {
    static let oldKeys = ["hk_7Qe2Lm9Xv4Rt8Wz3Np6Jc1Bd", "hk_3Fs8Kp1Vn6Yq2Tx9Mb4Wg7Hr"]
    static let files = ["hivecfm-hub/.env", "hivecfm-core/.env.local", "hivecfm-core/.env"]

    /// The key now in the Hub's file (the test may know it; the output must not).
    static func currentKey(_ layout: LayoutCopy) throws -> String {
        let doc = Dialect.godotenv.parse(try layout.bytes("hivecfm-hub/.env"))
        return try #require(doc.value(of: "API_KEY")).value.text
    }

    @Test func theDryRunChangesNothingAndShowsNoKey() throws {
        let layout = try LayoutCopy("drift-env-local-stale-env")
        let before = try layout.snapshot()
        let r = try Binary.run(["rotate", "--root", layout.root])
        #expect(r.status == 0, "\(r.all)")
        #expect(r.stdout.contains("‹new key›"))
        #expect(try layout.snapshot() == before)
        expectNoSecrets(r.all, Self.oldKeys)
    }

    @Test func applyWritesOneStrongKeyToEveryFileAndKeepsTheOldKeyIn0600() throws {
        let layout = try LayoutCopy("drift-env-local-stale-env")
        let before = try layout.snapshot()
        let r = try Binary.run(["rotate", "--root", layout.root, "--apply"])
        #expect(r.status == 0, "\(r.all)")
        let key = try Self.currentKey(layout)
        #expect(key.range(of: #"^[A-Za-z0-9_-]{43}$"#, options: .regularExpression) != nil, "not 32 bytes of URL-safe base64")
        expectNoSecrets(r.all, Self.oldKeys + [key])
        for file in Self.files {
            let original = String(decoding: before[file]!, as: UTF8.self)
            let old = Self.oldKeys.first { original.contains($0) }!
            #expect(try layout.bytes(file) == Array(original.replacingOccurrences(of: old, with: key).utf8), "\(file)")
        }
        #expect(try Binary.run(["check", "--offline", "--root", layout.root]).status == 0)

        let oldKeyFile = try #require(try layout.snapshot().keys.first { $0.contains(".hubdoctor-old-key-") })
        #expect(try layout.bytes(oldKeyFile) == Array(Self.oldKeys[0].utf8))
        #expect(try layout.mode(oldKeyFile) == 0o600)
        #expect(r.stdout.contains("OLD_API_KEY=\"$(cat "))
        #expect(r.stdout.contains((oldKeyFile as NSString).lastPathComponent + ")\" hubdoctor verify-rotation --old-key-env OLD_API_KEY"))
        #expect(r.stdout.contains("(cd hivecfm-hub && make run) & (cd hivecfm-core && pnpm dev)"))
    }

    @Test func twoRotationsDrawDifferentKeys() throws {
        let layout = try LayoutCopy("drift-crlf")
        #expect(try Binary.run(["rotate", "--root", layout.root, "--apply"]).status == 0)
        let first = try Self.currentKey(layout)
        #expect(try Binary.run(["rotate", "--root", layout.root, "--apply"]).status == 0)
        #expect(try Self.currentKey(layout) != first)
    }

    @Test func revealIsRefusedWhenStandardOutputIsNotATerminal() throws {
        let layout = try LayoutCopy("drift-crlf")
        let before = try layout.snapshot()
        let r = try Binary.run(["rotate", "--root", layout.root, "--apply", "--reveal"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("terminal"))
        #expect(try layout.snapshot() == before)
    }

    @Test func generatedKeysAre32RandomBytesInURLSafeBase64() {
        var seen = Set<String>()
        for _ in 0..<200 {
            let k = KeyGenerator.generate().text
            #expect(k.count == 43)
            #expect(k.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
            seen.insert(k)
        }
        #expect(seen.count == 200)
    }
}
