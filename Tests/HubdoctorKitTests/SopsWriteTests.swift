import Foundation
import Testing
@testable import HubdoctorKit

extension ChangeEndToEnd {
    /// Issue 10: `fix` and `rotate` planned to write a plaintext key into a SOPS-encrypted dotenv.
    /// They must leave it byte for byte as it was and print the `sops set` step that puts the key
    /// there encrypted, with the key in a 0600 value file, never on the command line or in output.
    /// Real sops and age: the printed step is run, and `check` then passes.
    @Suite(.enabled(if: SopsTools.runnable, SopsTools.skipMessage))
    struct SopsEncryptedDotenvWriteTests {
        static let hubKey = "hk_5Jx9Qm2Rv8Tz4Wn7Lp3Yb6Ck", coreKey = "hk_Vq3Ws8Nd2Kp7Hx4Tb9Mz6Rf"

        /// The `drift` layout with the Hub's `.env` encrypted by sops for a fresh age key; the
        /// environment finds only that key, and `TMPDIR` (for value files) is inside the layout.
        static func encryptedHub() async throws -> (TemporaryLayout, [String: String]) {
            try SopsTools.require()
            let layout = TemporaryLayout()
            layout.copy(fixture: "fixtures/layouts/drift")
            let key = try await SopsTools.makeKey(in: layout, name: "age-keys.txt")
            try await SopsTools.encrypt(layout, "hivecfm-hub/.env", recipient: key.recipient, inputType: "dotenv")
            try FileManager.default.createDirectory(atPath: layout.path("tmp"), withIntermediateDirectories: true)
            var env = SopsTools.environment(keyFile: key.file, home: layout.root)
            env["TMPDIR"] = layout.path("tmp")
            return (layout, env)
        }

        static func bytes(_ layout: TemporaryLayout, _ file: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: layout.path(file))) }

        /// The printed `$ sops set …` commands.
        static func sopsCommands(_ output: String) -> [String] {
            output.split(separator: "\n").compactMap { line in
                let t = line.trimmingCharacters(in: .whitespaces)
                return t.hasPrefix("$ sops set ") ? String(t.dropFirst(2)) : nil
            }
        }

        static func shell(_ command: String, _ env: [String: String], in dir: String) async throws -> Binary.Result {
            try await Binary.running(["-c", command], environment: env, currentDirectory: dir, executable: URL(fileURLWithPath: "/bin/sh"))
        }

        @Test func fixFromTheCallerRefusesToWritePlaintextIntoTheEncryptedHubEnvAndPrintsTheSopsStep() async throws {
            let (layout, env) = try await Self.encryptedHub()
            let encrypted = try Self.bytes(layout, "hivecfm-hub/.env")
            let dry = try await Binary.running(["fix", "--root", layout.root, "--from", "caller"], environment: env, currentDirectory: layout.root)
            #expect(dry.status == 1, "\(dry.all)")
            #expect(Self.sopsCommands(dry.stdout) == [#"sops set --input-type dotenv --output-type dotenv --value-file hivecfm-hub/.env '["API_KEY"]' VALUE_FILE"#], "\(dry.stdout)")

            let applied = try await Binary.running(["fix", "--root", layout.root, "--from", "caller", "--apply"], environment: env, currentDirectory: layout.root)
            #expect(applied.status == 1, "by-hand steps remain: \(applied.all)")
            #expect(try Self.bytes(layout, "hivecfm-hub/.env") == encrypted, "the encrypted file must not change")
            let command = try #require(Self.sopsCommands(applied.stdout).first, "\(applied.stdout)")
            let valueFile = try #require(command.split(separator: " ").last.map(String.init))
            let attributes = try FileManager.default.attributesOfItem(atPath: layout.path(valueFile))
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            #expect(valueFile.hasPrefix("tmp/hubdoctor-"), "the value file goes to TMPDIR, not next to the encrypted file: \(valueFile)")

            let set = try await Self.shell(command, env, in: layout.root)
            #expect(set.status == 0, "the printed sops step fails: \(set.stderr)")
            let text = try #require(String(data: try Self.bytes(layout, "hivecfm-hub/.env"), encoding: .utf8))
            #expect(text.contains("API_KEY=ENC[AES256_GCM,"), "sops kept the value encrypted")
            #expect(!text.contains(Self.coreKey))
            let check = try await Binary.running(["check", "--offline", "--root", layout.root], environment: env)
            #expect(check.status == 0, "after the sops step both sides hold the caller's key: \(check.all)")
            expectNoKeyFragments(dry.all + applied.all + check.all, [Self.hubKey, Self.coreKey])
        }

        @Test func rotateWritesThePlainCallerFilesAndLeavesTheEncryptedHubEnvToSops() async throws {
            let (layout, env) = try await Self.encryptedHub()
            let encrypted = try Self.bytes(layout, "hivecfm-hub/.env")
            let coreBefore = try Self.bytes(layout, "hivecfm-core/.env")
            let dry = try await Binary.running(["rotate", "--root", layout.root], environment: env, currentDirectory: layout.root)
            #expect(Self.sopsCommands(dry.stdout).count == 1, "\(dry.all)")
            #expect(try Self.bytes(layout, "hivecfm-hub/.env") == encrypted)

            let applied = try await Binary.running(["rotate", "--root", layout.root, "--apply"], environment: env, currentDirectory: layout.root)
            #expect(try Self.bytes(layout, "hivecfm-hub/.env") == encrypted, "the encrypted file must not change: \(applied.all)")
            #expect(try Self.bytes(layout, "hivecfm-core/.env") != coreBefore, "the caller's plain file takes the new key")
            let command = try #require(Self.sopsCommands(applied.stdout).first, "\(applied.all)")
            let valueFile = try #require(command.split(separator: " ").last.map(String.init))
            let json = try Self.bytes(layout, valueFile)
            let newKey = try #require(try JSONSerialization.jsonObject(with: json, options: .fragmentsAllowed) as? String)
            // The old key is kept for verify-rotation in TMPDIR, not next to the encrypted file.
            let hubFolder = try FileManager.default.contentsOfDirectory(atPath: layout.path("hivecfm-hub"))
            #expect(!hubFolder.contains { $0.contains("old-key") }, "\(hubFolder)")

            let set = try await Self.shell(command, env, in: layout.root)
            #expect(set.status == 0)
            let check = try await Binary.running(["check", "--offline", "--root", layout.root], environment: env)
            #expect(check.status == 0, "\(check.all)")
            expectNoKeyFragments(dry.all + applied.all + check.all, [Self.hubKey, Self.coreKey, newKey])
        }
    }
}
