import Foundation
import Testing
@testable import HubdoctorKit

/// Files and flags an attacker, or a bad day, puts in hubdoctor's way: each must end quickly with
/// a reason that names the file (and line) or the flag, never a hang, a crash or a silent pass.
@Suite struct HostileInputTests {
    /// A layout whose caller file is `make`d by the test; the Hub's side is the healthy fixture.
    private func layout(core: (String) throws -> Void) throws -> TemporaryLayout {
        let l = TemporaryLayout()
        l.copy(fixture: "fixtures/layouts/healthy/hivecfm-hub", to: "hivecfm-hub")
        try FileManager.default.createDirectory(atPath: l.path("hivecfm-core"), withIntermediateDirectories: true)
        try core(l.path("hivecfm-core/.env"))
        return l
    }

    private func unreadable(_ l: TemporaryLayout, extra: [String] = []) async throws -> (Binary.Result, [String]) {
        let r = try await Binary.running(["check", "--offline", "--format", "json", "--mode", "native", "--root", l.root] + extra, timeout: 20)
        #expect(!r.signaled, "the run was killed: it hung or crashed")
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] ?? [:]
        let messages = (json["findings"] as? [[String: Any]] ?? [])
            .filter { $0["cause"] as? String == "source-unreadable" }.compactMap { $0["message"] as? String }
        return (r, messages)
    }

    @Test func aFIFOInPlaceOfAnEnvFileIsRefusedWithoutBlocking() async throws {
        let l = try layout { #expect(mkfifo($0, 0o600) == 0) }
        let (r, messages) = try await unreadable(l)
        #expect(r.status == 1)
        #expect(messages.contains { $0.contains("hivecfm-core/.env") && $0.contains("is a FIFO (named pipe), not a regular file") }, "\(messages)")
    }

    @Test func aDeviceBehindASymlinkIsRefusedInsteadOfReadForever() async throws {
        let l = try layout { #expect(symlink("/dev/zero", $0) == 0) }
        let (r, messages) = try await unreadable(l)
        #expect(r.status == 1)
        #expect(messages.contains { $0.contains("hivecfm-core/.env") && $0.contains("is a character device, not a regular file") }, "\(messages)")
    }

    @Test func aHundredMegabyteFileIsRefusedBySizeBeforeItIsRead() async throws {
        let l = try layout { path in
            #expect(FileManager.default.createFile(atPath: path, contents: nil))
            #expect(truncate(path, 100 << 20) == 0)
        }
        let (r, messages) = try await unreadable(l)
        #expect(r.status == 1)
        #expect(messages.contains { $0.contains("hivecfm-core/.env") && $0.contains("is larger than 1024 KiB") }, "\(messages)")
    }

    @Test func aNULFarPastTheFirstKilobytesIsFoundAndNamedByLine() async throws {
        // 400 lines of padding (~12 KiB), then the key with a NUL inside it.
        let padding = (1...400).map { "PADDING_\($0)=some-ordinary-value-here\n" }.joined()
        let l = try layout { path in
            let bytes = Array((padding + "HIVECFM_HUB_API_KEY=abc").utf8) + [0] + Array("def\n".utf8)
            #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        }
        let (r, messages) = try await unreadable(l)
        #expect(r.status == 1)
        #expect(messages.contains { $0.contains("hivecfm-core/.env:401: is a binary file (a NUL byte at byte") }, "\(messages)")
    }

    @Test func aFIFOGivenAsConfigIsAUsageErrorNamingIt() async throws {
        let l = TemporaryLayout()
        #expect(mkfifo(l.path("hubdoctor.yaml"), 0o600) == 0)
        let r = try await Binary.running(["check", "--offline", "--config", l.path("hubdoctor.yaml")], timeout: 20)
        #expect(!r.signaled)
        #expect(r.status == 2)
        #expect(r.stderr.contains("hubdoctor.yaml") && r.stderr.contains("is a FIFO (named pipe), not a regular file"), "\(r.stderr)")
    }

    @Test func aFIFOAmongRunbooksBecomesAFindingNotAHang() async throws {
        let l = TemporaryLayout()
        try FileManager.default.createDirectory(atPath: l.path("books"), withIntermediateDirectories: true)
        #expect(mkfifo(l.path("books/stuck.yaml"), 0o600) == 0)
        let r = try await Binary.running(["check", "--offline", "--format", "json", "--root", Repo.layout("healthy"), "--runbooks", l.path("books")], timeout: 20)
        #expect(!r.signaled)
        #expect(r.stdout.contains("stuck.yaml") && r.stdout.contains("FIFO"), "\(r.stdout)")
    }

    @Test func aFIFOAsTheComposeFileIsRefusedInDockerMode() async throws {
        let l = TemporaryLayout()
        l.copy(fixture: "fixtures/layouts/healthy/hivecfm-hub", to: "hivecfm-hub")
        l.copy(fixture: "fixtures/layouts/healthy/hivecfm-core", to: "hivecfm-core")
        #expect(mkfifo(l.path("docker-compose.yml"), 0o600) == 0)
        let r = try await Binary.running(["check", "--offline", "--format", "json", "--mode", "docker", "--root", l.root], timeout: 20)
        #expect(!r.signaled)
        #expect(r.status == 1)
        #expect(r.stdout.contains("docker-compose.yml") && r.stdout.contains("FIFO"), "\(r.stdout)")
    }

    @Test(arguments: ["inf", "1e308", "nan", "-1", "86401"])
    func everyDurationFlagRefusesWhatItCannotHonour(value: String) async throws {
        let runs: [[String]] = [
            ["check", "--offline", "--root", Repo.layout("healthy"), "--wait=\(value)"],
            ["check", "--offline", "--root", Repo.layout("healthy"), "--timeout=\(value)"],
            ["verify-rotation", "--root", Repo.layout("healthy"), "--old-key-env", "OLD", "--wait=\(value)"],
            ["probe", "http://127.0.0.1:9/", "--timeout=\(value)"],
        ]
        for args in runs {
            let r = try await Binary.running(args, environment: ["OLD": "old-key-for-the-test"], timeout: 20)
            #expect(r.status == 2, "\(args): \(r.all)")
            #expect(r.stderr.contains("must be a number of seconds"), "\(args): \(r.stderr)")
        }
    }

    @Test func theLibraryRefusesAnEndlessWaitToo() async throws {
        var options = CheckOptions()
        options.root = Repo.layout("healthy")
        options.offline = true
        options.wait = .infinity
        await #expect(throws: HubdoctorError.self) { try await Doctor.check(options) }
        options.wait = .nan
        await #expect(throws: HubdoctorError.self) { try await Doctor.check(options) }
    }

    @Test func anOnlyOrSkipThatMatchesNoCheckIsAUsageErrorListingTheKnownIds() async throws {
        for flag in ["--only", "--skip"] {
            let r = try await Binary.running(["check", "--offline", "--root", Repo.layout("healthy"), flag, "keys.matc"], timeout: 20)
            #expect(r.status == 2, "\(flag): \(r.all)")
            #expect(r.stderr.contains("no check matches \(flag) keys.matc"), "\(r.stderr)")
            #expect(r.stderr.contains("keys.match") && r.stderr.contains("probe.health"), "the known ids are named")
        }
        // An area and an exact id both select checks.
        let ok = try await Binary.running(["check", "--offline", "--root", Repo.layout("healthy"), "--only", "keys", "--skip", "keys.dialect"], timeout: 20)
        #expect(ok.status == 0, "\(ok.all)")
        var options = CheckOptions()
        options.only = ["nothing.here"]
        #expect(throws: HubdoctorError.self) { try options.validate() }
    }

    @Test func checksListsEveryCheckWithCausesWhoseRunbooksExist() async throws {
        let (r, json) = try await Binary.jsonRunning(["checks", "--format", "json"])
        #expect(r.status == 0)
        #expect(json["schema"] as? String == "hubdoctor/checks@1")
        let checks = json["checks"] as? [[String: Any]] ?? []
        #expect(checks.compactMap { $0["id"] as? String } == CheckID.allCases.map(\.rawValue))
        let (_, books) = try await Binary.jsonRunning(["runbook", "list", "--format", "json"])
        let known = Set((books["runbooks"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
        #expect(!known.isEmpty)
        for c in checks {
            #expect((c["title"] as? String ?? "").isEmpty == false)
            for book in c["runbooks"] as? [String] ?? [] { #expect(known.contains(book), "\(c["id"] ?? "?") names runbook \(book), which does not exist") }
        }
        let text = try await Binary.running(["checks"])
        for id in CheckID.allCases { #expect(text.stdout.contains(id.rawValue)) }
    }

    @Test func aConfigOnStandardInputIsReadWithPathsFromTheWorkingDirectory() async throws {
        let l = TemporaryLayout()
        l.copy(fixture: "fixtures/layouts/drift", to: "svc")
        let config = """
        version: 1
        links:
          - name: piped
            caller: {key: {env: svc/hivecfm-core/.env, var: HIVECFM_HUB_API_KEY, dialect: next}}
            service: {key: {env: svc/hivecfm-hub/.env, var: API_KEY, dialect: godotenv}}
        """
        let r = try await Binary.running(["check", "--offline", "--format", "json", "--config", "-"], stdin: config, currentDirectory: l.root, timeout: 20)
        #expect(r.status == 1, "\(r.all)")
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] ?? [:]
        let findings = json["findings"] as? [[String: Any]] ?? []
        #expect(findings.contains { $0["cause"] as? String == "key-drift" }, "\(r.stdout.prefix(2000))")
        // A mistake in it is named as standard input, with its line.
        let bad = try await Binary.running(["check", "--offline", "--config", "-"], stdin: "version: 1\nlinks: [\n", currentDirectory: l.root, timeout: 20)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("<stdin>:"), "\(bad.stderr)")
    }

    @Test func fixNeverCopiesAKeyFromAFileWithANULAnywhere() async throws {
        let l = TemporaryLayout()
        l.copy(fixture: "fixtures/layouts/drift/hivecfm-core", to: "hivecfm-core")
        let padding = (1...400).map { "PADDING_\($0)=some-ordinary-value-here\n" }.joined()
        l.write("hivecfm-hub/.env", bytes: Array((padding + "API_KEY=hub-key-part-one").utf8) + [0] + Array("part-two\n".utf8))
        let before = try Data(contentsOf: URL(fileURLWithPath: l.path("hivecfm-core/.env")))
        let r = try await Binary.running(["fix", "--apply", "--mode", "native", "--root", l.root], timeout: 30)
        #expect(!r.signaled)
        #expect(r.status != 0, "\(r.all)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: l.path("hivecfm-core/.env"))) == before, "the caller's file was changed")
        #expect(r.all.contains("hivecfm-hub/.env:401"), "\(r.all)")
    }

    // MARK: expansion that blows up

    /// `V1=${V0}${V0}…` (ten times), each variable ten of the previous, up to `V12`, then the key:
    /// about 700 bytes that every expanding reader would turn into 10^13 bytes.
    static func blowUp(key: String) -> String {
        var lines = ["V0=abcdefghij"]
        for i in 1...12 { lines.append("V\(i)=" + String(repeating: "${V\(i - 1)}", count: 10)) }
        lines.append("\(key)=${V12}")
        return lines.joined(separator: "\n") + "\n"
    }

    /// What one run cost: wall time, and under GNU time (when installed) CPU time and peak memory.
    struct Cost {
        var wall: Double
        var cpu: Double?
        var peakKiB: Int?
    }

    /// Runs the binary, under GNU time when it is installed to read its CPU time and peak memory.
    private func measured(_ arguments: [String]) async throws -> (Binary.Result, Cost) {
        let started = Date()
        let time = "/usr/bin/time"
        guard FileManager.default.isExecutableFile(atPath: time) else {
            let r = try await Binary.running(arguments)
            return (r, Cost(wall: Date().timeIntervalSince(started)))
        }
        let r = try await Binary.running(under: [time, "-f", "hubdoctor-cost %M %U %S"], arguments)
        let wall = Date().timeIntervalSince(started)
        let fields = (r.stderr.components(separatedBy: "hubdoctor-cost ").last ?? "").split(whereSeparator: \.isWhitespace)
        guard fields.count >= 3, let peak = Int(fields[0]), let user = Double(fields[1]), let system = Double(fields[2]) else {
            return (r, Cost(wall: wall))
        }
        return (r, Cost(wall: wall, cpu: user + system, peakKiB: peak))
    }

    /// The bounds are loose on purpose: a release build takes under 0.1 s and 50 MB; a debug build
    /// under 2 s of CPU; a full parallel test run on two cores may take many times that in wall time.
    private func expectBounded(_ r: Binary.Result, _ cost: Cost, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!r.signaled, "\(what): killed (crashed or hung)", sourceLocation: sourceLocation)
        if let cpu = cost.cpu {
            #expect(cpu < 10, "\(what): \(cpu) s of CPU", sourceLocation: sourceLocation)
        } else {
            #expect(cost.wall < 50, "\(what): took \(cost.wall) s", sourceLocation: sourceLocation)
        }
        if let peak = cost.peakKiB { #expect(peak < 200_000, "\(what): peak memory \(peak) KiB", sourceLocation: sourceLocation) }
    }

    @Test(arguments: [("hivecfm-core/.env", "HIVECFM_HUB_API_KEY"), ("hivecfm-hub/.env", "API_KEY")])
    func aBlowUpInEitherSideEndsCheckFixAndRotateWithAFindingNamingFileAndLine(file: String, key: String) async throws {
        let l = TemporaryLayout()
        l.copy(fixture: "fixtures/layouts/healthy/hivecfm-hub", to: "hivecfm-hub")
        l.copy(fixture: "fixtures/layouts/healthy/hivecfm-core", to: "hivecfm-core")
        _ = l.write(file, Self.blowUp(key: key))
        // V5 holds 10^5 copies of ten bytes (under 1 MiB); V6, on line 7, would hold ten times more.
        let (r, cost) = try await measured(["check", "--offline", "--format", "json", "--mode", "native", "--root", l.root])
        expectBounded(r, cost, "check")
        #expect(r.status == 1, "\(r.all.prefix(2000))")
        let messages = r.findings.filter { $0["cause"] as? String == "source-unreadable" }.compactMap { $0["message"] as? String }
        #expect(messages.contains { $0.contains("\(file):7:") && $0.contains("V6") && $0.contains("expands to more than 1 MiB") },
                "\(messages)")
        for command in [["fix"], ["rotate"]] {
            let (r, cost) = try await measured(command + ["--mode", "native", "--root", l.root])
            expectBounded(r, cost, command[0])
            #expect(r.status != 0, "\(command[0]): \(r.all.prefix(2000))")
            #expect(r.all.contains("\(file):7") && r.all.contains("V6"), "\(command[0]): \(r.all.prefix(2000))")
        }
    }

    @Test func aBlowUpEndsEnvQuicklyForEveryDialectWithTheLineAndReason() async throws {
        let l = TemporaryLayout()
        let path = l.write("blowup.env", Self.blowUp(key: "API_KEY"))
        for dialect in Dialect.allCases {
            let (r, cost) = try await measured(["env", path, "--dialect", dialect.rawValue, "--format", "json"])
            expectBounded(r, cost, "env --dialect \(dialect.rawValue)")
            let files = r.json?["files"] as? [[String: Any]] ?? []
            let error = files.first?["error"] as? String ?? ""
            if dialect == .dotenv {
                // dotenv does not expand: the file reads as written.
                #expect(r.status == 0 && error.isEmpty, "\(r.all.prefix(2000))")
            } else {
                #expect(r.status == 1, "\(dialect.rawValue): \(r.all.prefix(2000))")
                #expect(error.hasPrefix("line 7: ") && error.contains("V6") && error.contains("1 MiB"), "\(dialect.rawValue): \(error)")
            }
        }
    }

    @Test func halfAMillionReferencesInOneMegabyteReadInLinearTime() async throws {
        let l = TemporaryLayout()
        // `$A` repeated to just under the 1 MiB file limit, on one line; each is one byte.
        let path = l.write("wide.env", "A=a\nAPI_KEY=" + String(repeating: "$A", count: 524_000) + "\n")
        for dialect in Dialect.allCases {
            let (r, cost) = try await measured(["env", path, "--dialect", dialect.rawValue, "--format", "json"])
            expectBounded(r, cost, "env --dialect \(dialect.rawValue)")
            let file = (r.json?["files"] as? [[String: Any]])?.first ?? [:]
            let error = file["error"] as? String ?? ""
            let length = (file["variables"] as? [[String: Any]])?.first { $0["name"] as? String == "API_KEY" }?["length"] as? Int
            switch dialect {
            case .dotenv:
                #expect(error.isEmpty && length == 1_048_000, "\(r.all.prefix(2000))")
            case .next:
                // dotenv-expand 10 recurses once per reference: Node's stack overflows long before the end.
                #expect(error.hasPrefix("line 2: ") && error.contains("Node.js overflows its stack"), "\(error)")
            case .godotenv, .compose:
                #expect(error.isEmpty && length == 524_000, "\(dialect.rawValue): \(r.all.prefix(2000))")
            }
        }
    }
}
