import Foundation
import Testing
@testable import HubdoctorKit

func b64(_ s: String) -> String { Data(s.utf8).base64EncodedString() }

/// Runs `check --offline` on a config in `layout` through the library.
func checkConfig(_ layout: TemporaryLayout, _ config: String = "hubdoctor.yaml", environment: [String: String] = [:],
                 sopsTimeout: Double = 30, servicePID: Int32? = nil, callerPID: Int32? = nil) async throws -> Report {
    var options = CheckOptions()
    options.configPath = layout.path(config)
    options.offline = true
    options.environment = environment
    options.sopsTimeout = sopsTimeout
    options.servicePID = servicePID
    options.callerPID = callerPID
    return try await Doctor.check(options)
}

extension Report {
    func finding(_ check: CheckID, link: String? = nil) -> Finding? {
        findings.first { $0.check == check && (link == nil || $0.link == link) }
    }
}

@Suite struct YAMLSourceTests {
    static let realToken = "f3a9c1d27be84e6a9d0c5b71e2a4f8d3"

    func read(_ layout: TemporaryLayout, _ source: KeySource, stdin: String? = nil) -> KeyReading {
        let input: (@Sendable () -> Result<[UInt8], SourceProblem>)? = stdin.map { text in { @Sendable in .success(Array(text.utf8)) } }
        let cache = SourceCache(standardInput: input)
        return SourceResolver(root: layout.root, environment: [:], cache: cache).read(source)
    }

    @Test func secretIsFoundByNameAmongSeveralDocumentsWithItsLine() {
        let layout = TemporaryLayout()
        layout.write("s.yaml", """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: routing-secrets}
        data: {GITEA_MCP_TOKEN: not-this-one}
        ---
        apiVersion: v1
        kind: Secret
        metadata:
          name: other
        data:
          GITEA_MCP_TOKEN: \(b64("wrong-secret-value"))
        ---
        apiVersion: v1
        kind: Secret
        metadata:
          name: routing-secrets
        data:
          GITEA_MCP_TOKEN: \(b64(Self.realToken))

        """)
        let r = read(layout, .yamlSecret(file: "s.yaml", secret: "routing-secrets", key: "GITEA_MCP_TOKEN"))
        #expect(r.problems.isEmpty)
        #expect(r.value == SecretValue(Self.realToken))
        #expect(r.origin?.label == "s.yaml:18")
    }

    @Test func stringDataOverridesDataAndSaysSo() {
        let layout = TemporaryLayout()
        layout.write("s.yaml", """
        kind: Secret
        metadata: {name: app}
        data:
          TOKEN: \(b64("stale-token-from-data"))
        stringData:
          TOKEN: \(Self.realToken)
        """)
        let r = read(layout, .yamlSecret(file: "s.yaml", secret: "app", key: "TOKEN"))
        #expect(r.value == SecretValue(Self.realToken))
        #expect(r.origin?.line == 6)
        #expect(r.notes.contains { $0.contains("stringData.TOKEN overrides data.TOKEN (line 4)") })
    }

    @Test func secretInsideAKindListIsFound() {
        let layout = TemporaryLayout()
        layout.write("list.yaml", """
        apiVersion: v1
        kind: List
        items:
          - kind: Secret
            metadata: {name: a}
            stringData: {K: first-value-123}
          - kind: Secret
            metadata: {name: b}
            stringData: {K: \(Self.realToken)}
        """)
        let r = read(layout, .yamlSecret(file: "list.yaml", secret: "b", key: "K"))
        #expect(r.value == SecretValue(Self.realToken))
        #expect(r.origin?.line == 9)
    }

    @Test(arguments: ["yes", "0123", "1e3", "0x1F", "~x", "1_000", "2001-12-14", ".inf"])
    func valuesStayTheTextThatWasWritten(_ text: String) {
        let layout = TemporaryLayout()
        layout.write("s.yaml", "kind: Secret\nmetadata: {name: s}\nstringData:\n  K: \(text)\n")
        layout.write("plain.yaml", "app:\n  key: \(text)\n")
        #expect(read(layout, .yamlSecret(file: "s.yaml", secret: "s", key: "K")).value == SecretValue(text))
        #expect(read(layout, .yamlPath(file: "plain.yaml", path: "app.key")).value == SecretValue(text))
    }

    @Test func dottedPathFollowsMapsListsAndKeysThatContainDots() {
        let layout = TemporaryLayout()
        layout.write("values.yaml", """
        gitea:
          mcp:
            token: \(Self.realToken)
        data:
          app.key: dotted-key-value-1
        servers:
          - name: one
          - name: two
            token: from-the-list-987
        """)
        let nested = read(layout, .yamlPath(file: "values.yaml", path: "gitea.mcp.token"))
        #expect(nested.value == SecretValue(Self.realToken))
        #expect(nested.origin?.label == "values.yaml:3")
        #expect(read(layout, .yamlPath(file: "values.yaml", path: "data.app.key")).value == SecretValue("dotted-key-value-1"))
        #expect(read(layout, .yamlPath(file: "values.yaml", path: "servers.1.token")).value == SecretValue("from-the-list-987"))
        let missing = read(layout, .yamlPath(file: "values.yaml", path: "gitea.mcp.secret"))
        #expect(missing.value == nil && missing.problems.isEmpty)
        #expect(missing.notes.contains { $0.contains("gitea.mcp (line 2) has no key secret") })
    }

