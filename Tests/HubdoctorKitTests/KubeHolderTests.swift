import Foundation
import Synchronization
import Testing
@testable import HubdoctorKit

/// `fixtures/kube/apiserver.py`: a stand-in Kubernetes API server that the real `kubectl`
/// talks to over HTTP. It serves Secrets, Deployments, ReplicaSets and Pods from a spec and runs
/// `pods/exec` commands for real (WebSocket, as kubectl 1.30+ speaks it) with each container's
/// environment. No hubdoctor code runs in it.
final class StandInCluster: Sendable {
    let process: Process
    let url: String
    let kubeconfig: String
    let cache: String

    private init(process: Process, url: String, kubeconfig: String, cache: String) {
        self.process = process
        self.url = url
        self.kubeconfig = kubeconfig
        self.cache = cache
    }

    /// What hubdoctor needs to reach the cluster: the kubeconfig (context `prod`, namespace
    /// `routing`), a discovery cache inside the layout, and the throwaway age key for the Git file.
    var environment: [String: String] {
        ["KUBECONFIG": kubeconfig, "KUBECACHEDIR": cache, "SOPS_AGE_KEY_FILE": Repo.path("fixtures/keys/throwaway-age-key.txt"), "SOPS_AGE_KEY": ""]
    }

    static func start(in layout: TemporaryLayout, spec: [String: Any], flags: [String] = []) async throws -> StandInCluster {
        let specPath = layout.write("cluster-spec.json", String(decoding: try JSONSerialization.data(withJSONObject: spec), as: UTF8.self))
        let started: (Process, String) = try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try launchPythonFixture("fixtures/kube/apiserver.py", [specPath] + flags) })
            }.start()
        }
        let (p, line) = started
        guard line.hasPrefix("listening on http://") else {
            p.terminate()
            throw PythonWebSocketServer.ServerError(message: "the stand-in API server did not start: \(line)")
        }
        let url = String(line.dropFirst("listening on ".count))
        let kubeconfig = layout.write("kubeconfig", """
            apiVersion: v1
            kind: Config
            clusters:
            - name: stand-in
              cluster: {server: "\(url)"}
            users:
            - name: tester
              user: {token: not-a-secret-just-a-name}
            contexts:
            - name: prod
              context: {cluster: stand-in, user: tester, namespace: routing}
            current-context: prod

            """)
        return StandInCluster(process: p, url: url, kubeconfig: kubeconfig, cache: layout.path("kube-cache"))
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        while process.isRunning { usleep(10_000) }
    }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

/// The seed's routing namespace as a cluster holds it: Secret routing-secrets patched at 07:10,
/// Deployment routing (envFrom the Secret) with a ReplicaSet and its pods.
enum RoutingCluster {
    static let patchedAt = "2026-05-18T07:10:00Z"

    static func secret(token: String) -> [String: Any] {
        [
            "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": [
                "name": "routing-secrets", "namespace": "routing", "uid": "5ec7e7-0001", "creationTimestamp": "2026-05-17T09:00:00Z",
                "managedFields": [
                    ["manager": "kubectl-client-side-apply", "operation": "Update", "apiVersion": "v1", "time": "2026-05-17T09:00:00Z",
                     "fieldsType": "FieldsV1", "fieldsV1": ["f:data": [".": [:] as [String: Any], "f:GITHUB_PAT": [:] as [String: Any]] as [String: Any]]],
                    ["manager": "kubectl-patch", "operation": "Update", "apiVersion": "v1", "time": patchedAt,
                     "fieldsType": "FieldsV1", "fieldsV1": ["f:data": ["f:GITEA_MCP_TOKEN": [:] as [String: Any]] as [String: Any]]],
                ] as [[String: Any]],
            ] as [String: Any],
            "data": ["GITEA_MCP_TOKEN": Data(token.utf8).base64EncodedString(), "GITHUB_PAT": Data("ghp-not-used-here".utf8).base64EncodedString()],
        ]
    }

    static func containerSpec() -> [String: Any] {
        ["name": "routing", "image": "ghcr.io/example/routing:1.4.2", "envFrom": [["secretRef": ["name": "routing-secrets"]]],
         // A literal that is not a key: it must not be scrubbed from the output as if it were one.
         "env": [["name": "LOG_LEVEL", "value": "info"], ["name": "SERVICE_NAME", "value": "routing"]]]
    }

