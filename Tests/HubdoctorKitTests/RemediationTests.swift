import Foundation
import Testing
@testable import HubdoctorKit

/// What a broken layout's remediation must name: its own files and lines, variables and mode.
struct RemediationExpectation: Sendable, CustomTestStringConvertible {
    var layout: String
    var mode: RunMode
    var names: [String]
    var testDescription: String { layout }

    static let all: [RemediationExpectation] = [
        .init(layout: "drift", mode: .native, names: ["HIVECFM_HUB_API_KEY at hivecfm-core/.env:3", "API_KEY for Hub", "`make run`",
                                                      "(cd hivecfm-hub && make run) & (cd hivecfm-core && pnpm dev)", "--mode native"]),
        .init(layout: "drift-env-local", mode: .native, names: ["HIVECFM_HUB_API_KEY at hivecfm-core/.env.local:2",
                                                                "hivecfm-core/.env.local:2 wins over hivecfm-core/.env:3"]),
        .init(layout: "caller-empty", mode: .native, names: ["HIVECFM_HUB_API_KEY at hivecfm-core/.env:3 the same value as API_KEY in hivecfm-hub/.env:3",
                                                             "stop `pnpm dev` in hivecfm-core"]),
        .init(layout: "caller-absent", mode: .native, names: ["HIVECFM_HUB_API_KEY at hivecfm-core/.env the same value"]),
        .init(layout: "server-missing", mode: .native, names: ["API_KEY at hivecfm-hub/.env:3", "stop `make run` in hivecfm-hub"]),
        .init(layout: "placeholder", mode: .native, names: ["HIVECFM_HUB_API_KEY at hivecfm-core/.env:3", "API_KEY at hivecfm-hub/.env:3", "hubdoctor rotate"]),
        .init(layout: "whitespace", mode: .native, names: ["Retype the line hivecfm-core/.env:3", "fixtures/layouts/whitespace/hivecfm-core/.env"]),
        .init(layout: "quoted", mode: .native, names: ["without quotes", "hivecfm-core/.env:3"]),
        .init(layout: "dialect", mode: .native, names: ["Rewrite the lines that define the key, hivecfm-core/.env:3 and hivecfm-hub/.env:3", "hubdoctor rotate"]),
        .init(layout: "url-native-docker-host", mode: .native, names: ["HIVECFM_HUB_URL=http://localhost:8090", "now defined at hivecfm-core/.env:2",
                                                                       "curl -si http://localhost:8090/health"]),
        .init(layout: "url-docker-localhost", mode: .docker, names: ["HIVECFM_HUB_URL=http://hivecfm-hub-api:8080", "now defined at hivecfm-core/.env:2",
                                                                     "docker compose up -d --force-recreate hivecfm-core", "http://hivecfm-hub-api:8080/health"]),
        .init(layout: "hub-env-unreadable", mode: .native, names: ["Fix hivecfm-hub/.env: is a directory"]),
        .init(layout: "hub-env-bom", mode: .native, names: ["Fix hivecfm-hub/.env:1", "byte order mark"]),
        .init(layout: "no-hub-folder", mode: .native, names: ["hivecfm-hub/.env: no such file", "--root points at"]),
        .init(layout: "docker-caller-empty", mode: .docker, names: ["HIVECFM_HUB_API_KEY at hivecfm-core/.env:3",
                                                                    "docker compose up -d --force-recreate hivecfm-core", "docker compose exec -T hivecfm-core"]),
        .init(layout: "docker-drift", mode: .docker, names: ["Re-create both containers in one command",
                                                             "docker compose up -d --force-recreate hivecfm-hub-api hivecfm-core", "--mode docker"]),
    ]
}

@Suite struct RemediationTests {
    static func check(_ layout: String, runbooks: [String] = [], environment: [String: String] = [:]) async throws -> Report {
        var o = CheckOptions()
        o.root = Repo.layout(layout)
        o.offline = true
        o.environment = environment
        o.runbookDirs = runbooks
        return try await Doctor.check(o)
    }

    static func allText(_ f: Finding) -> String {
        f.remediation.map { $0.text + "\n" + ($0.run ?? "") }.joined(separator: "\n")
    }