    @Test func lineWrappedBase64IsDecodedAndReported() {
        let layout = TemporaryLayout()
        let long = String(repeating: "k3y", count: 30)
        let encoded = b64(long)
        let wrapped = stride(from: 0, to: encoded.count, by: 76).map { i -> String in
            let start = encoded.index(encoded.startIndex, offsetBy: i)
            return String(encoded[start..<(encoded.index(start, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex)])
        }.joined(separator: "\n    ")
        layout.write("s.yaml", "kind: Secret\nmetadata: {name: s}\ndata:\n  K: |\n    \(wrapped)\n")
        let r = read(layout, .yamlSecret(file: "s.yaml", secret: "s", key: "K"))
        #expect(r.value == SecretValue(long))
        #expect(r.notes.contains { $0.contains("wrapped over several lines") })
    }

    @Test(arguments: [
        ("YWJj!ZGVm", "outside the base64 alphabet"),
        ("YWJj ZGVm", "a space"),
        ("YWJjZA", "not a multiple of 4"),
        ("YW=jZA==", "padding appears before the end"),
        ("YWJj-ZGVm", "URL-safe"),
    ])
    func invalidBase64IsAProblemThatNamesTheLineButNotTheValue(_ data: String, _ why: String) {
        let layout = TemporaryLayout()
        layout.write("s.yaml", "kind: Secret\nmetadata: {name: s}\ndata:\n  K: \"\(data)\"\n")
        let r = read(layout, .yamlSecret(file: "s.yaml", secret: "s", key: "K"))
        #expect(r.value == nil)
        let problem = try! #require(r.problems.first)
        #expect(problem.cause == .sourceUnreadable)
        #expect(problem.origin.line == 4)
        #expect(problem.reason.contains(why), "\(problem.reason)")
        #expect(!problem.reason.contains(data))
    }

    @Test func invalidYAMLNamesLineAndColumn() {
        let layout = TemporaryLayout()
        layout.write("bad.yaml", "kind: Secret\nmetadata:\n  name: s\n data: [unclosed\n")
        let r = read(layout, .yamlSecret(file: "bad.yaml", secret: "s", key: "K"))
        let problem = try! #require(r.problems.first)
        #expect(problem.origin.line == 4)
        #expect(problem.column != nil)
        #expect(problem.description.hasPrefix("bad.yaml:4:"))
        #expect(problem.reason.contains("invalid YAML"))
    }

    @Test func aYAMLParseErrorNeverQuotesTheLineItPointsAt() {
        let layout = TemporaryLayout()
        layout.write("bad.yaml", "kind: Secret\nstringData:\n  K: \(Self.realToken)\n  - broken\n")
        let r = read(layout, .yamlSecret(file: "bad.yaml", secret: "s", key: "K"))
        let problem = try! #require(r.problems.first)
        #expect(!problem.description.contains(Self.realToken))
    }

    static let laughs = """
    a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
    b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
    c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
    d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
    e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
    f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
    g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
    h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
    i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]

    """

    @Test func anAliasBombUsedAsAKeyIsRefusedInBoundedTime() {
        let layout = TemporaryLayout()
        // Unguarded, Yams hashes the aliased key's 9^9-node expansion: minutes of CPU.
        layout.write("bomb.yaml", Self.laughs + "? *i\n: boom\n")
        layout.write("flow.yaml", Self.laughs + "j: {*i : boom}\n")
        let clock = ContinuousClock()
        for file in ["bomb.yaml", "flow.yaml"] {
            var r: KeyReading!
            let elapsed = clock.measure { r = read(layout, .yamlPath(file: file, path: "a")) }
            #expect(elapsed < .seconds(Machine.allow(2)))
            let problem = try! #require(r.problems.first)
            #expect(problem.reason.contains("alias bomb"))
            #expect(problem.origin.line == 11 || problem.origin.line == 10)
        }
    }

    @Test func anAliasBombInValuesReadsInBoundedTime() {
        let layout = TemporaryLayout()
        layout.write("bomb.yaml", Self.laughs + "kind: Secret\nmetadata: {name: s}\nstringData: {K: *i}\n")
        let clock = ContinuousClock()
        var r: KeyReading!
        let elapsed = clock.measure { r = read(layout, .yamlSecret(file: "bomb.yaml", secret: "s", key: "K")) }
        #expect(elapsed < .seconds(Machine.allow(2)))
        #expect(r.value == nil)
        #expect(r.problems.first?.reason.contains("a list, not a string") == true)
    }

    @Test func aliasesAsValuesAndMergeKeysStillRead() {
        let layout = TemporaryLayout()
        layout.write("v.yaml", "base: &base\n  token: \(Self.realToken)\napp:\n  <<: *base\n  other: *base\n")
        #expect(read(layout, .yamlPath(file: "v.yaml", path: "base.token")).value == SecretValue(Self.realToken))
        #expect(read(layout, .yamlPath(file: "v.yaml", path: "app.other.token")).value == SecretValue(Self.realToken))
    }

    @Test func aDocumentThatIsNotAMapIsReported() {
        let layout = TemporaryLayout()
        layout.write("list.yaml", "- just\n- a list\n---\nplain scalar\n")
        let r = read(layout, .yamlSecret(file: "list.yaml", secret: "s", key: "K"))
        let problem = try! #require(r.problems.first)
        #expect(problem.reason.contains("document 1 (line 1) is a list, not a mapping"))
        #expect(problem.reason.contains("document 2 (line 4) is a string, not a mapping"))
        let path = read(layout, .yamlPath(file: "list.yaml", path: "a.b"))
        #expect(path.problems.first?.reason.contains("not a mapping") == true)
    }

    @Test func aMissingSecretNamesTheSecretsThatExist() {
        let layout = TemporaryLayout()
        layout.write("s.yaml", "kind: Secret\nmetadata: {name: gitea-mcp-secrets}\nstringData: {K: v}\n")
        let r = read(layout, .yamlSecret(file: "s.yaml", secret: "routing-secrets", key: "K"))
        #expect(r.problems.first?.reason == "holds no Secret named routing-secrets (Secrets here: gitea-mcp-secrets)")
    }

    @Test func aMissingKeyInAnExistingSecretIsNotDefinedAndListsTheKeys() async throws {
        let layout = TemporaryLayout()
        layout.write("routing.yaml", "kind: Secret\nmetadata: {name: routing-secrets}\ndata: {GITHUB_PAT: \(b64("ghp-not-the-token"))}\n")
        layout.write("mcp.yaml", "kind: Secret\nmetadata: {name: mcp}\nstringData: {STATIC: \(Self.realToken)}\n")
        layout.write("hubdoctor.yaml", """
        version: 1
        links:
          - name: routing-to-mcp
            caller: {key: {yaml: routing.yaml, secret: routing-secrets, var: GITEA_MCP_TOKEN}, url: "http://127.0.0.1:1"}
            service: {key: {yaml: mcp.yaml, secret: mcp, var: STATIC}}
        """)
        let report = try await checkConfig(layout)
        let presence = try #require(report.finding(CheckID.keysCallerPresent))
        #expect(presence.cause == .callerKeyMissing)
        #expect(presence.message.contains("GITEA_MCP_TOKEN is not defined in routing.yaml"))
        #expect(presence.message.contains("it defines GITHUB_PAT"))
        #expect(report.finding(CheckID.sourceCaller)?.status == .pass)
    }

    @Test func aTrailingNewlineInsideBase64DataIsKeyWhitespaceAgainstACleanValue() async throws {
        let layout = TemporaryLayout()
        // What `echo $TOKEN | base64` produces: the newline is encoded into the value.
        layout.write("caller.yaml", "kind: Secret\nmetadata: {name: caller}\ndata:\n  TOKEN: \(b64(Self.realToken + "\n"))\n")
        layout.write("service.yaml", "kind: Secret\nmetadata: {name: service}\nstringData:\n  TOKEN: \(Self.realToken)\n")
        layout.write("hubdoctor.yaml", """
        version: 1
        links:
          - name: a-to-b
            caller: {key: {yaml: caller.yaml, secret: caller, var: TOKEN}, url: "http://127.0.0.1:1"}
            service: {key: {yaml: service.yaml, secret: service, var: TOKEN}}
        """)
        let report = try await checkConfig(layout)
        let format = try #require(report.finding(CheckID.keysCallerFormat))
        #expect(format.status == .fail)
        #expect(format.cause == .keyWhitespace)
        #expect(format.message.contains("ends with LF"))
        #expect(format.message.contains("base64 -w0"))
        #expect(report.finding(CheckID.keysServiceFormat)?.status == .pass)
        let match = try #require(report.finding(CheckID.keysMatch))
        #expect(match.cause == .keyDrift)
        #expect(match.message.contains("whitespace"))
    }

    @Test func decryptedYAMLOnStdinReadsAsPlainYAML() {
        let layout = TemporaryLayout()
        let piped = "apiVersion: v1\nkind: Secret\nmetadata:\n    name: routing-secrets\ndata:\n    GITEA_MCP_TOKEN: \(b64(Self.realToken))\n"
        let r = read(layout, .yamlSecret(file: "-", secret: "routing-secrets", key: "GITEA_MCP_TOKEN"), stdin: piped)
        #expect(r.value == SecretValue(Self.realToken))
        #expect(r.origin?.label == "stdin:6")
    }

    @Test func aDuplicateKeyIsInvalidYAMLWithItsLine() {
        let layout = TemporaryLayout()
        layout.write("dup.yaml", "kind: Secret\nmetadata: {name: s}\nstringData:\n  K: one-value-1\n  K: two-value-2\n")
        let r = read(layout, .yamlSecret(file: "dup.yaml", secret: "s", key: "K"))
        #expect(r.problems.first?.reason.contains("duplicate key K") == true)
        #expect(r.problems.first?.origin.line != nil)
    }
}
