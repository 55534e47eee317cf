import Foundation
import Testing
@testable import HubdoctorKit

extension ChangeEndToEnd {
    @Suite struct RotateCommandTests {
        static let oldKeys = ["hk_7Qe2Lm9Xv4Rt8Wz3Np6Jc1Bd", "hk_3Fs8Kp1Vn6Yq2Tx9Mb4Wg7Hr"]
        static let files = ["hivecfm-hub/.env", "hivecfm-core/.env.local", "hivecfm-core/.env"]

        /// The key now in the Hub's file (the test may know it; the output must not).
        static func currentKey(_ layout: LayoutCopy) throws -> String {
            let doc = Dialect.godotenv.parse(try layout.bytes("hivecfm-hub/.env"))
            return try #require(doc.value(of: "API_KEY")).value.text
        }

        @Test func twoLinksToOneServiceShareOneNewKey() async throws {
            let layout = TemporaryLayout()
            layout.write("svc/.env", "API_KEY=hk_Sh4red0Service1Key2Old3x\n")
            layout.write("a/.env", "A_KEY=hk_Sh4red0Service1Key2Old3x\n")
            layout.write("b/.env", "B_KEY=hk_Sh4red0Service1Key2Old3x\n")
            layout.write("hubdoctor.yaml", """
                version: 1
                links:
                  - name: a-to-svc
                    caller: {key: {env: a/.env, var: A_KEY, dialect: dotenv}}
                    service: {key: {env: svc/.env, var: API_KEY, dialect: godotenv}}
                  - name: b-to-svc
                    caller: {key: {env: b/.env, var: B_KEY, dialect: dotenv}}
                    service: {key: {env: svc/.env, var: API_KEY, dialect: godotenv}}

                """)
            let config = layout.path("hubdoctor.yaml")
            let r = try await Binary.running(["rotate", "--config", config, "--apply"])
            #expect(r.status == 0, "\(r.all)")
            let check = try await Binary.running(["check", "--config", config, "--offline", "--format", "json"])
            #expect(check.status == 0, "\(check.all)")
            #expect(check.findings.filter { $0["check"] as? String == "keys.match" }.count == 2)
            expectNoSecrets(r.all + check.all, ["hk_Sh4red0Service1Key2Old3x"])
        }

        @Test func theDryRunChangesNothingAndShowsNoKey() async throws {
            let layout = try LayoutCopy("drift-env-local-stale-env")
            let before = try layout.snapshot()
            let r = try await Binary.running(["rotate", "--root", layout.root])
            #expect(r.status == 0, "\(r.all)")
            #expect(r.stdout.contains("‹new key›"))
            #expect(try layout.snapshot() == before)
            expectNoSecrets(r.all, Self.oldKeys)
        }

        @Test func applyWritesOneStrongKeyToEveryFileAndKeepsTheOldKeyIn0600() async throws {
            let layout = try LayoutCopy("drift-env-local-stale-env")
            let before = try layout.snapshot()
            let r = try await Binary.running(["rotate", "--root", layout.root, "--apply"])
            #expect(r.status == 0, "\(r.all)")
            let key = try Self.currentKey(layout)
            #expect(key.range(of: #"^[A-Za-z0-9_-]{43}$"#, options: .regularExpression) != nil, "not 32 bytes of URL-safe base64")
            expectNoSecrets(r.all, Self.oldKeys + [key])
            for file in Self.files {
                let original = String(decoding: before[file]!, as: UTF8.self)
                let old = Self.oldKeys.first { original.contains($0) }!
                #expect(try layout.bytes(file) == Array(original.replacingOccurrences(of: old, with: key).utf8), "\(file)")
            }
            #expect(try await Binary.running(["check", "--offline", "--root", layout.root]).status == 0)

            let oldKeyFile = try #require(try layout.snapshot().keys.first { $0.contains(".hubdoctor-old-key-") })
            #expect(try layout.bytes(oldKeyFile) == Array(Self.oldKeys[0].utf8))
            #expect(try layout.mode(oldKeyFile) == 0o600)
            #expect(r.stdout.contains("OLD_API_KEY=\"$(cat "))
            #expect(r.stdout.contains((oldKeyFile as NSString).lastPathComponent + ")\" hubdoctor verify-rotation --old-key-env OLD_API_KEY"))
            #expect(r.stdout.contains("(cd hivecfm-hub && make run) & (cd hivecfm-core && pnpm dev)"))
        }

