import Foundation
import Testing
@testable import HubdoctorKit

/// Issue 10: the service's own key (from the service side's file) is sent only to loopback or to
/// the origin the service side declares (`service.url:`), never just because the caller's file
/// names a URL: otherwise any host a caller is pointed at would learn the service's key.
@Suite struct ServiceKeyOriginTests {
    static let serviceKey = "hk_Service0Own1Key2Origin3x"
    static let callerKey = "hk_Caller0Drifted1Key2Value3"

    /// A non-loopback IPv4 address of this machine, where a sandbox bound to 0.0.0.0 answers too.
    static let externalAddress: String? = {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return nil }
        defer { freeifaddrs(list) }
        for p in sequence(first: first, next: { $0.pointee.ifa_next }) {
            guard let a = p.pointee.ifa_addr, a.pointee.sa_family == sa_family_t(AF_INET) else { continue }
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            guard getnameinfo(a, socklen_t(MemoryLayout<sockaddr_in>.size), &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0 else { continue }
            let text = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if !text.hasPrefix("127.") { return text }
        }
        return nil
    }()

    /// A config whose two sides disagree on the key; the caller calls `url`, and the service side
    /// declares `declared`, if given.
    static func layout(url: String, declared: String?) -> TemporaryLayout {
        let layout = TemporaryLayout()
        layout.write("core/.env", "HUB_KEY=\(callerKey)\n")
        layout.write("hub/.env", "API_KEY=\(serviceKey)\n")
        var yaml = """
            version: 1
            links:
              - name: core-to-hub
                caller: {key: {env: core/.env, var: HUB_KEY}, url: "\(url)"}
                probes: {health: /health, protected: [/v1/webhooks]}
                service:
                  key: {env: hub/.env, var: API_KEY}

            """
        if let declared { yaml += "      url: \"\(declared)\"\n" }
        layout.write("hubdoctor.yaml", yaml)
        return layout
    }

    func sandbox() -> SandboxOptions {
        var options = SandboxOptions(key: SecretValue(Self.serviceKey))
        options.host = "0.0.0.0"
        return options
    }

    func serviceKeyRequests(_ hub: SandboxHub) -> Int {
        hub.entries.filter { $0.auth == .bearerKey }.count
    }

    @Test(.enabled(if: externalAddress != nil, "needs a non-loopback address"))
    func theServiceKeyIsNotSentToAnOriginOnlyTheCallerNames() async throws {
        let ip = try #require(Self.externalAddress)
        try await serving(try await SandboxHub.start(sandbox())) { hub in
            let url = "http://\(ip):\(hub.port)"
            let layout = Self.layout(url: url, declared: nil)
            let r = try await Binary.running(["check", "--config", layout.path("hubdoctor.yaml"), "--format", "json"])
            #expect(r.status == 1)
            #expect(r.cause("probe.key") == "key-drift", "\(r.stdout)")
            #expect(r.statusOf("probe.service-key") == "skip")
            let message = r.finding("probe.service-key")?["message"] as? String ?? ""
            #expect(message.contains("not sent") && message.contains("loopback") && message.contains("service.url"), "\(message)")
            #expect(message.contains(ip), "the skipped origin is named: \(message)")
            // The caller's own key went there (that is what the caller does anyway); the service's never did.
            #expect(self.serviceKeyRequests(hub) == 0)
            #expect(hub.entries.contains { $0.auth == .bearerOther })
            expectNoKeyFragments(r.all, [Self.serviceKey, Self.callerKey])
        }
    }

    @Test(.enabled(if: externalAddress != nil, "needs a non-loopback address"))
    func theServiceKeyIsSentToTheOriginTheServiceSideDeclares() async throws {
        let ip = try #require(Self.externalAddress)
        try await serving(try await SandboxHub.start(sandbox())) { hub in
            let url = "http://\(ip):\(hub.port)"
            let layout = Self.layout(url: url, declared: url + "/")
            let r = try await Binary.running(["check", "--config", layout.path("hubdoctor.yaml"), "--format", "json"])
            #expect(r.statusOf("probe.service-key") == "pass", "\(r.finding("probe.service-key") ?? [:])")
            #expect(self.serviceKeyRequests(hub) == 1)
        }
    }

    @Test func theServiceKeyIsSentToLoopbackWithoutADeclaration() async throws {
        try await serving(try await SandboxHub.start(sandbox())) { hub in
            let layout = Self.layout(url: "http://127.0.0.1:\(hub.port)", declared: nil)
            let r = try await Binary.running(["check", "--config", layout.path("hubdoctor.yaml"), "--format", "json"])
            #expect(r.statusOf("probe.service-key") == "pass", "\(r.finding("probe.service-key") ?? [:])")
            #expect(self.serviceKeyRequests(hub) == 1)
            let declaredElsewhere = Self.layout(url: "http://localhost:\(hub.port)", declared: "https://hub.example.com")
            let other = try await Binary.running(["check", "--config", declaredElsewhere.path("hubdoctor.yaml"), "--format", "json"])
            #expect(other.statusOf("probe.service-key") == "pass", "localhost is loopback whatever the declaration")
        }
    }

    @Test func theBuiltInProfileDeclaresTheHubsAddressInEachModeAndWithholdsTheKeyElsewhere() throws {
        let layout = TemporaryLayout()
        layout.write("hivecfm-hub/.env", "API_KEY=\(Self.serviceKey)\n")
        layout.write("hivecfm-core/.env", "HIVECFM_HUB_URL=https://hub.example.com\nHIVECFM_HUB_API_KEY=\(Self.callerKey)\n")
        var options = CheckOptions()
        options.root = layout.root
        options.mode = .docker
        let setup = try Doctor.setup(options)
        let readings = Doctor.read(setup.links[0], options: options, resolver: setup.resolver)
        #expect(Doctor.serviceKeyWithheld(url: "http://hivecfm-hub-api:8080", readings) == nil)
        #expect(Doctor.serviceKeyWithheld(url: "http://127.0.0.1:8090", readings) == nil)
        let reason = try #require(Doctor.serviceKeyWithheld(url: "https://hub.example.com", readings))
        #expect(reason.contains("https://hub.example.com") && reason.contains("declares http://hivecfm-hub-api:8080"), "\(reason)")
        guard case .probe(let target) = Doctor.probePlan(readings, options: options) else {
            Issue.record("nothing to probe")
            return
        }
        #expect(target.serviceKeyWithheld == reason)
    }
}
