import Foundation
import Testing
@testable import HubdoctorKit

/// The routing → gitea-mcp layout of the seed incident, SOPS-encrypted with age, run through the
/// built binary as an on-call engineer would: `hubdoctor check --config … --offline --format json`.
@Suite struct GiteaMCPLayoutTests {
    static let throwawayKey = Repo.path("fixtures/keys/throwaway-age-key.txt")

    /// No age key anywhere sops looks: an empty HOME, and the key variables blanked.
    static func noKey(_ home: String) -> [String: String] { ["HOME": home, "SOPS_AGE_KEY_FILE": "", "SOPS_AGE_KEY": ""] }
    static func withKey(_ file: String, _ home: String) -> [String: String] { ["HOME": home, "SOPS_AGE_KEY_FILE": file, "SOPS_AGE_KEY": ""] }

    func check(_ config: String, _ env: [String: String]) async throws -> (Binary.Result, [String: Any], [[String: Any]]) {
        let (r, json) = try await Binary.jsonRunning(["check", "--config", config, "--offline", "--format", "json"], environment: env)
        return (r, json, json["findings"] as? [[String: Any]] ?? [])
    }

    func finding(_ findings: [[String: Any]], _ check: String) -> [String: Any]? {
        findings.first { $0["check"] as? String == check }
    }

    @Test func theIncidentWithNoAgeKeyStillShowsTheEmptyToken() async throws {
        let home = TemporaryLayout()
        let (r, json, findings) = try await check(Repo.layout("gitea-mcp-incident") + "/hubdoctor.yaml", Self.noKey(home.root))
        #expect(r.status == 1, "\(r.all)")
        #expect(json["schema"] as? String == "hubdoctor/report@1")
        let presence = try #require(finding(findings, "keys.caller.present"))
        #expect(presence["cause"] as? String == "caller-key-missing")
        #expect(presence["link"] as? String == "routing-to-gitea-mcp")
        #expect((presence["message"] as? String)?.contains("SOPS never encrypts an empty value") == true)
        let evidence = try #require((presence["evidence"] as? [[String: Any]])?.first)
        #expect(evidence["source"] as? String == "infra/routing/secrets.enc.yaml:8")
        #expect(evidence["length"] as? Int == 0)
        #expect(finding(findings, "source.service")?["cause"] as? String == "sops-encrypted")
    }

    @Test(.enabled(if: SopsTools.runnable, SopsTools.skipMessage))
    func theIncidentDecryptedShowsTheEmptyTokenAndThePlaceholder() async throws {
        try SopsTools.require()
        let home = TemporaryLayout()
        let (r, _, findings) = try await check(Repo.layout("gitea-mcp-incident") + "/hubdoctor.yaml", Self.withKey(Self.throwawayKey, home.root))
        #expect(r.status == 1)
        #expect(finding(findings, "source.caller")?["status"] as? String == "pass")
        #expect(finding(findings, "keys.caller.present")?["cause"] as? String == "caller-key-missing")
        let format = try #require(finding(findings, "keys.service.format"))
        #expect(format["cause"] as? String == "placeholder-key")
        #expect((format["evidence"] as? [[String: Any]])?.first?["source"] as? String == "infra/gitea-mcp/secrets.enc.yaml:8")
    }

    @Test(.enabled(if: SopsTools.runnable, SopsTools.skipMessage))
    func theHealthyLayoutPassesDecryptedThroughRealSops() async throws {
        try SopsTools.require()
        let home = TemporaryLayout()
        let (r, json, findings) = try await check(Repo.layout("gitea-mcp-healthy") + "/hubdoctor.yaml", Self.withKey(Self.throwawayKey, home.root))
        #expect(r.status == 0, "\(r.all)")
        #expect((json["summary"] as? [String: Int])?["fail"] == 0)
        #expect(finding(findings, "keys.match")?["status"] as? String == "pass")
        try await expectNoLeak(r, layout: "gitea-mcp-healthy")
    }

