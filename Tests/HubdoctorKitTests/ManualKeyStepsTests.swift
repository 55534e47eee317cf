import Foundation
import Testing
@testable import HubdoctorKit

extension ChangeEndToEnd {
    /// The steps printed for a key that hubdoctor does not edit itself, run as printed.
    @Suite struct ManualKeyStepsTests {
        static let tools = ["sops", "age-keygen"].map { name in
            (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map { "\($0)/\(name)" }
                .first { FileManager.default.isExecutableFile(atPath: $0) }
        }

        static func shell(_ command: String, in dir: String, environment: [String: String] = [:]) async throws -> Binary.Result {
            try await Binary.running(["-c", command], environment: environment, currentDirectory: dir, executable: URL(fileURLWithPath: "/bin/sh"))
        }

        @Test func theSopsStepSetsTheKeyInAnEncryptedSecretWithoutPuttingItOnTheCommandLine() async throws {
            guard Self.tools.allSatisfy({ $0 != nil }) else {
                if ProcessInfo.processInfo.environment["CI"] != nil { Issue.record("sops and age-keygen are required for this test in CI") }
                return
            }
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hubdoctor-sops-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let env = ["SOPS_AGE_KEY_FILE": dir + "/age.txt"]
            #expect(try await Self.shell("age-keygen -o age.txt 2>/dev/null", in: dir).status == 0)
            let recipient = try #require(try String(contentsOfFile: dir + "/age.txt", encoding: .utf8)
                .split(separator: "\n").first { $0.hasPrefix("# public key: ") }?.dropFirst("# public key: ".count))
            try Data("apiVersion: v1\nkind: Secret\nmetadata:\n  name: routing-secrets\nstringData:\n  GITEA_MCP_TOKEN: \"\"\n".utf8)
                .write(to: URL(fileURLWithPath: dir + "/secrets.enc.yaml"))
            #expect(try await Self.shell("sops encrypt --age \(recipient) --in-place secrets.enc.yaml", in: dir, environment: env).status == 0)

            let key = SecretValue("hk_d7423fc3eabcb9d2-f1ee2b0d_88b5d15a")
            let valueFile = dir + "/value.json"
            try Data(ManualKeySteps.jsonString(key)).write(to: URL(fileURLWithPath: valueFile))
            let side = SideSpec(role: .caller, name: "routing", key: .yamlSecret(file: "secrets.enc.yaml", secret: "routing-secrets", key: "GITEA_MCP_TOKEN"),
                                restart: "kubectl -n routing rollout restart deployment/routing")
            let steps = ManualKeySteps.steps(for: side, valueFile: valueFile, resolver: SourceResolver(root: dir), workingDirectory: dir)
            let sops = try #require(steps.first { $0.run?.hasPrefix("sops set --value-file ") == true }?.run)
            #expect(!sops.contains(key.text), "the key must not be an argument")
            #expect(steps.contains { $0.run == "rm value.json" })
            #expect(steps.last?.text.contains("must be replaced: the restart below does that") == true, "restarting is left to the report's one-window step")

            let set = try await Self.shell(sops, in: dir, environment: env)
            #expect(set.status == 0, "\(set.all)")
            let decrypted = try await Self.shell("sops decrypt secrets.enc.yaml", in: dir, environment: env)
            #expect(decrypted.stdout.contains("GITEA_MCP_TOKEN: \(key.text)"), "\(decrypted.all)")
        }

        @Test func theValueFileIsTheJSONStringSopsExpectsForAnyKey() throws {
            for text in ["plain", "with \"quotes\" and \\ backslash", "slash/and+plus=", "ünïcode"] {
                let json = ManualKeySteps.jsonString(SecretValue(text))
                let decoded = try JSONSerialization.jsonObject(with: Data(json), options: [.fragmentsAllowed]) as? String
                #expect(decoded == text)
            }
        }
    }
}