    @Test(arguments: RemediationExpectation.all)
    func eachBrokenLayoutGetsRemediationNamingItsOwnPathsVariablesAndMode(_ e: RemediationExpectation) async throws {
        let report = try await Self.check(e.layout)
        #expect(report.links.first?.mode == e.mode.rawValue)
        let failing = report.findings.filter { $0.status == .fail }
        #expect(!failing.isEmpty)
        for f in report.findings where f.status == .fail || f.status == .warn {
            #expect(!f.remediation.isEmpty, "\(f.check) has no remediation")
            #expect(f.runbook != nil)
            #expect(f.remediation.contains { $0.phase == .fix }, "\(f.check) has no fix step")
        }
        // Steps for this mode: the findings about the assumed mode never tell the other mode's story.
        let own = failing.filter { $0.facts["mode"] == e.mode.rawValue }
        let text = own.map(Self.allText).joined(separator: "\n")
        for name in e.names { #expect(text.contains(name), "\(name) not in:\n\(text)") }
        let commands = own.flatMap(\.remediation).compactMap(\.run).joined(separator: "\n")
        if e.mode == .docker {
            #expect(!commands.contains("pnpm dev") && !commands.contains("make run"))
        } else {
            #expect(!commands.contains("docker compose"))
        }
    }

    @Test func theHealthyLayoutGetsNoRemediation() async throws {
        let report = try await Self.check("healthy")
        #expect(report.findings.allSatisfy { $0.remediation.isEmpty })
        #expect(report.exitCode == 0)
    }

    @Test func noRemediationEverContainsAKeyOrAnUnfilledVariable() async throws {
        let layouts = try FileManager.default.contentsOfDirectory(atPath: Repo.path("fixtures/layouts"))
        for layout in layouts {
            let report = try await Self.check(layout)
            let text = report.findings.map(Self.allText).joined(separator: "\n")
            expectNoSecrets(text, Repo.fixtureKeys)
            #expect(!text.contains("{{") && !text.contains("<caller.") && !text.contains("<service."), "\(layout): \(text)")
        }
    }

    @Test func commandsNameTheKeyAsAShellVariable() async throws {
        let report = try await Self.check("drift")
        let runs = report.findings.flatMap(\.remediation).compactMap(\.run)
        let withKey = try #require(runs.first { $0.contains("Bearer") })
        #expect(withKey.contains("\"$API_KEY\""))
    }

    @Test func anOperatorRunbookWithTheSameIdReplacesTheBuiltInOne() async throws {
        let report = try await Self.check("drift", runbooks: [Repo.path("fixtures/runbooks-operator")])
        let drift = try #require(report.findings.first { $0.check == CheckID.keysMatch })
        #expect(drift.runbook == "hub-401")
        #expect(drift.remediation.first?.run?.hasPrefix("vault-sync --service Hub --service Core && cd ") == true)
        #expect(!Self.allText(drift).contains("Decide which value is right"), "the built-in hub-401 is replaced")
    }

    @Test func aCauseTheReplacementDoesNotHandleKeepsTheBuiltInSteps() async throws {
        let report = try await Self.check("caller-empty", runbooks: [Repo.path("fixtures/runbooks-operator")])
        let missing = try #require(report.findings.first { $0.cause == .callerKeyMissing })
        #expect(Self.allText(missing).contains("HIVECFM_HUB_API_KEY at hivecfm-core/.env:3"))
    }

    @Test func runbooksComeFromTheEnvironmentVariableToo() async throws {
        let report = try await Self.check("drift", environment: ["HUBDOCTOR_RUNBOOKS": "/nonexistent-first:" + Repo.path("fixtures/runbooks-operator")])
        let drift = try #require(report.findings.first { $0.check == CheckID.keysMatch })
        #expect(drift.remediation.first?.run?.hasPrefix("vault-sync") == true)
        let load = try #require(report.findings.first { $0.check == CheckID.runbookLoad })
        #expect(load.message.contains("/nonexistent-first"))
    }

    @Test func aRunbookWrittenForTheLinkWinsOverAGeneralOne() async throws {
        let report = try await Self.check("placeholder", runbooks: [Repo.path("fixtures/runbooks-operator")])
        let placeholder = try #require(report.findings.first { $0.cause == .placeholderKey })
        #expect(placeholder.runbook == "core-placeholder")
        #expect(Self.allText(placeholder).contains("write it at hivecfm-core/.env:3"))
    }

    @Test func brokenOperatorRunbooksAreReportedAndTheBuiltInOnesStillApply() async throws {
        let report = try await Self.check("drift", runbooks: [Repo.path("fixtures/runbooks-broken")])
        let drift = try #require(report.findings.first { $0.check == CheckID.keysMatch })
        #expect(drift.runbook == "hub-401")
        #expect(Self.allText(drift).contains("HIVECFM_HUB_API_KEY at hivecfm-core/.env:3"))
        let loads = report.findings.filter { $0.check == CheckID.runbookLoad }
        #expect(loads.count == RunbookLintTests.expected.count)
        #expect(loads.allSatisfy { $0.status == .warn && $0.cause == .sourceUnreadable })
        let unknownVariable = try #require(loads.first { $0.message.contains("caller.fiel") })
        #expect(unknownVariable.message.hasPrefix(Repo.path("fixtures/runbooks-broken/unknown-variable.yaml") + ":7:20: error:"))
        #expect(unknownVariable.remediation.contains { $0.run == "hubdoctor runbook lint " + Repo.path("fixtures/runbooks-broken/unknown-variable.yaml") })
        #expect(report.exitCode == 1, "warnings alone do not fail under --fail-on error; the drift does")
    }

    /// The gitea-mcp incident: an empty token in a Kubernetes Secret gets the Secret's steps
    /// (encrypted source, rollout), not the .env ones.
    @Test func anEmptyTokenInAKubernetesSecretGetsTheSecretSteps() throws {
        let readings = BuiltinRunbookTests.kubernetesLink()
        let finding = Finding(check: CheckID.keysCallerPresent, status: .fail, cause: .callerKeyMissing, title: "t", message: "m",
                              link: readings.link.name, facts: readings.facts)
        let (catalog, _) = RunbookCatalog.builtin()
        let f = Runbooks.remediate(finding, catalog: catalog)
        #expect(f.runbook == "k8s-secret-token")
        let text = Self.allText(f)
        for name in ["sops " + Repo.layout("healthy") + "/infra/routing/secrets.enc.yaml", "GITEA_MCP_TOKEN", "Secret routing-secrets",
                     "GITEA_MCP_STATIC_TOKEN", "kubectl rollout restart deployment/routing", "envFrom"] {
            #expect(text.contains(name), "\(name) not in:\n\(text)")
        }
        #expect(!text.contains("pnpm dev") && !text.contains("docker compose"))
    }

    /// The same incident through its real config: the restart command written in the config and
    /// the --config flag come back in the steps.
    @Test func theGiteaMcpIncidentConfigGetsItsOwnRestartAndConfigInTheSteps() async throws {
        var o = CheckOptions()
        o.configPath = Repo.layout("gitea-mcp-incident") + "/hubdoctor.yaml"
        o.offline = true
        o.environment = [:]
        let report = try await Doctor.check(o)
        let missing = try #require(report.findings.first { $0.cause == .callerKeyMissing })
        #expect(missing.runbook == "k8s-secret-token")
        let runs = missing.remediation.compactMap(\.run)
        #expect(runs.contains("kubectl -n routing rollout restart deployment/routing"), "\(runs)")
        #expect(!runs.contains { $0.contains("deployment/{{") || $0.hasPrefix("kubectl rollout restart") }, "the assumed name is not offered when the config names the restart")
        #expect(runs.contains("hubdoctor check --config " + Repo.layout("gitea-mcp-incident") + "/hubdoctor.yaml"))
        expectNoSecrets(Self.allText(missing), Repo.fixtureKeys)
    }

    @Test func passAndSkipFindingsAreLeftAlone() {
        let (catalog, _) = RunbookCatalog.builtin()
        let pass = Finding(check: CheckID.keysMatch, status: .pass, title: "t", message: "m")
        #expect(Runbooks.remediate(pass, catalog: catalog) == pass)
    }

    @Test func stepsWrittenByTheCheckComeFirstAndAreNotRepeated() {
        let (catalog, _) = RunbookCatalog.builtin()
        let hint = RemediationStep(text: "Decrypt it first", run: "sops -d x.yaml >/dev/null")
        let f = Finding(check: CheckID.sourceCaller, status: .fail, cause: .sopsEncrypted, title: "t", message: "m", remediation: [hint],
                        facts: ["root": "/r", "caller.file": "x.yaml", "caller.kind": "secret"])
        let out = Runbooks.remediate(Runbooks.remediate(f, catalog: catalog), catalog: catalog)
        #expect(out.remediation.first == hint)
        #expect(out.remediation.count == Set(out.remediation.map { $0.text + ($0.run ?? "") }).count)
        #expect(out.runbook == "config-sources")
    }
}
