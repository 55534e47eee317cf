import Foundation
import Testing
@testable import HubdoctorKit

/// A file that carries SOPS metadata (as `sops encrypt` writes it) without real ciphertext: enough
/// for everything that happens before `sops` itself runs.
let fakeEncryptedSecret = """
apiVersion: v1
kind: Secret
metadata:
    name: routing-secrets
data:
    GITEA_MCP_TOKEN: ENC[AES256_GCM,data:c2VjcmV0LWJsb2I=,iv:aXY=,tag:dGFn,type:str]
    EMPTY_ONE: ""
sops:
    age:
        - recipient: age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq
    lastmodified: "2026-05-18T06:06:42Z"
    mac: ENC[AES256_GCM,data:bWFj,iv:aXY=,tag:dGFn,type:str]
    version: 3.11.0

"""

@Suite struct SopsDetectionTests {
    func metadata(_ yaml: String) -> Sops.Metadata? {
        guard case .success(let docs) = YAMLDocuments.parse(Array(yaml.utf8)) else { return nil }
        return Sops.metadata(yaml: docs.nodes)
    }

    @Test func aFileIsEncryptedOnlyWithANonEmptyMacAndVersion() {
        #expect(metadata(fakeEncryptedSecret)?.encrypted == true)
        #expect(metadata(fakeEncryptedSecret)?.recipients == ["age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"])
        #expect(metadata("a: 1\nsops:\n  mac: \"\"\n  version: 3.11.0\n")?.encrypted == false)
        #expect(metadata("a: 1\nsops:\n  mac: ENC[x]\n")?.encrypted == false)
        #expect(metadata("a: 1\n") == nil)
    }

    @Test func theJSONFormIsDetected() {
        #expect(metadata(#"{"token": "ENC[x]", "sops": {"mac": "ENC[y]", "version": "3.9.0"}}"#)?.encrypted == true)
    }

    @Test func theDotenvFormIsDetectedBySopsMacLines() {
        let encrypted = "TOKEN=ENC[AES256_GCM,data:Zg==,type:str]\nsops_age__list_0__map_recipient=age1abc\nsops_mac=ENC[AES256_GCM,data:bWFj,type:str]\nsops_version=3.11.0\n"
        #expect(Sops.metadata(dotenv: Array(encrypted.utf8)) == Sops.Metadata(encrypted: true, recipients: ["age1abc"], line: 2))
        #expect(Sops.metadata(dotenv: Array("TOKEN=x\nsops_mac=\nsops_version=3.11.0\n".utf8))?.encrypted == false)
        #expect(Sops.metadata(dotenv: Array("TOKEN=x\n".utf8)) == nil)
    }
}

@Suite struct SopsSubprocessTests {
    /// A stand-in `sops` on a PATH of its own, for the failures real sops cannot be made to show.
    func fakeSops(_ layout: TemporaryLayout, _ script: String) -> [String: String] {
        let bin = layout.write("bin/sops", "#!/bin/sh\n" + script + "\n")
        chmod(bin, 0o755)
        return ["PATH": layout.path("bin") + ":/usr/bin:/bin", "HOME": layout.root]
    }

    func read(_ layout: TemporaryLayout, env: [String: String], timeout: Double = 30) -> KeyReading {
        layout.write("secrets.enc.yaml", fakeEncryptedSecret)
        let resolver = SourceResolver(root: layout.root, environment: env, sopsTimeout: timeout)
        return resolver.read(.yamlSecret(file: "secrets.enc.yaml", secret: "routing-secrets", key: "GITEA_MCP_TOKEN"))
    }

    @Test func aSopsThatHangsIsStoppedAtTheTimeoutWithItsChildren() async throws {
        let layout = TemporaryLayout()
        // The background sleep keeps the pipes open after the script is killed: only killing the
        // process group ends it.
        let env = fakeSops(layout, "sleep 60 &\nsleep 60")
        let (r, elapsed) = try await offPool {
            let clock = ContinuousClock()
            let started = clock.now
            let r = read(layout, env: env, timeout: 1)
            return (r, clock.now - started)
        }
        #expect(elapsed < .seconds(Machine.allow(5)))
        let problem = try #require(r.problems.first)
        #expect(problem.cause == .sopsEncrypted)
        #expect(problem.reason.contains("did not finish within 1 s"))
        #expect(problem.hint?.run == "sops decrypt secrets.enc.yaml > /dev/null")
    }

