import Foundation
import Testing
@testable import HubdoctorKit

@Suite struct HubdoctorConfigTests {
    func load(_ text: String) throws -> (TemporaryLayout, HubdoctorConfig) {
        let layout = TemporaryLayout()
        layout.write("conf/hubdoctor.yaml", text)
        return (layout, try HubdoctorConfig.load(path: layout.path("conf/hubdoctor.yaml")))
    }

    func error(_ text: String) -> HubdoctorError? {
        do { _ = try load(text); return nil } catch let e as HubdoctorError { return e } catch { return nil }
    }

    @Test func theContractExampleLoadsWithPathsRelativeToTheConfigFolder() throws {
        let (layout, config) = try load("""
        version: 1
        links:
          - name: routing-to-gitea-mcp
            caller:
              key: {yaml: infra/routing/secrets.enc.yaml, secret: routing-secrets, var: GITEA_MCP_TOKEN}
              url: http://127.0.0.1:3210
            service:
              key: {yaml: infra/gitea-mcp/secrets.enc.yaml, secret: gitea-mcp-secrets, var: GITEA_MCP_STATIC_TOKEN}
              process: 4242          # optional: the running service
            probes: {health: /health, protected: [/mcp]}
        """)
        let base = URL(fileURLWithPath: layout.path("conf")).standardizedFileURL.path
        #expect(config.root == base)
        let link = try #require(config.links.first)
        #expect(link.name == "routing-to-gitea-mcp")
        #expect(link.caller.name == "routing" && link.service.name == "gitea-mcp")
        #expect(link.caller.key == .yamlSecret(file: base + "/infra/routing/secrets.enc.yaml", secret: "routing-secrets", key: "GITEA_MCP_TOKEN"))
        #expect(link.url == .literal("http://127.0.0.1:3210"))
        #expect(link.service.process == 4242)
        #expect(link.probes == ProbePaths(health: "/health", protected: ["/mcp"]))
    }

    @Test func theServiceSideMayDeclareItsOwnAddress() throws {
        let (_, config) = try load("""
        version: 1
        links:
          - name: core-to-hub
            caller: {key: {environment: CORE_KEY}, url: https://hub.internal.example:8443}
            service: {key: {environment: HUB_KEY}, url: https://hub.internal.example:8443/}
          - caller: {key: {environment: A}, url: http://127.0.0.1:9}
            service: {key: {environment: B}, url: {env: hub/.env, var: PUBLIC_URL}}
        """)
        #expect(config.links[0].serviceURL == .literal("https://hub.internal.example:8443/"))
        if case .env(let files, "PUBLIC_URL", _)? = config.links[1].serviceURL {
            #expect(files.count == 1 && files[0].hasSuffix("/hub/.env"))
        } else {
            Issue.record("service.url as a source: \(String(describing: config.links[1].serviceURL))")
        }
    }

    @Test func everySourceKindAndTheOptionalFieldsLoad() throws {
        let (layout, config) = try load("""
        version: 1
        root: ..
        links:
          - name: core-to-hub
            restart: docker compose up -d --force-recreate hub core
            caller:
              name: Core
              key: {env: [core/.env.local, core/.env], var: HUB_KEY, dialect: next}
              url: {env: core/.env, var: HUB_URL}
              restart: pnpm dev
            service:
              key: {environment: CI_HUB_KEY}
              process: {pid: 77, var: API_KEY}
          - caller: {key: {process: 12, var: TOKEN}}
            service: {key: {compose: compose.yaml, service: hub, var: API_KEY}}
        """)
        let root = URL(fileURLWithPath: layout.root).standardizedFileURL.path
        #expect(config.root == root)
        let a = config.links[0], b = config.links[1]
        #expect(a.caller.key == .env(files: [root + "/core/.env.local", root + "/core/.env"], var: "HUB_KEY", dialect: .next))
        #expect(a.url == .env(files: [root + "/core/.env"], var: "HUB_URL", dialect: .dotenv))
        #expect(a.caller.restart == "pnpm dev" && a.restartBoth == "docker compose up -d --force-recreate hub core")
        #expect(a.service.key == .environment(name: "CI_HUB_KEY"))
        #expect(a.service.process == 77 && a.service.processVar == "API_KEY")
        #expect(b.name == "link-2")
        #expect(b.caller.key == .process(pid: 12, var: "TOKEN"))
        #expect(b.service.key == .compose(file: root + "/compose.yaml", service: "hub", var: "API_KEY"))
    }