        /// Compose: the Hub's env_file, the project .env that Core's `environment:` interpolates,
        /// and the old copy in Core's env_file all get the new key.
        @Test func aComposeLayoutGetsTheKeyWhereverEachContainerReadsIt() async throws {
            let layout = try LayoutCopy("compose-interpolated")
            let r = try await Binary.running(["rotate", "--root", layout.root, "--apply"])
            #expect(r.status == 0, "\(r.all)")
            let key = try Self.currentKey(layout)
            for (file, name) in [(".env", "HUB_API_KEY"), ("hivecfm-core/.env", "HIVECFM_HUB_API_KEY")] {
                #expect(Dialect.compose.parse(try layout.bytes(file)).value(of: name)?.value.text == key, "\(file)")
            }
            #expect(r.stdout.contains("docker compose up -d --force-recreate hivecfm-hub-api hivecfm-core"))
            #expect(try await Binary.running(["check", "--offline", "--root", layout.root]).status == 0)
            expectNoSecrets(r.all, ["hk_Rq4Tz8Wm2Xv6Nb3Kc9Jp5Ld7", "hk_Yd3Mv7Qs1Zx5Rt9Wk2Bn6Lc8", key])
        }

        @Test func twoRotationsDrawDifferentKeys() async throws {
            let layout = try LayoutCopy("drift-crlf")
            #expect(try await Binary.running(["rotate", "--root", layout.root, "--apply"]).status == 0)
            let first = try Self.currentKey(layout)
            #expect(try await Binary.running(["rotate", "--root", layout.root, "--apply"]).status == 0)
            #expect(try Self.currentKey(layout) != first)
        }

        @Test func revealIsRefusedWhenStandardOutputIsNotATerminal() async throws {
            let layout = try LayoutCopy("drift-crlf")
            let before = try layout.snapshot()
            let r = try await Binary.running(["rotate", "--root", layout.root, "--apply", "--reveal"])
            #expect(r.status == 2)
            #expect(r.stderr.contains("terminal"))
            #expect(try layout.snapshot() == before)
        }

        /// The whole rotation as an engineer does it: a Hub on the old key, `rotate --apply`, the Hub
        /// restarted with the key now in its file, then the `verify-rotation` command exactly as
        /// `rotate` printed it (it reads the old key from its 0600 file, so no key is ever typed).
        @Test func thePrintedVerifyRotationCommandPassesAfterTheRestartAndFailsWithoutIt() async throws {
            let layout = try LayoutCopy("healthy")
            let oldKey = SecretValue("hk_5Jx9Qm2Rv8Tz4Wn7Lp3Yb6Ck")
            let before = try await SandboxHub.start(SandboxOptions(key: oldKey))
            let port = before.port
            let core = String(decoding: try layout.bytes("hivecfm-core/.env"), as: UTF8.self)
            try layout.write("hivecfm-core/.env", Array(core.replacingOccurrences(of: "http://localhost:8090", with: before.baseURL).utf8))

            let rotated = try await Binary.running(["rotate", "--root", layout.root, "--apply"])
            #expect(rotated.status == 0, "\(rotated.all)")
            let lines = rotated.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            let command = try #require(lines.first { $0.hasPrefix("$ OLD_API_KEY=") }.map { String($0.dropFirst(2)) })
            let path = ((Binary.url.path as NSString).deletingLastPathComponent) + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
            func verify() async throws -> Binary.Result {
                try await Binary.running(["-c", command + " --timeout 2"], environment: ["PATH": path], executable: URL(fileURLWithPath: "/bin/sh"))
            }

            // Not restarted yet: the Hub still holds the old key.
            let stale = try await verify()
            #expect(stale.status == 1, "\(stale.all)")
            #expect(stale.stdout.contains("key-rejected"))

            await before.stop()
            // The same port, as a restarted Hub keeps its address: bound again with retries, as the
            // old listener's socket may linger for a moment after stop.
            let after = try await SandboxHub.restart(SandboxOptions(key: SecretValue(try Self.currentKey(layout))), on: port)
            try await serving(after) { after in
                let good = try await verify()
                #expect(good.status == 0, "\(good.all)")
                expectNoSecrets(rotated.all + stale.all + good.all, [oldKey.text, try Self.currentKey(layout)])
            }
        }

        /// `script` gives the binary a pseudo-terminal, the one place `--reveal` prints the key.
        @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs util-linux script for a pseudo-terminal"))
        func revealPrintsTheNewKeyOnATerminalOnly() async throws {
            let layout = try LayoutCopy("healthy")
            let command = [Binary.url.path, "rotate", "--root", layout.root, "--apply", "--reveal"].map(ShellWord.quote).joined(separator: " ")
            let r = try await Binary.running(["-qec", command, "/dev/null"], executable: URL(fileURLWithPath: "/usr/bin/script"))
            #expect(r.status == 0, "\(r.all)")
            let key = try Self.currentKey(layout)
            #expect(r.stdout.contains("New key of core-to-hub (shown because of --reveal): \(key)"))
            #expect(r.stdout.components(separatedBy: key).count == 2, "the key is shown once, in the reveal line only")
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
}