    @Test func aSopsThatFailsBecomesAFindingWithoutItsCiphertextOrPlaintext() {
        let layout = TemporaryLayout()
        // sops' dotenv store quotes the whole failing line, which may hold a plaintext key.
        let env = fakeSops(layout, "echo 'strange failure near ENC[AES256_GCM,data:c2VjcmV0LWJsb2I=]' >&2\necho 'invalid dotenv input line: API_KEY=plaintext-hk-9Xq2' >&2\nexit 3")
        let problem = try! #require(read(layout, env: env).problems.first)
        #expect(problem.cause == .sopsEncrypted)
        #expect(problem.reason.contains("`sops decrypt` failed (exit 3)"))
        #expect(!problem.reason.contains("c2VjcmV0LWJsb2I"))
        #expect(!problem.reason.contains("plaintext-hk-9Xq2"))
    }

    @Test func sopsErrorsAreExplainedByTheirExitCodes() {
        for (code, words) in [(128, "no key available here can decrypt it"), (51, "MAC does not match"), (25, "fails authentication")] {
            let layout = TemporaryLayout()
            let problem = try! #require(read(layout, env: fakeSops(layout, "exit \(code)")).problems.first)
            #expect(problem.reason.contains(words), "exit \(code): \(problem.reason)")
        }
    }

    @Test func withoutSopsTheFindingSaysSoAndWhatToRun() {
        let layout = TemporaryLayout()
        let r = read(layout, env: ["PATH": layout.path("empty-bin"), "HOME": layout.root])
        let problem = try! #require(r.problems.first)
        #expect(problem.cause == .sopsEncrypted)
        #expect(problem.reason.contains("`sops` is not installed"))
        #expect(problem.reason.contains("age1qqqq"))
        #expect(problem.origin.label == "secrets.enc.yaml:6")
        #expect(problem.hint?.run == "sops decrypt secrets.enc.yaml > /dev/null")
    }

    @Test func anEmptyValueShowsThroughEncryption() {
        let layout = TemporaryLayout()
        layout.write("secrets.enc.yaml", fakeEncryptedSecret)
        let resolver = SourceResolver(root: layout.root, environment: ["PATH": layout.path("none")])
        let r = resolver.read(.yamlSecret(file: "secrets.enc.yaml", secret: "routing-secrets", key: "EMPTY_ONE"))
        #expect(r.knownEmpty)
        #expect(r.value == nil)
        #expect(r.origin?.label == "secrets.enc.yaml:7")
        #expect(r.problems.first?.cause == .sopsEncrypted)
    }
}

@Suite(.enabled(if: SopsTools.runnable, SopsTools.skipMessage))
struct RealSopsTests {
    static let token = "9b1f0c7e4d2a8b6c3e5f7a9d1c0b2e4f"

    func secret(_ name: String, _ entries: [String: String]) -> String {
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: \(name)\n  namespace: routing\ndata:\n"
            + entries.sorted { $0.key < $1.key }.map { "  \($0.key): \"\(b64($0.value))\"\n" }.joined()
    }

    @Test func anEncryptedSecretDecryptsWithTheKeyAndIsReportedWithout() async throws {
        try SopsTools.require()
        let layout = TemporaryLayout()
        let key = try await SopsTools.makeKey(in: layout)
        layout.write("s.enc.yaml", secret("routing-secrets", ["GITEA_MCP_TOKEN": Self.token, "OTHER": "x-other-value"]))
        try await SopsTools.encrypt(layout, "s.enc.yaml", recipient: key.recipient)
        let source = KeySource.yamlSecret(file: "s.enc.yaml", secret: "routing-secrets", key: "GITEA_MCP_TOKEN")

        let with = try await offPool { SourceResolver(root: layout.root, environment: SopsTools.environment(keyFile: key.file, home: layout.root)).read(source) }
        #expect(with.problems.isEmpty)
        #expect(with.value == SecretValue(Self.token))
        #expect(with.origin?.label.hasPrefix("s.enc.yaml:") == true)

        let without = try await offPool { SourceResolver(root: layout.root, environment: SopsTools.environment(keyFile: nil, home: layout.root)).read(source) }
        #expect(without.value == nil)
        let problem = try #require(without.problems.first)
        #expect(problem.cause == .sopsEncrypted)
        #expect(problem.reason.contains("no key available here can decrypt it"))
        #expect(problem.reason.contains(key.recipient))
    }

