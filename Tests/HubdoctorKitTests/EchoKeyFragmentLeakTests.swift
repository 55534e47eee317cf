import Foundation
import Testing
@testable import HubdoctorKit

/// Issue 10: what a service echoes of a key, and what a URL carries as a credential, reaches no
/// output. A sandbox Hub echoes the credential it gets in every encoding services use (a prefix,
/// base64 and base64url, percent-encoded, `\u`-escaped JSON, XML references, `Retry-After`);
/// `check`, `probe` and `capture` run as the built binary in every format, and no run of 10
/// characters of the key, nor of any encoding of it, may be in what a reader of that format sees.
@Suite struct EchoKeyFragmentLeakTests {
    static let shapes = KeyFragmentLeaks.shapes.filter { ["punctuation", "long"].contains($0.name) }

    /// A healthy layout whose two sides hold `key`, calling `url`.
    static func layout(key: String, url: String) -> TemporaryLayout {
        let layout = TemporaryLayout()
        // Single quotes: every reader takes the value literally, `#` and spaces included.
        layout.write("hivecfm-hub/.env", "PORT=8090\nAPI_KEY='\(key)'\n")
        layout.write("hivecfm-core/.env", "HIVECFM_HUB_URL=\(url)\nHIVECFM_HUB_API_KEY='\(key)'\n")
        return layout
    }

    static func readerFormat(_ format: String) -> String { format == "sarif" ? "json" : format }

    /// No 10-character run of the key, in any encoding, as the output's reader sees it. Some
    /// thousands of pieces in some megabytes of output: searched with `memchr`/`memcmp` on a thread of its
    /// own, so the search never holds one of the cooperative pool's threads that other tests need.
    static func expectNothingOf(_ key: String, in outputs: [(String, String)], sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let forbidden = KeyScrubberTests.forbiddenPieces(key)
        let found: [String] = try await offPool {
            var found: [String] = []
            for (what, output) in outputs {
                let haystack = Array(output.utf8)
                for (name, pieces) in forbidden {
                    if let i = pieces.firstIndex(where: { Self.occurs(Array($0.utf8), in: haystack) }) {
                        found.append("\(what) holds the \(name) form of a 10-character run of the key (piece \(i) of \(pieces.count))")
                    }
                }
            }
            return found
        }
        for problem in found { Issue.record(Comment(rawValue: problem), sourceLocation: sourceLocation) }
    }

    static func occurs(_ needle: [UInt8], in haystack: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= haystack.count else { return needle.isEmpty }
        return haystack.withUnsafeBufferPointer { h in
            needle.withUnsafeBufferPointer { n in
                guard let hBase = h.baseAddress, let nBase = n.baseAddress else { return false }
                // memchr to each candidate first byte, memcmp for the rest: both vectorised in libc.
                var start = 0
                let last = h.count - n.count
                while start <= last {
                    guard let hit = memchr(hBase + start, Int32(n[0]), last - start + 1) else { return false }
                    let at = UnsafePointer(hit.assumingMemoryBound(to: UInt8.self)) - hBase
                    if memcmp(hBase + at, nBase, n.count) == 0 { return true }
                    start = at + 1
                }
                return false
            }
        }
    }

    /// The checker itself: a planted piece in each encoding is found.
    @Test(arguments: ["plain", "base64url", "percent", "json \\u", "xml decimal"])
    func theLeakCheckFindsAPlantedPieceOfEachEncoding(_ name: String) async throws {
        let key = KeyFragmentLeaks.longKey
        let pieces = try #require(KeyScrubberTests.forbiddenPieces(key).first { $0.0 == name }?.1)
        await withKnownIssue {
            try await Self.expectNothingOf(key, in: [("planted", "before " + pieces[pieces.count / 2] + " after")])
        }
    }

    @Test(arguments: shapes)
    func noPieceOfAnEchoedKeyInAnyEncodingReachesAnyFormatOfCheckOrProbe(_ shape: KeyFragmentLeaks.Shape) async throws {
        var options = SandboxOptions(key: SecretValue(shape.key))
        options.faults = [.echoKey]
        try await serving(try await SandboxHub.start(options)) { hub in
            let layout = Self.layout(key: shape.key, url: hub.baseURL)
            var outputs: [(String, String)] = []
            for format in ReportFormat.allCases.map(\.rawValue) {
                let r = try await Binary.running(["check", "--root", layout.root, "--format", format, "--verbose"])
                #expect(r.status == 1, "check --format \(format): \(r.stderr)")
                outputs.append(("check --format \(format)", KeyFragmentLeaks.asRead(r.stdout, format: Self.readerFormat(format)) + "\n" + r.stderr))
            }
            for format in ["text", "json"] {
                let r = try await Binary.running(["probe", hub.baseURL, "--key-env", "PROBE_KEY", "--format", format, "--verbose"],
                                                 environment: ["PROBE_KEY": shape.key])
                #expect(r.status == 1, "probe --format \(format): \(r.stderr)")
                outputs.append(("probe --format \(format)", KeyFragmentLeaks.asRead(r.stdout, format: format) + "\n" + r.stderr))
            }
            // The service did echo the real key, in every encoding, and the reports show its answer.
            #expect(hub.entries.contains { $0.auth == .bearerKey && $0.status == 401 })
            let json = try #require(outputs.first { $0.0 == "check --format json" }?.1)
            #expect(json.contains("received"), "the echoed body is part of the evidence")
            #expect(json.contains(KeyScrubber.mark))
            try await Self.expectNothingOf(shape.key, in: outputs)
        }
    }