    /// Re-encrypts both layouts for a fresh age key made here, and checks them with that key,
    /// with the committed key (which can no longer decrypt them) and with none.
    @Test(.enabled(if: SopsTools.runnable, SopsTools.skipMessage))
    func layoutsReEncryptedForAFreshKeyAreReadOnlyWithThatKey() async throws {
        try SopsTools.require()
        let layout = TemporaryLayout()
        let key = try await SopsTools.makeKey(in: layout, name: "fresh-key.txt")
        for state in ["healthy", "incident"] {
            let dir = "gitea-mcp-\(state)"
            layout.copy(fixture: "fixtures/layouts/\(dir)", to: dir)
            for file in ["infra/routing/secrets.enc.yaml", "infra/gitea-mcp/secrets.enc.yaml"] {
                let relative = "\(dir)/\(file)"
                layout.write(relative, try await SopsTools.decryptFixture(layout.path(relative)))
                try await SopsTools.encrypt(layout, relative, recipient: key.recipient)
            }
            let config = layout.path("\(dir)/hubdoctor.yaml")
            let (fresh, _, freshFindings) = try await check(config, Self.withKey(key.file, layout.root))
            #expect(fresh.status == (state == "healthy" ? 0 : 1), "\(fresh.all)")
            let (old, _, oldFindings) = try await check(config, Self.withKey(Self.throwawayKey, layout.root))
            #expect(old.status == 1)
            #expect(finding(oldFindings, "source.service")?["cause"] as? String == "sops-encrypted")
            #expect((finding(oldFindings, "source.service")?["message"] as? String)?.contains(key.recipient) == true)
            if state == "incident" {
                #expect(finding(freshFindings, "keys.service.format")?["cause"] as? String == "placeholder-key")
                let (none, _, noneFindings) = try await check(config, Self.noKey(layout.root))
                #expect(none.status == 1)
                #expect(finding(noneFindings, "keys.caller.present")?["cause"] as? String == "caller-key-missing")
            }
            try await expectNoLeak(fresh, layout: dir, decryptingWith: key.file, in: layout)
        }
    }

    @Test(.enabled(if: SopsTools.runnable, SopsTools.skipMessage))
    func sopsDecryptOutputPipedOnStdinReadsAsPlainYAML() async throws {
        try SopsTools.require()
        let layout = TemporaryLayout()
        let routing = try await SopsTools.decryptFixture(Repo.layout("gitea-mcp-healthy") + "/infra/routing/secrets.enc.yaml")
        layout.write("hubdoctor.yaml", """
        version: 1
        links:
          - name: routing-to-gitea-mcp
            caller: {key: {yaml: "-", secret: routing-secrets, var: GITEA_MCP_TOKEN}, url: "http://127.0.0.1:8080"}
            service: {key: {yaml: \(Repo.layout("gitea-mcp-healthy"))/infra/gitea-mcp/secrets.enc.yaml, secret: gitea-mcp-secrets, var: GITEA_MCP_STATIC_TOKEN}}
        """)
        let r = try await Binary.running(["check", "--config", layout.path("hubdoctor.yaml"), "--offline", "--format", "json"],
                               environment: Self.withKey(Self.throwawayKey, layout.root), stdin: routing)
        #expect(r.status == 0, "\(r.all)")
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let findings = json?["findings"] as? [[String: Any]] ?? []
        #expect((finding(findings, "keys.caller.present")?["evidence"] as? [[String: Any]])?.first?["source"] as? String == "stdin:8")
        try await expectNoLeak(r, layout: "gitea-mcp-healthy")
    }

    @Test func aBrokenConfigExitsTwoNamingFileLineAndColumn() async throws {
        let layout = TemporaryLayout()
        layout.write("hubdoctor.yaml", "version: 1\nlinks:\n  - caller: {key: {env: a.env, var: K}}\n    service: {key: {envv: b.env}}\n")
        let r = try await Binary.running(["check", "--config", layout.path("hubdoctor.yaml"), "--offline", "--format", "json"])
        #expect(r.status == 2)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("hubdoctor.yaml:4:20: error: service.key must name one source"), "\(r.stderr)")
    }

    /// The plaintext tokens of a layout (and their base64) appear in no output.
    func expectNoLeak(_ r: Binary.Result, layout: String, decryptingWith key: String? = nil, in temp: TemporaryLayout? = nil) async throws {
        var secrets: [String] = []
        for file in ["infra/routing/secrets.enc.yaml", "infra/gitea-mcp/secrets.enc.yaml"] {
            let path = temp.map { $0.path("\(layout)/\(file)") } ?? Repo.layout(layout) + "/" + file
            let plain: String
            if let key {
                let d = try await Binary.running(["decrypt", path], environment: ["SOPS_AGE_KEY_FILE": key], executable: URL(fileURLWithPath: SopsTools.sops!))
                plain = d.stdout
            } else {
                plain = try await SopsTools.decryptFixture(path)
            }
            guard case .success(let docs) = YAMLDocuments.parse(Array(plain.utf8)) else { continue }
            for doc in docs.nodes where doc.child("kind")?.text == "Secret" {
                guard case .mapping(let data)? = doc.child("data") else { continue }
                for pair in data {
                    guard let encoded = pair.value.text, encoded.count >= 8 else { continue }
                    secrets.append(encoded)
                    if let decoded = Data(base64Encoded: encoded) { secrets.append(String(decoding: decoded, as: UTF8.self)) }
                }
            }
        }
        #expect(!secrets.isEmpty)
        for s in secrets where s.count >= 8 {
            #expect(!r.all.contains(s), "a key leaked into the output")
        }
    }
}