    @Test func everyDocumentOfAMultiDocumentFileIsDecrypted() async throws {
        try SopsTools.require()
        let layout = TemporaryLayout()
        let key = try await SopsTools.makeKey(in: layout)
        layout.write("s.enc.yaml", secret("first", ["A": "first-doc-value"]) + "---\n" + secret("second", ["TOKEN": Self.token]))
        try await SopsTools.encrypt(layout, "s.enc.yaml", recipient: key.recipient)
        let r = try await offPool {
            SourceResolver(root: layout.root, environment: SopsTools.environment(keyFile: key.file, home: layout.root)).read(.yamlSecret(file: "s.enc.yaml", secret: "second", key: "TOKEN"))
        }
        #expect(r.problems.isEmpty)
        #expect(r.value == SecretValue(Self.token))
    }

    @Test func aJSONFileDecrypts() async throws {
        try SopsTools.require()
        let layout = TemporaryLayout()
        let key = try await SopsTools.makeKey(in: layout)
        layout.write("creds.enc.json", #"{"service": {"token": "\#(Self.token)"}}"#)
        try await SopsTools.encrypt(layout, "creds.enc.json", recipient: key.recipient)
        let r = try await offPool {
            SourceResolver(root: layout.root, environment: SopsTools.environment(keyFile: key.file, home: layout.root)).read(.yamlPath(file: "creds.enc.json", path: "service.token"))
        }
        #expect(r.problems.isEmpty)
        #expect(r.value == SecretValue(Self.token))
    }

    @Test func aFileChangedOutsideSopsIsAMacMismatchWithoutPlaintext() async throws {
        try SopsTools.require()
        let layout = TemporaryLayout()
        let key = try await SopsTools.makeKey(in: layout)
        layout.write("s.enc.yaml", secret("routing-secrets", ["GITEA_MCP_TOKEN": Self.token]))
        try await SopsTools.encrypt(layout, "s.enc.yaml", recipient: key.recipient)
        let text = try String(contentsOfFile: layout.path("s.enc.yaml"), encoding: .utf8)
        layout.write("s.enc.yaml", text.replacingOccurrences(of: "namespace: routing", with: "namespace: routing-edited"))
        let r = try await offPool {
            SourceResolver(root: layout.root, environment: SopsTools.environment(keyFile: key.file, home: layout.root)).read(.yamlSecret(file: "s.enc.yaml", secret: "routing-secrets", key: "GITEA_MCP_TOKEN"))
        }
        #expect(r.value == nil)
        let problem = try #require(r.problems.first)
        #expect(problem.cause == .sopsEncrypted)
        #expect(problem.reason.contains("MAC does not match"), "\(problem.reason)")
        #expect(!problem.description.contains(Self.token) && !problem.description.contains(b64(Self.token)))
    }

    @Test func anEncryptedDotenvFileIsReadByAnEnvSource() async throws {
        try SopsTools.require()
        let layout = TemporaryLayout()
        let key = try await SopsTools.makeKey(in: layout)
        layout.write("hub.env", "API_KEY=\(Self.token)\nEMPTY_KEY=\n")
        try await SopsTools.encrypt(layout, "hub.env", recipient: key.recipient, inputType: "dotenv")
        #expect(try String(contentsOfFile: layout.path("hub.env"), encoding: .utf8).contains("sops_mac=ENC["))
        let withKey = SourceResolver(root: layout.root, environment: SopsTools.environment(keyFile: key.file, home: layout.root))
        let r = withKey.read(.env(files: ["hub.env"], var: "API_KEY", dialect: .godotenv))
        #expect(r.problems.isEmpty)
        #expect(r.value == SecretValue(Self.token))
        #expect(r.origin?.label == "hub.env:1")

        let noKey = SourceResolver(root: layout.root, environment: SopsTools.environment(keyFile: nil, home: layout.root))
        let empty = noKey.read(.env(files: ["hub.env"], var: "EMPTY_KEY", dialect: .godotenv))
        #expect(empty.knownEmpty)
        #expect(empty.origin?.label == "hub.env:2")
        #expect(empty.problems.first?.cause == .sopsEncrypted)
    }
}
