import Foundation
import Testing
@testable import HubdoctorKit

/// The runbooks built into the binary: the same as `runbooks/`, complete, and able to explain
/// every cause of the contract in every mode.
@Suite struct BuiltinRunbookTests {
    static func sourceFiles() throws -> [(name: String, text: String)] {
        let dir = Repo.path("runbooks")
        return try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".yaml") }.sorted().map { name in
            (name, try String(contentsOfFile: dir + "/" + name, encoding: .utf8))
        }
    }

    @Test func theEmbeddedCopyMatchesRunbooksDirectory() throws {
        let source = try Self.sourceFiles()
        #expect(BuiltinRunbooks.files.map(\.name) == source.map(\.name), "run scripts/embed-runbooks")
        for (embedded, file) in zip(BuiltinRunbooks.files, source) {
            #expect(embedded.text == file.text, "\(file.name) changed since the last scripts/embed-runbooks")
        }
    }

    @Test func theGeneratorReproducesTheCommittedFile() throws {
        let dir = TemporaryLayout()
        let out = dir.root + "/Embedded.swift"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Repo.path("scripts/embed-runbooks"))
        p.arguments = ["-o", out]
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let generated = try String(contentsOfFile: out, encoding: .utf8)
        let committed = try String(contentsOfFile: Repo.path("Sources/HubdoctorKit/Runbooks/BuiltinRunbooks+Embedded.swift"), encoding: .utf8)
        #expect(generated == committed, "the committed file is stale: run scripts/embed-runbooks")
    }

    @Test func everyBuiltInRunbookParsesAndIsNamedAfterItsId() throws {
        let (catalog, problems) = RunbookCatalog.builtin()
        #expect(problems.isEmpty, "\(problems)")
        #expect(catalog.runbooks.count == BuiltinRunbooks.files.count)
        for r in catalog.runbooks {
            guard case .builtin(let name) = r.origin else { Issue.record("\(r.id) is not built in"); continue }
            #expect(name == r.id + ".yaml")
        }
    }

    @Test(arguments: Cause.allCases)
    func everyCauseHasItsDefaultRunbookWithWhyAndFix(_ cause: Cause) throws {
        let (catalog, _) = RunbookCatalog.builtin()
        let runbook = try #require(catalog.runbook(id: cause.defaultRunbook), "no runbook \(cause.defaultRunbook)")
        let guide = try #require(runbook.guide(for: cause), "\(runbook.id) does not handle \(cause.rawValue)")
        #expect(!guide.why.source.isEmpty)
        #expect(!guide.fix.isEmpty)
    }

    /// A finding of each cause, in each mode of the built-in profile, gets fix steps filled with
    /// that layout's facts: a contract cause without a runbook step fails here.
    @Test(arguments: Cause.allCases)
    func everyCauseGetsFilledFixStepsInBothModes(_ cause: Cause) throws {
        let (catalog, _) = RunbookCatalog.builtin()
        for mode in RunMode.allCases {
            let finding = Self.finding(cause, facts: try Self.facts(mode: mode))
            let remediated = Runbooks.remediate(finding, catalog: catalog)
            let fix = remediated.remediation.filter { $0.phase == .fix }
            #expect(!fix.isEmpty, "\(cause.rawValue) in \(mode.rawValue) mode has no fix step")
            #expect(remediated.runbook == cause.defaultRunbook)
            for step in remediated.remediation {
                #expect(!step.text.contains("{{") && !(step.run ?? "").contains("{{"))
            }
        }
    }

    @Test func everyFactALinkCarriesIsAVariableRunbooksMayUse() throws {
        var facts = try Self.facts(mode: .native).keys.map { $0 } + (try Self.facts(mode: .docker)).keys
        facts += Self.kubernetesLink().facts.keys
        for name in Set(facts) {
            #expect(RunbookVariables.isKnown(name), "fact \(name) is not in RunbookVariables.vocabulary")
        }
    }

    @Test func theVocabularyHasNoDuplicateAndOnlyValidNames() {
        let names = RunbookVariables.vocabulary.map(\.name)
        #expect(Set(names).count == names.count)
        for n in names { #expect(StepTemplate.isValidName(n), "\(n)") }
    }

    // MARK: - Findings to fill

    static func facts(mode: RunMode) throws -> [String: String] {
        let resolver = SourceResolver(root: Repo.layout("healthy"), environment: [:])
        let link = HiveCFMProfile.link(mode: mode, reason: "test", resolver: resolver)
        var o = CheckOptions()
        o.environment = [:]
        return Doctor.read(link, options: o, resolver: resolver).facts
    }

    /// The gitea-mcp incident's link: both tokens in Kubernetes Secrets in SOPS-encrypted files.
    static func kubernetesLink() -> LinkReadings {
        let resolver = SourceResolver(root: Repo.layout("healthy"), environment: [:])
        let link = LinkSpec(
            name: "routing-to-gitea-mcp",
            caller: SideSpec(role: .caller, name: "routing", key: .yamlSecret(file: "infra/routing/secrets.enc.yaml", secret: "routing-secrets", key: "GITEA_MCP_TOKEN")),
            service: SideSpec(role: .service, name: "gitea-mcp", key: .yamlSecret(file: "infra/gitea-mcp/secrets.enc.yaml", secret: "gitea-mcp-secrets", key: "GITEA_MCP_STATIC_TOKEN")),
            url: .literal("http://127.0.0.1:3210"), probes: ProbePaths(health: "/health", protected: ["/mcp"]))
        var o = CheckOptions()
        o.environment = [:]
        return Doctor.read(link, options: o, resolver: resolver)
    }

    /// A finding as a check of that cause would make it: about the caller's side, with an HTTP
    /// answer for the causes that come from probes.
    static func finding(_ cause: Cause, facts: [String: String], check: CheckID = .keysCallerFormat) -> Finding {
        let http = HTTPEvidence(method: "GET", url: (facts["protected_url"] ?? "http://localhost:8090/v1/webhooks"), status: 429,
                                retryAfter: "900", location: "https://hub.example.com/v1/webhooks")
        return Finding(check: check, status: .fail, cause: cause, title: "t", message: "m",
                       evidence: [Evidence(source: "probe", file: "hivecfm-core/.env", line: 3, http: http)], facts: facts)
    }
}