    static func deployment(name: String = "routing", uid: String = "d3p-0001") -> [String: Any] {
        [
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": ["name": name, "namespace": "routing", "uid": uid, "labels": ["app": name]] as [String: Any],
            "spec": [
                "replicas": 2, "selector": ["matchLabels": ["app": name]],
                "template": ["metadata": ["labels": ["app": name]], "spec": ["containers": [containerSpec()]]] as [String: Any],
            ] as [String: Any],
        ]
    }

    static func replicaSet(deployment: String = "routing", deploymentUID: String = "d3p-0001") -> [String: Any] {
        [
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": ["name": "\(deployment)-7d9f", "namespace": "routing", "uid": "rs-\(deploymentUID)",
                         "labels": ["app": deployment, "pod-template-hash": "7d9f"],
                         "ownerReferences": [["apiVersion": "apps/v1", "kind": "Deployment", "name": deployment, "uid": deploymentUID, "controller": true]]] as [String: Any],
            "spec": ["selector": ["matchLabels": ["app": deployment, "pod-template-hash": "7d9f"]]] as [String: Any],
        ]
    }

    static func pod(_ name: String, started: String, token: String?, deployment: String = "routing", deploymentUID: String = "d3p-0001",
                    shell: Bool = true) -> [String: Any] {
        var env: [String: String] = ["LOG_LEVEL": "info", "GITHUB_PAT": "ghp-not-used-here"]
        if let token { env["GITEA_MCP_TOKEN"] = token }
        var pod: [String: Any] = [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": ["name": name, "namespace": "routing", "uid": "pod-\(name)", "labels": ["app": deployment, "pod-template-hash": "7d9f"],
                         "ownerReferences": [["apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "\(deployment)-7d9f", "uid": "rs-\(deploymentUID)",
                                              "controller": true]]] as [String: Any],
            "spec": ["containers": [containerSpec()]],
            "status": ["phase": "Running", "startTime": started,
                       "containerStatuses": [["name": "routing", "ready": true, "restartCount": 0,
                                              "state": ["running": ["startedAt": started]]] as [String: Any]]] as [String: Any],
            "x-env": ["routing": env],
        ]
        if !shell { pod["x-shell"] = false }
        return pod
    }

    /// One pod started before the patch, holding the empty token; one started after it.
    static func incident(token: String) -> [String: Any] {
        [
            "secrets": [secret(token: token)],
            "deployments": [deployment()],
            "replicasets": [replicaSet()],
            "pods": [pod("routing-7d9f-old", started: "2026-05-18T06:06:42Z", token: ""),
                     pod("routing-7d9f-new", started: "2026-05-18T07:12:00Z", token: token)],
        ]
    }
}

/// Every process command line on the machine, sampled while something runs: proof that no key
/// reaches an argv (kubectl's, or anything it starts).
final class CommandLineSampler: Sendable {
    private let seen = Mutex<Set<String>>([])
    private let running = Mutex(true)

    func start() {
        Thread { [self] in
            while running.withLock({ $0 }) {
                for pid in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where pid.allSatisfy(\.isNumber) {
                    guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else { continue }
                    let line = String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
                    _ = seen.withLock { $0.insert(line) }
                }
                usleep(5_000)
            }
        }.start()
    }

    func stop() -> [String] {
        running.withLock { $0 = false }
        return seen.withLock { Array($0) }
    }
}

@Suite("running: kube holders and copies, against the real kubectl")
struct KubeHolderTests {
    static func token() -> String { (UUID().uuidString + UUID().uuidString).replacingOccurrences(of: "-", with: "").lowercased().prefix(40).description }

    static func findings(_ json: [String: Any], _ check: String) -> [[String: Any]] {
        (json["findings"] as? [[String: Any]] ?? []).filter { $0["check"] as? String == check }
    }

    static func message(_ f: [String: Any]?) -> String { f?["message"] as? String ?? "" }

    static func layout() -> (TemporaryLayout, String) {
        let layout = TemporaryLayout()
        layout.copy(fixture: "fixtures/layouts/gitea-mcp-live")
        return (layout, layout.path("hubdoctor.yaml"))
    }

