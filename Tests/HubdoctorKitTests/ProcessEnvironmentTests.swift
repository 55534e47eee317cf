import Foundation
import Testing
@testable import HubdoctorKit

/// Real child processes started with a known environment, compared with files on disk.
@Suite struct ProcessEnvironmentTests {
    static let current = "7c1e9a3f5b2d8e4a6c0f1b3d"
    static let old = "2f8b4d6a0c9e1f3b5d7a8c2e"

    func spawn(_ environment: [String: String]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sleep")
        p.arguments = ["30"]
        p.environment = environment
        try p.run()
        return p
    }

    /// SIGKILL: the test runner's children may inherit an ignored SIGTERM.
    func stop(_ child: Process) {
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
    }

    func layout(processLine: String = "") -> TemporaryLayout {
        let layout = TemporaryLayout()
        layout.write("mcp.yaml", "kind: Secret\nmetadata: {name: mcp}\ndata:\n  GITEA_MCP_STATIC_TOKEN: \(b64(Self.current))\n")
        layout.write("routing.yaml", "kind: Secret\nmetadata: {name: routing}\ndata:\n  GITEA_MCP_TOKEN: \(b64(Self.current))\n")
        layout.write("hubdoctor.yaml", """
        version: 1
        links:
          - name: routing-to-gitea-mcp
            caller:
              key: {yaml: routing.yaml, secret: routing, var: GITEA_MCP_TOKEN}
              url: http://127.0.0.1:8080
              restart: kubectl -n routing rollout restart deployment/routing
            service:
              key: {yaml: mcp.yaml, secret: mcp, var: GITEA_MCP_STATIC_TOKEN}
              restart: kubectl -n gitea-mcp rollout restart deployment/gitea-mcp
        \(processLine)
        """)
        return layout
    }

    @Test func aProcessStartedWithAnOldKeyIsStaleProcessEnv() async throws {
        let child = try spawn(["GITEA_MCP_STATIC_TOKEN": Self.old])
        defer { stop(child) }
        let report = try await checkConfig(layout(), servicePID: child.processIdentifier)
        let f = try #require(report.finding(CheckID.processService))
        #expect(f.status == .fail)
        #expect(f.cause == .staleProcessEnv)
        #expect(f.evidence.map(\.fingerprint) == [SecretValue(Self.current).fingerprint, SecretValue(Self.old).fingerprint])
        #expect(f.message.contains("a restart fixes the link"))
        #expect(f.remediation.first?.run == "kubectl -n gitea-mcp rollout restart deployment/gitea-mcp")
        #expect(report.exitCode == 1)
    }

    @Test func aProcessNamedInTheConfigIsCompared() async throws {
        let child = try spawn(["GITEA_MCP_TOKEN": Self.current])
        defer { stop(child) }
        let report = try await checkConfig(layout(processLine: "      process: \(child.processIdentifier)"))
        let f = try #require(report.finding(CheckID.processService))
        // The service side runs with no GITEA_MCP_STATIC_TOKEN at all: the Secret gained it later.
        #expect(f.cause == .staleProcessEnv)
        #expect(f.message.contains("has no GITEA_MCP_STATIC_TOKEN in its environment"))
    }

    @Test func aProcessThatHoldsTheFilesKeyPasses() async throws {
        let child = try spawn(["GITEA_MCP_TOKEN": Self.current])
        defer { stop(child) }
        let report = try await checkConfig(layout(), callerPID: child.processIdentifier)
        #expect(report.finding(CheckID.processCaller)?.status == .pass)
        #expect(report.finding(CheckID.processService) == nil)
    }

    @Test func aProcessThatExitedIsAClearFinding() async throws {
        let child = try spawn([:])
        let pid = child.processIdentifier
        stop(child)
        let report = try await checkConfig(layout(), servicePID: pid)
        let f = try #require(report.finding(CheckID.processService))
        #expect(f.status == .warn)
        #expect(f.cause == .sourceUnreadable)
        #expect(f.message.contains("no process \(pid) is running"))
    }
}