    @Test(arguments: [
        ("version: 2\nlinks: []\n", ":1:10", "unsupported config version"),
        ("version: 1\nlinks:\n  - caller: {key: {env: a.env, var: K}}\n    servce: {}\n", ":4:5", "unknown key `servce`"),
        ("version: 1\nlinks:\n  - caller: {key: hunter2-literal}\n    service: {key: {environment: X}}\n", ":3:19", "a key is never written in the config"),
        ("version: 1\nlinks:\n  - caller: {key: {env: a.env}}\n    service: {key: {environment: X}}\n", ":3:19", "needs `var:`"),
        ("version: 1\nlinks:\n  - caller: {key: {env: a.env, var: K, dialect: bash}}\n    service: {key: {environment: X}}\n", ":3:49", "unknown dialect"),
        ("version: 1\nlinks:\n  - caller: {key: {yaml: s.yaml, secret: s}}\n    service: {key: {environment: X}}\n", ":3:19", "needs `var:`"),
        ("version: 1\nlinks:\n  - caller: {key: {env: a, var: K, yaml: b}}\n    service: {key: {environment: X}}\n", ":3:19", "names several sources"),
        ("version: 1\nlinks:\n  - caller: {key: {environment: X}, process: -3}\n    service: {key: {environment: X}}\n", ":3:46", "positive integer"),
        ("version: 1\nlinks:\n  - caller: {key: {environment: X}}\n", ":3:5", "needs a `service:`"),
        ("version: 1\nlinks: [\n", ":3:1", "invalid YAML"),
        ("links: []\n", ":1:1", "needs `version: 1`"),
        ("version: 1\nlinks: []\n", ":2:8", "links must be a non-empty list"),
        ("version: 1\nlinks:\n  - {name: a, caller: {key: {environment: X}}, service: {key: {environment: Y}}}\n  - {name: a, caller: {key: {environment: X}}, service: {key: {environment: Y}}}\n", ":4:12", "two links are named a"),
    ])
    func aConfigErrorNamesFileLineAndColumn(_ text: String, _ location: String, _ words: String) throws {
        let e = try #require(error(text))
        #expect(e.kind == .config)
        #expect(e.exitCode == 2)
        #expect(e.location?.hasSuffix("hubdoctor.yaml" + location) == true, "\(e.description)")
        #expect(e.message.contains(words), "\(e.message)")
    }

    @Test func aMissingConfigIsAnErrorNotACrash() {
        #expect(throws: HubdoctorError.self) { try HubdoctorConfig.load(path: "/nonexistent/hubdoctor.yaml") }
    }

    @Test func oneRunChecksEveryLinkAndTagsFindingsWithTheLink() async throws {
        let layout = TemporaryLayout()
        layout.write("a.env", "TOKEN=5d8e1f3a7c9b2d4e6f8a0b1c\n")
        layout.write("b.env", "TOKEN=5d8e1f3a7c9b2d4e6f8a0b1c\n")
        layout.write("c.env", "TOKEN=\n")
        layout.write("hubdoctor.yaml", """
        version: 1
        links:
          - name: a-to-b
            caller: {key: {env: a.env, var: TOKEN}, url: "http://127.0.0.1:9"}
            service: {key: {env: b.env, var: TOKEN}}
          - name: c-to-b
            caller: {key: {env: c.env, var: TOKEN}, url: "http://127.0.0.1:9"}
            service: {key: {env: b.env, var: TOKEN}}
        """)
        let report = try await checkConfig(layout)
        #expect(report.links.map(\.name) == ["a-to-b", "c-to-b"])
        #expect(report.findings.allSatisfy { $0.link == "a-to-b" || $0.link == "c-to-b" })
        #expect(report.finding(CheckID.keysMatch, link: "a-to-b")?.status == .pass)
        #expect(report.finding(CheckID.keysCallerPresent, link: "c-to-b")?.cause == .callerKeyMissing)
        #expect(report.finding(CheckID.keysCallerPresent, link: "c-to-b")?.evidence.first?.source == "c.env:1")
        #expect(report.exitCode == 1)
    }
}