    @Test func kubectlIsInstalledAndSpeaksWebSocketExec() throws {
        let path = try #require(Subprocess.find("kubectl", path: ProcessInfo.processInfo.environment["PATH"]),
                                "kubectl must be installed (scripts/setup installs it); the cluster tests need the real one")
        let out = try #require(try? Subprocess.run(path, ["version", "--client", "-o", "json"], environment: ProcessInfo.processInfo.environment, timeout: 20).get())
        let json = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout)) as? [String: Any])
        let minor = Int(((json["clientVersion"] as? [String: Any])?["minor"] as? String ?? "").prefix { $0.isNumber }) ?? 0
        #expect(minor >= 30, "kubectl 1.30 or later speaks WebSocket exec; this one is 1.\(minor)")
    }

    @Test func theSeedLayoutNamesTheStalePodTheFreshPodTheCopyDriftAndOneRestart() async throws {
        let token = Self.token()
        let (layout, config) = Self.layout()
        let cluster = try await StandInCluster.start(in: layout, spec: RoutingCluster.incident(token: token), flags: ["--exec-delay", "0.3"])
        defer { cluster.stop() }
        let sampler = CommandLineSampler()
        sampler.start()
        let (r, json) = try await Binary.jsonRunning(["check", "--config", config, "--format", "json", "--skip", "probe"],
                                                     environment: cluster.environment)
        let text = try await Binary.running(["check", "--config", config], environment: cluster.environment)
        let commandLines = sampler.stop()

        let holders = Self.findings(json, "holders.caller")
        #expect(holders.count == 2, "\(r.all)")
        let stale = try #require(holders.first { Self.message($0).contains("routing-7d9f-old") }, "\(r.all)")
        #expect(stale["status"] as? String == "fail")
        #expect(stale["cause"] as? String == "stale-process-env")
        #expect(Self.message(stale).contains("started 2026-05-18 06:06:42 UTC"), "\(Self.message(stale))")
        #expect(Self.message(stale).contains("changed 2026-05-18 07:10:00 UTC by kubectl-patch"), "\(Self.message(stale))")
        #expect(Self.message(stale).contains("an empty GITEA_MCP_TOKEN"), "\(Self.message(stale))")
        let fresh = try #require(holders.first { Self.message($0).contains("routing-7d9f-new") })
        #expect(fresh["status"] as? String == "pass", "\(Self.message(fresh))")
        #expect(Self.message(fresh).contains(SecretValue(token).fingerprint), "\(Self.message(fresh))")

        let copies = Self.findings(json, "copies.caller")
        #expect(copies.count == 1)
        let drift = try #require(copies.first)
        #expect(drift["status"] as? String == "fail")
        #expect(drift["cause"] as? String == "copy-drift")
        let driftMessage = Self.message(drift)
        #expect(driftMessage.contains("routing-7d9f-new holds the copy's value"), "\(driftMessage)")
        #expect(driftMessage.contains("routing-7d9f-old holds infra/routing/secrets.enc.yaml"), "\(driftMessage)")
        let driftRuns = (drift["remediation"] as? [[String: Any]] ?? []).compactMap { $0["run"] as? String }
        #expect(driftRuns.contains { $0.contains("sops set --value-stdin infra/routing/secrets.enc.yaml") && $0.contains("[\"data\"][\"GITEA_MCP_TOKEN\"]") },
                "\(driftRuns)")

        // One restart command, for the one workload that consumes the key.
        let runs = (json["findings"] as? [[String: Any]] ?? []).flatMap { ($0["remediation"] as? [[String: Any]] ?? []).compactMap { $0["run"] as? String } }
        let restarts = Set(runs.filter { $0.contains("rollout restart") })
        let restart = "kubectl --context prod -n routing rollout restart deployment/routing"
        #expect(restarts == [restart], "\(restarts)")
        let restartLines = text.stdout.split(separator: "\n").filter { $0.contains("rollout restart") }
        #expect(!restartLines.isEmpty && restartLines.allSatisfy { $0.contains(restart) }, "\(restartLines)")

        // No key, nor a piece of one, in any output or in any process's argv.
        expectNoKeyFragments(r.all + text.all, [token])
        #expect(commandLines.contains { $0.contains("kubectl") && $0.contains("exec routing-7d9f-old") }, "the sampler saw no kubectl exec: \(commandLines.count) lines")
        expectNoKeyFragments(commandLines.joined(separator: "\n"), [token], comment: "a process's command line")
    }

    @Test func aGitChangeNotYetDeployedNamesOnlyTheWorkloadsThatTakeTheKey() async throws {
        let live = Self.token(), git = Self.token()
        let layout = TemporaryLayout()
        // A plain Secret manifest in Git, changed now: after the live Secret's last change.
        layout.write("k8s/routing-secrets.yaml", """
            apiVersion: v1
            kind: Secret
            metadata: {name: routing-secrets, namespace: routing}
            data:
              GITEA_MCP_TOKEN: \(Data(git.utf8).base64EncodedString())

            """)
        let config = layout.write("hubdoctor.yaml", """
            version: 1
            links:
              - name: routing-to-gitea-mcp
                caller:
                  name: routing
                  key: {yaml: k8s/routing-secrets.yaml, secret: routing-secrets, var: GITEA_MCP_TOKEN}
                  copies:
                    - {kube: {secret: routing-secrets, var: GITEA_MCP_TOKEN, namespace: routing, context: prod}}
                service:
                  key: {environment: GITEA_MCP_STATIC_TOKEN}

            """)
        var spec = RoutingCluster.incident(token: live)
        // Another workload in the namespace that does not take the Secret, and one that takes
        // the key through secretKeyRef.
        var billing = RoutingCluster.deployment(name: "billing", uid: "d3p-0002")
        billing["spec"] = ["selector": ["matchLabels": ["app": "billing"]],
                           "template": ["spec": ["containers": [["name": "billing", "image": "billing:1", "env": [["name": "X", "value": "1"]]]]]]] as [String: Any]
        var worker = RoutingCluster.deployment(name: "worker", uid: "d3p-0003")
        worker["kind"] = "StatefulSet"
        worker["spec"] = ["selector": ["matchLabels": ["app": "worker"]],
                          "template": ["spec": ["containers": [["name": "worker", "image": "worker:1",
                                                                "env": [["name": "TOKEN", "valueFrom": ["secretKeyRef": ["name": "routing-secrets", "key": "GITEA_MCP_TOKEN"]]]]]]]]] as [String: Any]
        spec["deployments"] = [RoutingCluster.deployment(), billing]
        spec["statefulsets"] = [worker]
        let cluster = try await StandInCluster.start(in: layout, spec: spec)
        defer { cluster.stop() }
        var env = cluster.environment
        env["GITEA_MCP_STATIC_TOKEN"] = git
        let (r, json) = try await Binary.jsonRunning(["check", "--config", config, "--format", "json", "--skip", "probe"], environment: env)
        let drift = try #require(Self.findings(json, "copies.caller").first, "\(r.all)")
        #expect(drift["cause"] as? String == "copy-drift")
        #expect(Self.message(drift).contains("not deployed yet"), "\(Self.message(drift))")
        let runs = (drift["remediation"] as? [[String: Any]] ?? []).compactMap { $0["run"] as? String }
        #expect(runs.contains("kubectl --context prod -n routing apply -f k8s/routing-secrets.yaml"), "\(runs)")
        let restarts = runs.filter { $0.contains("rollout restart") }
        #expect(Set(restarts) == ["kubectl --context prod -n routing rollout restart deployment/routing",
                                  "kubectl --context prod -n routing rollout restart statefulset/worker"], "\(restarts)")
        expectNoKeyFragments(r.all, [live, git])
    }

    @Test func aSelectorFindsThePodsAndTheRestartNamesTheDeploymentThatOwnsThem() async throws {
        let token = Self.token()
        let layout = TemporaryLayout()
        layout.copy(fixture: "fixtures/layouts/gitea-mcp-live")
        let config = layout.write("selector.yaml", """
            version: 1
            links:
              - name: routing-to-gitea-mcp
                caller:
                  name: routing
                  key: {yaml: infra/routing/secrets.enc.yaml, secret: routing-secrets, var: GITEA_MCP_TOKEN}
                  running:
                    - {kube: {selector: app=routing, var: GITEA_MCP_TOKEN, namespace: routing, context: prod}}
                service:
                  key: {environment: GITEA_MCP_STATIC_TOKEN}

            """)
        let cluster = try await StandInCluster.start(in: layout, spec: RoutingCluster.incident(token: token))
        defer { cluster.stop() }
        var env = cluster.environment
        env["GITEA_MCP_STATIC_TOKEN"] = token
        let (r, json) = try await Binary.jsonRunning(["check", "--config", config, "--format", "json", "--only", "holders"], environment: env)
        let holders = Self.findings(json, "holders.caller")
        #expect(holders.count == 2, "\(r.all)")
        let stale = try #require(holders.first { Self.message($0).contains("routing-7d9f-old") }, "\(r.all)")
        #expect(stale["cause"] as? String == "stale-process-env")
        let runs = (stale["remediation"] as? [[String: Any]] ?? []).compactMap { $0["run"] as? String }
        #expect(runs.contains("kubectl --context prod -n routing rollout restart deployment/routing"), "\(runs)")
        #expect(holders.first { Self.message($0).contains("routing-7d9f-new") }?["status"] as? String == "pass")
        expectNoKeyFragments(r.all, [token])
    }

    @Test func withExecForbiddenTheStalePodIsNamedFromTheTimestampsAsAWarning() async throws {
        let token = Self.token()
        let (layout, config) = Self.layout()
        let cluster = try await StandInCluster.start(in: layout, spec: RoutingCluster.incident(token: token), flags: ["--forbid-exec"])
        defer { cluster.stop() }
        let (r, json) = try await Binary.jsonRunning(["check", "--config", config, "--format", "json", "--skip", "probe"],
                                                     environment: cluster.environment)
        let holders = Self.findings(json, "holders.caller")
        let stale = try #require(holders.first { Self.message($0).contains("routing-7d9f-old") }, "\(r.all)")
        #expect(stale["status"] as? String == "warn")
        #expect(stale["cause"] as? String == "stale-process-env")
        #expect(Self.message(stale).contains("exec was refused"), "\(Self.message(stale))")
        #expect(Self.message(stale).contains("forbidden"), "\(Self.message(stale))")
        #expect(Self.message(stale).contains("it started 2026-05-18 06:06:42 UTC before"), "\(Self.message(stale))")
        let runs = (stale["remediation"] as? [[String: Any]] ?? []).compactMap { $0["run"] as? String }
        #expect(runs.contains("kubectl --context prod -n routing rollout restart deployment/routing"), "\(runs)")
        let fresh = try #require(holders.first { Self.message($0).contains("routing-7d9f-new") })
        #expect(fresh["status"] as? String == "warn")
        #expect(fresh["cause"] as? String == "source-unreadable")
        #expect(Self.message(fresh).contains("should hold the current value"), "\(Self.message(fresh))")
        expectNoKeyFragments(r.all, [token])
    }

    @Test func aContainerWithoutAShellIsReportedWithTheTimestampFallback() async throws {
        let token = Self.token()
        let (layout, config) = Self.layout()
        var spec = RoutingCluster.incident(token: token)
        spec["pods"] = [RoutingCluster.pod("routing-7d9f-old", started: "2026-05-18T06:06:42Z", token: "", shell: false)]
        let cluster = try await StandInCluster.start(in: layout, spec: spec)
        defer { cluster.stop() }
        let (r, json) = try await Binary.jsonRunning(["check", "--config", config, "--format", "json", "--skip", "probe"],
                                                     environment: cluster.environment)
        let holder = try #require(Self.findings(json, "holders.caller").first, "\(r.all)")
        #expect(holder["status"] as? String == "warn")
        #expect(holder["cause"] as? String == "stale-process-env")
        #expect(Self.message(holder).contains("no shell"), "\(Self.message(holder))")
    }

    @Test func aClusterThatDoesNotAnswerIsReportedWithinTheTimeout() async throws {
        let (layout, config) = Self.layout()
        let cluster = try await StandInCluster.start(in: layout, spec: RoutingCluster.incident(token: Self.token()), flags: ["--hang"])
        defer { cluster.stop() }
        let (run, seconds) = try await Binary.timedRunAsync(["check", "--config", config, "--format", "json", "--skip", "probe", "--timeout", "2"],
                                                            environment: cluster.environment)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.all)")
        let holder = try #require(Self.findings(json, "holders.caller").first)
        #expect(holder["status"] as? String == "warn")
        #expect(Self.message(holder).contains("did not answer within 2 s"), "\(Self.message(holder))")
        let copy = try #require(Self.findings(json, "copies.caller").first)
        #expect(copy["status"] as? String == "warn", "\(Self.message(copy))")
        // The live Secret, the workload and the pods are asked at once or from a cache: one
        // timeout plus kubectl's start, not one per object.
        #expect(seconds < Machine.allow(8), "took \(seconds) s")
    }

    @Test func twentyPodsAreLookedAtConcurrently() async throws {
        let token = Self.token()
        let (layout, config) = Self.layout()
        let delay = 2.0
        func spec(pods: Int) -> [String: Any] {
            var s = RoutingCluster.incident(token: token)
            s["pods"] = (0..<pods).map { RoutingCluster.pod("routing-7d9f-p\($0)", started: "2026-05-18T07:12:00Z", token: token) }
            return s
        }
        let one = try await StandInCluster.start(in: layout, spec: spec(pods: 1), flags: ["--exec-delay", "\(delay)"])
        let (_, single) = try await Binary.timedRunAsync(["check", "--config", config, "--format", "json", "--only", "holders"],
                                                         environment: one.environment)
        one.stop()
        let many = try await StandInCluster.start(in: layout, spec: spec(pods: 20), flags: ["--exec-delay", "\(delay)"])
        defer { many.stop() }
        let (run, twenty) = try await Binary.timedRunAsync(["check", "--config", config, "--format", "json", "--only", "holders"],
                                                           environment: many.environment)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.all)")
        let holders = Self.findings(json, "holders.caller")
        #expect(holders.count == 20)
        #expect(holders.allSatisfy { $0["status"] as? String == "pass" }, "\(holders.map(Self.message))")
        // Serially, 20 execs of `delay` seconds each would take 20 × delay.
        #expect(twenty < 2 * single * Machine.slowdown, "one pod \(single) s, twenty pods \(twenty) s")
    }

    @Test func withoutKubectlTheHoldersAndCopiesSayWhyTheyCannotLook() async throws {
        let (layout, config) = Self.layout()
        let empty = TemporaryLayout()
        defer { withExtendedLifetime(layout) {} }
        let r = try await Binary.running(["check", "--config", config, "--format", "json", "--skip", "probe"],
                                         environment: ["PATH": empty.root, "SOPS_AGE_KEY_FILE": "", "HOME": empty.root])
        let json = try #require(try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.all)")
        let holder = try #require(Self.findings(json, "holders.caller").first, "\(r.all)")
        #expect(holder["status"] as? String == "warn")
        #expect(Self.message(holder).contains("`kubectl` is not installed"), "\(Self.message(holder))")
        let copy = try #require(Self.findings(json, "copies.caller").first)
        #expect(copy["status"] as? String == "warn")
    }

    @Test func configKubeEntriesAreParsedAndBadOnesNamed() throws {
        let layout = TemporaryLayout()
        let ok = try HubdoctorConfig.load(path: layout.write("ok.yaml", """
            version: 1
            links:
              - name: l
                caller:
                  key: {kube: {secret: s, var: TOKEN, namespace: ns, context: prod}}
                  copies: [{kube: {secret: s2, var: TOKEN}}]
                  running:
                    - {kube: {statefulset: db, var: TOKEN}}
                    - {kube: {selector: "app=x,tier in (a,b)", container: c, var: TOKEN, namespace: ns}}
                service:
                  key: {environment: HUB_KEY}

            """))
        let caller = try #require(ok.links.first?.caller)
        #expect(caller.key == .kube(secret: "s", var: "TOKEN", scope: KubeScope(context: "prod", namespace: "ns")))
        #expect(caller.copies == [.kube(secret: "s2", var: "TOKEN", scope: KubeScope())])
        #expect(caller.running == [.kube(KubeHolderSpec(target: .statefulset("db"), variable: "TOKEN")),
                                   .kube(KubeHolderSpec(target: .selector("app=x,tier in (a,b)"), container: "c", variable: "TOKEN",
                                                        scope: KubeScope(namespace: "ns")))])
        for (i, (bad, says)) in [("{kube: {deployment: d, var: \"A;rm -rf /\"}}", "is not a variable name"),
                                 ("{kube: {deployment: d, pod: p, var: A}}", "names one of deployment"),
                                 ("{kube: {deployment: d}}", "needs `var:`")].enumerated() {
            let path = layout.write("bad\(i).yaml", "version: 1\nlinks:\n  - name: l\n    caller:\n      key: {environment: K}\n      running: [\(bad)]\n" +
                                    "    service:\n      key: {environment: H}\n")
            do {
                _ = try HubdoctorConfig.load(path: path)
                Issue.record("\(bad) was accepted")
            } catch {
                #expect("\(error)".contains(says), "\(error)")
                #expect("\(error)".contains("bad\(i).yaml:6"), "\(error)")
            }
        }
    }
}

