import Foundation
import Testing
@testable import HubdoctorKit

@Suite struct ComposeSourceTests {
    static let hubKey = "hbk_7Qm2xV9pL4sT8wZ1rN6c"
    static let coreKey = "hbk_5Jd8kR3nB7yF2hW9qE4u"

    func reading(_ layout: TemporaryLayout, service: String, name: String, environment: [String: String] = [:]) -> KeyReading {
        SourceResolver(root: layout.root, environment: environment).read(.compose(file: "docker-compose.yml", service: service, var: name))
    }

    @Test func environmentBeatsEnvFileAndALaterEnvFileBeatsAnEarlierOne() {
        let layout = TemporaryLayout()
        layout.write("hub/base.env", "API_KEY=from-base-file-000\nLOG=debug\n")
        layout.write("hub/override.env", "API_KEY=\(Self.hubKey)\n")
        layout.write("core/.env", "HIVECFM_HUB_API_KEY=from-env-file-111\n")
        layout.write(".env", "CORE_KEY=\(Self.coreKey)\n")
        layout.write("docker-compose.yml", """
        services:
          hivecfm-hub-api:
            env_file:
              - hub/base.env
              - hub/override.env
          hivecfm-core:
            env_file: core/.env
            environment:
              HIVECFM_HUB_API_KEY: ${CORE_KEY}
              HIVECFM_HUB_URL: http://hivecfm-hub-api:8080
        """)
        let hub = reading(layout, service: "hivecfm-hub-api", name: "API_KEY")
        #expect(hub.value == SecretValue(Self.hubKey))
        #expect(hub.origin?.label == "hub/override.env:1")
        #expect(hub.shadowed.map(\.origin.label) == ["hub/base.env:1"])
        #expect(hub.notes.contains { $0.contains("a later env_file wins over an earlier one") })

        let core = reading(layout, service: "hivecfm-core", name: "HIVECFM_HUB_API_KEY")
        #expect(core.value == SecretValue(Self.coreKey))
        #expect(core.origin?.label == "docker-compose.yml:9")
        #expect(core.shadowed.map(\.origin.label) == ["core/.env:1"])
        #expect(core.notes.contains { $0.contains("`environment:` wins over `env_file:`") })
    }

    @Test func interpolationUsesDefaultsAndDollarEscapes() {
        let layout = TemporaryLayout()
        layout.write(".env", "SET=\(Self.hubKey)\nEMPTY=\n")
        layout.write("docker-compose.yml", """
        services:
          app:
            environment:
              - A=${SET}
              - B=${EMPTY:-fallback-value-1}
              - C=${UNSET-plain-default-2}
              - D=pa$$word-literal-3
              - E=$SET
        """)
        #expect(reading(layout, service: "app", name: "A").value == SecretValue(Self.hubKey))
        #expect(reading(layout, service: "app", name: "B").value == SecretValue("fallback-value-1"))
        #expect(reading(layout, service: "app", name: "C").value == SecretValue("plain-default-2"))
        #expect(reading(layout, service: "app", name: "D").value == SecretValue("pa$word-literal-3"))
        #expect(reading(layout, service: "app", name: "E").value == SecretValue(Self.hubKey))
        #expect(reading(layout, service: "app", name: "D").origin?.label == "docker-compose.yml:7")
    }

    @Test func envFileEntriesMayBeMappingsThatAreOptionalOrRaw() {
        let layout = TemporaryLayout()
        layout.write("raw.env", "TOKEN=\"quoted$NOT_EXPANDED\"\n")
        layout.write("docker-compose.yml", """
        services:
          app:
            env_file:
              - path: missing.env
                required: false
              - path: raw.env
                format: raw
        """)
        let r = reading(layout, service: "app", name: "TOKEN")
        #expect(r.problems.isEmpty)
        #expect(r.value == SecretValue("\"quoted$NOT_EXPANDED\""))
        #expect(r.notes.contains { $0.contains("missing.env (env_file, required: false) does not exist") })
    }

    @Test func aMissingRequiredEnvFileIsAProblemAtItsLine() {
        let layout = TemporaryLayout()
        layout.write("docker-compose.yml", "services:\n  app:\n    env_file:\n      - nope.env\n")
        let r = reading(layout, service: "app", name: "TOKEN")
        let problem = try! #require(r.problems.first)
        #expect(problem.origin.label == "docker-compose.yml:4")
        #expect(problem.reason.contains("refuses to start app"))
    }

    @Test func aBareNameTakesTheValueFromTheProjectEnv() {
        let layout = TemporaryLayout()
        layout.write(".env", "API_KEY=\(Self.hubKey)\n")
        layout.write("docker-compose.yml", "services:\n  app:\n    environment:\n      - API_KEY\n")
        let r = reading(layout, service: "app", name: "API_KEY")
        #expect(r.value == SecretValue(Self.hubKey))
        #expect(r.origin?.display == ".env")
    }

    @Test func anInvalidInterpolationIsAProblemAtItsLine() {
        let layout = TemporaryLayout()
        layout.write("docker-compose.yml", "services:\n  app:\n    environment:\n      TOKEN: ${}\n")
        let r = reading(layout, service: "app", name: "TOKEN")
        #expect(r.problems.first?.origin.label == "docker-compose.yml:4")
        #expect(r.problems.first?.reason.contains("invalid interpolation") == true)
    }

    @Test func dockerModeFindsHubAndCoreByWhatTheirEnvironmentCarries() async throws {
        let layout = TemporaryLayout()
        layout.write("hivecfm-hub/.env", "API_KEY=\(Self.hubKey)\n")
        layout.write("hivecfm-core/.env", "HIVECFM_HUB_API_KEY=\(Self.hubKey)\nHIVECFM_HUB_URL=http://hub:8080\n")
        layout.write(".env", "HUB_TAG=1.4\n")
        layout.write("compose.yaml", """
        services:
          hub:
            image: hivecfm/hub:${HUB_TAG}
            env_file: hivecfm-hub/.env
          web:
            env_file: [hivecfm-core/.env]
            environment:
              HIVECFM_HUB_API_KEY: \(Self.coreKey)
        """)
        var options = CheckOptions()
        options.root = layout.root
        options.mode = .docker
        options.offline = true
        options.environment = [:]
        let report = try await Doctor.check(options)
        let match = try #require(report.finding(CheckID.keysMatch))
        #expect(match.cause == .keyDrift)
        #expect(match.evidence.map(\.source) == ["compose.yaml:8", "hivecfm-hub/.env:1"])
        #expect(match.message.contains("compose.yaml:8 wins over hivecfm-core/.env:1"))
        #expect(match.facts["restart"] == "docker compose up -d --force-recreate hub web")
        #expect(report.finding(CheckID.urlMode)?.status == .pass)
    }
}