@Suite struct SuppressionOnlyConfigTests {
    @Test func aConfigWithoutLinksKeepsTheBuiltInProfileUnderRoot() async throws {
        let layout = TemporaryLayout()
        layout.write("hubdoctor.yaml", "version: 1\nsuppressions:\n  - check: keys.dialect\n    reason: legacy line\n    expires: 2099-12-31\n")
        var options = CheckOptions()
        options.root = Repo.layout("healthy")
        options.configPath = layout.path("hubdoctor.yaml")
        options.offline = true
        options.environment = [:]
        let report = try await Doctor.check(options)
        #expect(report.links.map(\.name) == ["core-to-hub"])
        #expect(report.finding(CheckID.keysMatch)?.status == .pass)
    }
}

/// `probes.websocket`, and a service whose keys live in its own store (no `service.key`).
@Suite struct WebSocketConfigTests {
    func load(_ text: String) throws -> HubdoctorConfig {
        let layout = TemporaryLayout()
        layout.write("hubdoctor.yaml", text)
        return try HubdoctorConfig.load(path: layout.path("hubdoctor.yaml"))
    }

    func link(probes: String, service: String = "service: {name: Hub}") -> String {
        """
        version: 1
        links:
          - name: agent-to-hub
            caller: {key: {env: agent/.env, var: HUB_KEY}, url: http://127.0.0.1:8080}
            \(service)
            probes:
        \(probes)
        """
    }

    @Test func eachWayOfSendingTheKeyLoads() throws {
        let message = try load(link(probes: #"      websocket: {path: /ws/agent, auth: {message: '{"type":"auth","api_key":"{{key}}"}'}}"#))
        let spec = try #require(message.links.first?.probes.websocket)
        #expect(spec == WebSocketProbeSpec(path: "/ws/agent", auth: .message(template: #"{"type":"auth","api_key":"{{key}}"}"#)))
        #expect(spec.url(base: "https://hub.example.com/") == "wss://hub.example.com/ws/agent")
        #expect(spec.url(base: "http://127.0.0.1:8080") == "ws://127.0.0.1:8080/ws/agent")
        let header = try load(link(probes: "      websocket: {path: wss://hub.example.com/ws, auth: {header: Authorization}}"))
        #expect(header.links.first?.probes.websocket?.auth == .header)
        #expect(header.links.first?.probes.websocket?.url(base: "http://x") == "wss://hub.example.com/ws")
        let query = try load(link(probes: "      websocket: {path: /ws, auth: {query: token}}"))
        #expect(query.links.first?.probes.websocket?.auth == .query(name: "token"))
    }

    @Test func aServiceWithoutAKeyKeepsItsKeysInItsStore() throws {
        let config = try load(link(probes: "      health: /health"))
        #expect(config.links.first?.service.key == .keyStore)
        #expect(config.links.first?.service.name == "Hub")
    }

    @Test(arguments: [
        ("      websocket: {auth: {header: Authorization}}", "needs `path:`"),
        ("      websocket: {path: ws/agent, auth: {header: Authorization}}", "must be a path that starts with `/`"),
        ("      websocket: {path: /ws}", "needs `auth:`"),
        ("      websocket: {path: /ws, auth: {message: '{\"api_key\":\"KEY\"}'}}", "must hold {{key}}"),
        ("      websocket: {path: /ws, auth: {header: X-Api-Key}}", "only `Authorization`"),
        ("      websocket: {path: /ws, auth: {header: Authorization, query: token}}", "one way"),
        ("      websocket: {path: /ws, auth: {cookie: sid}}", "unknown key `cookie`"),
    ])
    func mistakesNameTheirPlace(_ probes: String, _ words: String) {
        do {
            _ = try load(link(probes: probes))
            Issue.record("loaded")
        } catch let e as HubdoctorError {
            #expect(e.message.contains(words), "\(e.message)")
            #expect(e.location?.contains("hubdoctor.yaml:") == true)
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func aCallerStillNeedsAKeyAndAStoredServiceTakesNoProcess() {
        for (text, words) in [(link(probes: "      health: /health").replacingOccurrences(of: "caller: {key: {env: agent/.env, var: HUB_KEY}, url: http://127.0.0.1:8080}", with: "caller: {url: http://127.0.0.1:8080}"), "caller needs a `key:`"),
                              (link(probes: "      health: /health", service: "service: {name: Hub, process: 42}"), "service.process")] {
            do {
                _ = try load(text)
                Issue.record("loaded")
            } catch let e as HubdoctorError {
                #expect(e.message.contains(words), "\(e.message)")
            } catch {
                Issue.record("\(error)")
            }
        }
    }
}