@Suite("where a container's variable comes from")
struct KubeEnvironmentSourceTests {
    @Test func envWinsOverEnvFromAndTheLastEnvFromWinsOverEarlierOnesWithPrefixesApplied() {
        let c = LiveContainer(spec: [
            "name": "app",
            "envFrom": [["secretRef": ["name": "base"]], ["prefix": "HUB_", "secretRef": ["name": "hub"]], ["secretRef": ["name": "override"]],
                        ["configMapRef": ["name": "settings"]]],
            "env": [["name": "PINNED", "valueFrom": ["secretKeyRef": ["name": "pinned", "key": "token"]]], ["name": "LEVEL", "value": "info"]],
        ])
        #expect(c.sources(of: "PINNED") == [.secretKey(secret: "pinned", key: "token")])
        #expect(c.sources(of: "LEVEL") == [.literal(SecretValue("info"))])
        // Strongest first: the later envFrom entries, a ConfigMap among them.
        #expect(c.sources(of: "TOKEN") == [.elsewhere("ConfigMap settings"), .secretAll(secret: "override", key: "TOKEN"), .secretAll(secret: "base", key: "TOKEN")])
        #expect(c.sources(of: "HUB_KEY") == [.elsewhere("ConfigMap settings"), .secretAll(secret: "override", key: "HUB_KEY"),
                                             .secretAll(secret: "hub", key: "KEY"), .secretAll(secret: "base", key: "HUB_KEY")])
        #expect(c.takes(secret: "pinned", key: "token") && c.takes(secret: "hub", key: "anything") && !c.takes(secret: "other", key: "token"))
    }

    @Test func aWorkloadSelectorBecomesTheLabelArgumentKubectlTakes() {
        let selector: [String: Any] = [
            "matchLabels": ["app": "routing", "tier": "api"],
            "matchExpressions": [["key": "env", "operator": "In", "values": ["prod", "staging"]], ["key": "canary", "operator": "DoesNotExist"],
                                 ["key": "zone", "operator": "NotIn", "values": ["b"]], ["key": "team", "operator": "Exists"]],
        ]
        #expect(LabelSelector.text(selector) == "app=routing,tier=api,env in (prod,staging),!canary,zone notin (b),team")
        #expect(LabelSelector.text([:]) == nil)
    }

    @Test func kubectlComplaintsAreSortedIntoKindsWithTheRemoteExitCode() {
        let forbidden = Kubectl.classify(stderr: Array("Error from server (Forbidden): pods \"p\" is forbidden: User \"u\" cannot create resource \"pods/exec\"\n".utf8), code: 1)
        #expect(forbidden.kind == .forbidden && forbidden.exitCode == nil)
        let missing = Kubectl.classify(stderr: Array("Error from server (NotFound): secrets \"s\" not found\n".utf8), code: 1)
        #expect(missing.kind == .notFound)
        let exited = Kubectl.classify(stderr: Array("command terminated with exit code 1\n".utf8), code: 1)
        #expect(exited.kind == .failed && exited.exitCode == 1)
        let noShell = Kubectl.classify(stderr: Array("error: Internal error occurred: exec failed: unable to start container process: exec: \"sh\": executable file not found in $PATH: unknown\n".utf8), code: 1)
        #expect(noShell.kind == .noShell)
        let down = Kubectl.classify(stderr: Array("The connection to the server localhost:8080 was refused - did you specify the right host or port?\n".utf8), code: 1)
        #expect(down.kind == .unreachable)
    }
}
