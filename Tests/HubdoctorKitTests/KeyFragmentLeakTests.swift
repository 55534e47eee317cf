import Foundation
import Testing

/// Issue 10's acceptance: keys of every shape (spaces, punctuation, shorter than 10 characters,
/// long) planted in every form the issue names, and no run of 10 characters of one (or the whole
/// key, if shorter) in any output of `fix`, `rotate` or `logs`, in every format they print.
enum KeyFragmentLeaks {
    struct Shape: CustomTestStringConvertible, Sendable {
        var name: String
        var key: String
        var testDescription: String { name }
    }

    static let shapes: [Shape] = [
        Shape(name: "spaces", key: "correct horse battery staple 42"),
        Shape(name: "punctuation", key: "Zx9!q,w;e:r@t#y%u^i&o*p(k)=[]"),
        Shape(name: "short", key: "s3cr3t!x"),
        Shape(name: "long", key: longKey),
    ]

    /// 180 characters of base64url, the same on every run.
    static let longKey: String = {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        return String((0..<180).map { _ -> Character in
            x = x &* 6364136223846793005 &+ 1442695040888963407
            return alphabet[Int(x >> 58)]
        })
    }()

    /// A run of 12 characters from the middle of the key (the key itself when shorter).
    static func fragment(_ key: String) -> String {
        key.count <= 12 ? key : String(key.dropFirst(key.count / 3).prefix(12))
    }

    /// The text as its reader sees it: JSON strings decoded, XML entities and GitHub's `%XX`
    /// escapes undone (`&amp;o*p` in JUnit is `&o*p` to whoever reads the report), besides the
    /// raw text.
    static func asRead(_ text: String, format: String) -> String {
        switch format {
        case "json":
            return text + "\n" + strings(inJSON: text)
        case "junit":
            var t = text
            for (entity, c) in [("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&apos;", "'"), ("&#10;", "\n"), ("&#13;", "\r"), ("&#9;", "\t"), ("&amp;", "&")] {
                t = t.replacingOccurrences(of: entity, with: c)
            }
            return text + "\n" + t
        case "github":
            var t = text
            for (escape, c) in [("%0A", "\n"), ("%0D", "\r"), ("%3A", ":"), ("%2C", ","), ("%25", "%")] {
                t = t.replacingOccurrences(of: escape, with: c)
            }
            return text + "\n" + t
        default:
            return text
        }
    }

    /// Every string in a JSON document, decoded (a key escaped by the encoder shows as itself).
    static func strings(inJSON text: String) -> String {
        func walk(_ v: Any) -> [String] {
            switch v {
            case let s as String: return [s]
            case let a as [Any]: return a.flatMap(walk)
            case let d as [String: Any]: return d.keys.map { $0 } + d.values.flatMap(walk)
            default: return []
            }
        }
        guard let obj = try? JSONSerialization.jsonObject(with: Data(text.utf8)) else { return "" }
        return walk(obj).joined(separator: "\n")
    }
}

extension ChangeEndToEnd {
    @Suite struct FixAndRotateKeyFragmentTests {
        static let coreKey = "hk_Vq3Ws8Nd2Kp7Hx4Tb9Mz6Rf"

        /// The Hub holds the key, also commented out, after its value and in prose; Core holds
        /// another key, with the Hub's in a commented-out definition, an inline comment and a
        /// pasted fragment.
        static func layout(_ key: String) -> TemporaryLayout {
            let layout = TemporaryLayout()
            layout.write("hivecfm-hub/.env", """
                # Hub (Go) configuration
                PORT=8090
                #API_KEY=\(key)
                API_KEY='\(key)' # \(key)
                # the old key was \(key), keep it
                DATABASE_URL=postgres://hub@localhost:5432/hub

                """)
            layout.write("hivecfm-core/.env", """
                # Core (Next.js)
                HIVECFM_HUB_URL=http://localhost:8090
                # HIVECFM_HUB_API_KEY=\(key)
                HIVECFM_HUB_API_KEY=\(coreKey) # was \(key)
                # pasted: \(KeyFragmentLeaks.fragment(key)) by mistake
                NEXTAUTH_URL=http://localhost:3000

                """)
            return layout
        }