    @Test(arguments: shapes)
    func captureShowsNoPathThatCarriesTheExpectedKeyEncoded(_ shape: KeyFragmentLeaks.Shape) async throws {
        let forms = KeyScrubberTests.encodings(shape.key).filter { ["base64url", "percent", "percent where needed", "json \\u"].contains($0.0) }
        #expect(forms.count == 4)
        let running = try CaptureCommandTests.Running(["capture", "--listen", "127.0.0.1:0", "--count", "\(forms.count)", "--timeout", "120",
                                                       "--expect-key-env", "EXPECTED", "--format", "json"], environment: ["EXPECTED": shape.key])
        let base = try await running.baseURL()
        for (_, form) in forms {
            // The path as the caller's client would write it: percent-encoded where it must be.
            let path = form.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/;?#"))) ?? form
            _ = try? await HTTPClient.send(HTTPClientRequest(url: base + "/hooks/" + path, timeout: 5))
        }
        let r = await running.finish()
        let findings = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])?["findings"] as? [[String: Any]] ?? []
        #expect(findings.filter { $0["check"] as? String == "capture.request" }.count == forms.count, "\(r.stdout)\(r.stderr)")
        try await Self.expectNothingOf(shape.key, in: [("capture --format json", KeyFragmentLeaks.asRead(r.stdout, format: "json") + "\n" + r.stderr)])
    }

    /// A URL with a password, a token-like user and credential-named query and fragment
    /// parameters: every format of `check` and `probe`, and `capture --root`, show it masked.
    @Test func credentialsInTheServiceURLAreMaskedInEveryFormat() async throws {
        let key = "hk_Url0Credential1Mask2Test3"
        let secrets = ["UserinfoSecret77", "QueryToken0123456789", "SigValue998877", "BearerValue4455", "FragmentToken6677"]
        try await serving(try await SandboxHub.start(SandboxOptions(key: SecretValue(key)))) { hub in
            let url = "http://deploy:UserinfoSecret77@\(hub.address)/?access_token=QueryToken0123456789&sig=SigValue998877&bearer=BearerValue4455&page=2#id_token=FragmentToken6677"
            let layout = Self.layout(key: key, url: url)
            var outputs: [(String, String)] = []
            for format in ReportFormat.allCases.map(\.rawValue) {
                let r = try await Binary.running(["check", "--root", layout.root, "--format", format, "--verbose"])
                #expect(r.status != 2, "check --format \(format): \(r.stderr)")
                outputs.append(("check --format \(format)", KeyFragmentLeaks.asRead(r.stdout, format: Self.readerFormat(format)) + "\n" + r.stderr))
            }
            let short = try await Binary.running(["check", "--root", layout.root, "--short"])
            outputs.append(("check --short", short.all))
            for format in ["text", "json"] {
                let r = try await Binary.running(["probe", url, "--key-env", "K", "--format", format, "--verbose"], environment: ["K": key])
                outputs.append(("probe --format \(format)", KeyFragmentLeaks.asRead(r.stdout, format: format) + "\n" + r.stderr))
            }
            // The probes still reached the service: the query stays on every request, after the path.
            #expect(hub.entries.contains { $0.path == "/health" && $0.status == 200 })
            let json = try #require(outputs.first { $0.0 == "check --format json" }?.1)
            #expect(json.contains("access_token=REDACTED") && json.contains("page=2"), "\(json)")
            let capture = try await Binary.running(["capture", "--root", layout.root, "--listen", "127.0.0.1:0", "--timeout", "0.5", "--format", "json"])
            #expect(capture.stdout.contains("capture.none"), "\(capture.all)")
            outputs.append(("capture --root", capture.all))
            for (what, output) in outputs {
                for secret in secrets {
                    #expect(!output.contains(secret), "\(what) shows \(secret)")
                }
            }
        }
    }
}