        @Test(arguments: KeyFragmentLeaks.shapes)
        func noFragmentOfAnyKeyInAnyOutputOfFixOrRotate(_ shape: KeyFragmentLeaks.Shape) async throws {
            let layout = Self.layout(shape.key)
            var outputs: [String] = []
            for args in [["fix"], ["fix", "--apply"], ["rotate"], ["rotate", "--apply"], ["fix"]] {
                let r = try await Binary.running(args + ["--root", layout.root])
                #expect(r.status != 2 || args == ["fix", "--apply"], "\(args): \(r.all)")
                outputs.append(r.all)
            }
            // The diffs were shown: the comments that hold the key are among their lines.
            #expect(outputs[2].contains("@@"), "\(outputs[2])")
            let core = try String(contentsOfFile: layout.path("hivecfm-core/.env"), encoding: .utf8)
            let line = try #require(core.split(separator: "\n").first { $0.hasPrefix("HIVECFM_HUB_API_KEY=") })
            let newKey = String(line.dropFirst("HIVECFM_HUB_API_KEY=".count).prefix { $0 != " " }).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            #expect(newKey.count == 43 && newKey != shape.key, "rotate --apply wrote a new key")
            for format in ["text", "json", "junit", "github"] {
                let r = try await Binary.running(["check", "--offline", "--format", format, "--root", layout.root])
                outputs.append(KeyFragmentLeaks.asRead(r.stdout, format: format) + "\n" + r.stderr)
            }
            expectNoKeyFragments(outputs.joined(separator: "\n"), [shape.key, Self.coreKey, newKey])
        }
    }
}

@Suite struct LogsKeyFragmentTests {
    struct Form: Sendable {
        var name: String
        var line: @Sendable (String) -> String
        /// Whether the form alone (without `--key-env`) delimits the whole key.
        var delimited: Bool
    }

    static let forms: [Form] = [
        Form(name: "json space colon", line: { #"{"token" : "\#($0)"}"# }, delimited: true),
        Form(name: "escaped in json", line: { #"{"msg":"config key=\"\#($0)\" loaded"}"# }, delimited: true),
        Form(name: "single-quoted", line: { "api_key='\($0)' next" }, delimited: true),
        Form(name: "bearer", line: { "Authorization: Bearer \($0)" }, delimited: false),
        Form(name: "bearer=", line: { "GET /x?bearer=\($0)&page=2" }, delimited: false),
        Form(name: "bearer:", line: { "Bearer: \($0)" }, delimited: false),
        Form(name: "element", line: { "<auth><token>\($0)</token></auth>" }, delimited: true),
        Form(name: "free text", line: { "user pasted \($0) into chat" }, delimited: false),
        Form(name: "fragment", line: { "user pasted \(KeyFragmentLeaks.fragment($0)) into chat" }, delimited: false),
    ]

    static let prefix = "2026-05-18T06:06:42Z POST http://hub:8080/v1/items 401 (Unauthorized) "

    struct Run: Sendable {
        var form: String
        var format: String
        var how: String
        var result: Binary.Result
    }

    @Test(arguments: KeyFragmentLeaks.shapes)
    func noFragmentOfAnyKeyInAnyOutputOfLogs(_ shape: KeyFragmentLeaks.Shape) async throws {
        let dir = TemporaryLayout()
        var jobs: [(form: String, format: String, knownKey: Bool, log: String)] = []
        for form in Self.forms {
            let log = dir.write("\(form.name).log", Self.prefix + form.line(shape.key) + "\n")
            // Where the form delimits the key, the masking finds all of it without being told
            // (a key with `&` does not end where `bearer=…&` does, nor one with spaces after Bearer).
            let bearer = form.name.hasPrefix("bearer") && !shape.key.contains(" ") && !(form.name == "bearer=" && shape.key.contains("&"))
            for format in ["text", "json", "junit", "github"] {
                jobs.append((form.name, format, true, log))
                if form.delimited || bearer { jobs.append((form.name, format, false, log)) }
            }
        }
        // A few at a time: each is a process start.
        var runs: [Run] = []
        for batch in stride(from: 0, to: jobs.count, by: 4).map({ Array(jobs[$0..<min($0 + 4, jobs.count)]) }) {
            try await withThrowingTaskGroup(of: Run.self) { group in
                for job in batch {
                    group.addTask {
                        let args = ["logs", job.log, "--format", job.format] + (job.knownKey ? ["--key-env", "PLANTED"] : [])
                        let r = try await Binary.running(args, environment: job.knownKey ? ["PLANTED": shape.key] : [:])
                        return Run(form: job.form, format: job.format, how: job.knownKey ? "--key-env" : "shape only", result: r)
                    }
                }
                for try await run in group { runs.append(run) }
            }
        }
        #expect(runs.count == jobs.count)
        for run in runs {
            let r = run.result, at = "\(run.form), \(run.format), \(run.how)"
            #expect(r.status == 1, "\(at): \(r.all)")
            // GitHub annotations carry the finding's message; the others show the masked sample.
            if run.format != "github" { #expect(r.stdout.contains("‹redacted›"), "the sample was not shown: \(at): \(r.stdout)") }
            expectNoKeyFragments(KeyFragmentLeaks.asRead(r.stdout, format: run.format) + "\n" + r.stderr, [shape.key], comment: at)
        }
    }
}
