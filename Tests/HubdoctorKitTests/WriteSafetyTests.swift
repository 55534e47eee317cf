import Foundation
import Testing
@testable import HubdoctorKit

extension ChangeEndToEnd {
    /// Data safety of `fix` and `rotate`, by fault injection into the built binary: killed at any
    /// step, every file is wholly old or wholly new, and the next run puts things right; a read-only
    /// file or folder, a full disk or a file of another user is reported and nothing changes.
    @Suite struct WriteSafetyTests {
        static let killPoints = ["after-temp-write", "after-backup", "after-temp-write@2", "after-journal", "before-rename",
                                 "after-first-rename", "after-rename@2", "after-rename@3", "after-commit"]

        /// Each key file of `drift-env-local`, and the key it holds.
        static let keyFiles = ["hivecfm-hub/.env": "hk_7Qe2Lm9Xv4Rt8Wz3Np6Jc1Bd",
                               "hivecfm-core/.env.local": "hk_3Fs8Kp1Vn6Yq2Tx9Mb4Wg7Hr",
                               "hivecfm-core/.env": "hk_3Fs8Kp1Vn6Yq2Tx9Mb4Wg7Hr"]

        @Test(arguments: killPoints)
        func rotateKilledAtAnyStepLeavesEachFileWhollyOldOrWhollyNew(_ point: String) async throws {
            let layout = try LayoutCopy("drift-env-local-stale-env")
            let before = try layout.snapshot()
            let killed = try await Binary.running(["rotate", "--root", layout.root, "--apply"], environment: ["HUBDOCTOR_FAULT": point])
            #expect(killed.signaled && killed.status == SIGKILL, "it was not killed at \(point): \(killed.all)")

            let (states, newKeys) = try Self.versions(layout, before)
            #expect(newKeys.count <= 1, "two files hold different new keys")
            if point == "after-first-rename" { #expect(states.filter { $0 == "new" }.count == 1) }

            let report = try await Binary.running(["fix", "--root", layout.root])
            #expect(report.stdout.contains("An earlier run did not finish"), "\(report.stdout)")
            let recovered = try await Binary.running(["rotate", "--root", layout.root, "--apply"])
            #expect(recovered.status == 0, "\(recovered.all)")
            #expect(try layout.workFiles().isEmpty)
            #expect(try await Binary.running(["check", "--offline", "--root", layout.root]).status == 0)
            expectNoSecrets(killed.all + report.all + recovered.all, Array(Self.keyFiles.values) + Array(newKeys))
        }

        /// For each key file: "old" (as before) or "new" (as before with the old key replaced by one
        /// 43-character key, the same in every file); anything else fails the test.
        static func versions(_ layout: LayoutCopy, _ before: [String: [UInt8]]) throws -> ([String], Set<String>) {
            var newKeys = Set<String>()
            var states: [String] = []
            for (file, old) in keyFiles.sorted(by: { $0.key < $1.key }) {
                let now = String(decoding: try layout.bytes(file), as: UTF8.self)
                let original = String(decoding: before[file]!, as: UTF8.self)
                if now == original { states.append("old"); continue }
                let prefix = original.components(separatedBy: old)[0]
                let key = String(now.dropFirst(prefix.count).prefix(43))
                #expect(now == original.replacingOccurrences(of: old, with: key), "\(file) is neither the old nor a complete new version")
                newKeys.insert(key)
                states.append("new")
            }
            return (states, newKeys)
        }

        @Test func aRunKilledWhileItRestoresIsFinishedByTheNextRun() async throws {
            let layout = try LayoutCopy("drift-env-local-stale-env")
            let before = try layout.snapshot()
            // Every file is renamed and the journal says so; then a failure (as a failed verification
            // would) makes hubdoctor restore all three, and it dies after the first restore.
            let killed = try await Binary.running(["rotate", "--root", layout.root, "--apply"], environment: ["HUBDOCTOR_FAULT": "fail:after-commit,kill:after-restore"])
            #expect(killed.signaled && killed.status == SIGKILL, "\(killed.all)")
            let (states, _) = try Self.versions(layout, before)
            #expect(states.filter { $0 == "new" }.count == 2, "two files were still to be restored")
            // The next run scans the layout root (where the journal is) and the key files' folders.
            let runs = try InterruptedRun.find(in: [layout.root, layout.path("hivecfm-hub"), layout.path("hivecfm-core")])
            #expect(runs.count == 1)
            _ = try runs.first?.recover()
            #expect(try layout.snapshot() == before, "the next run must put back every file and remove every file of the killed one")
        }

        @Test(arguments: ["after-temp-write", "before-rename", "after-first-rename", "after-commit"])
        func fixKilledAtAnyStepIsPutRightByTheNextFix(_ point: String) async throws {
            let layout = try LayoutCopy("drift-env-local-stale-env")
            let before = try layout.snapshot()
            let killed = try await Binary.running(["fix", "--root", layout.root, "--apply"], environment: ["HUBDOCTOR_FAULT": point])
            #expect(killed.signaled && killed.status == SIGKILL)
            for file in ["hivecfm-core/.env.local", "hivecfm-core/.env"] {
                let now = String(decoding: try layout.bytes(file), as: UTF8.self)
                let original = String(decoding: before[file]!, as: UTF8.self)
                #expect(now == original || now == original.replacingOccurrences(of: Self.keyFiles[file]!, with: Self.keyFiles["hivecfm-hub/.env"]!))
            }
            let fixed = try await Binary.running(["fix", "--root", layout.root, "--apply"])
            #expect(fixed.status == 0, "\(fixed.all)")
            #expect(try layout.workFiles().isEmpty)
            #expect(try await Binary.running(["check", "--offline", "--root", layout.root]).status == 0)
        }

        @Test func aDockerFixKilledAfterItsFirstRenameIsFoundByTheNextDockerRun() async throws {
            // A Compose link writes env files that its key sources (the compose file) do not name;
            // the journal sits in the layout root, which every run scans.
            let layout = try LayoutCopy("compose-interpolated")
            let before = try layout.snapshot()
            let killed = try await Binary.running(["fix", "--root", layout.root, "--mode", "docker", "--apply"],
                                                  environment: ["HUBDOCTOR_FAULT": "kill:after-first-rename"])
            #expect(killed.signaled && killed.status == SIGKILL, "\(killed.all)")
            #expect(try layout.snapshot() != before, "the first rename happened")
            let dry = try await Binary.running(["fix", "--root", layout.root, "--mode", "docker"])
            #expect(dry.stdout.contains("was interrupted while it replaced files"), "\(dry.all)")
            let fixed = try await Binary.running(["fix", "--root", layout.root, "--mode", "docker", "--apply"])
            #expect(fixed.status == 0, "\(fixed.all)")
            #expect(try layout.workFiles().isEmpty)
            #expect(try await Binary.running(["check", "--offline", "--root", layout.root, "--mode", "docker"]).status == 0)
        }

        @Test func aFailedSecondRenameRestoresEveryFileAlreadyWritten() async throws {
            let layout = try LayoutCopy("drift-env-local-stale-env")
            let before = try layout.snapshot()
            let r = try await Binary.running(["rotate", "--root", layout.root, "--apply"], environment: ["HUBDOCTOR_FAULT": "fail:after-rename@2"])
            #expect(r.status == 2)
            #expect(r.stderr.contains("restored from backup, so nothing changed"), "\(r.stderr)")
            #expect(try layout.snapshot() == before)
        }

        @Test func aFileEditedWhileHubdoctorWorksIsNotOverwritten() async throws {
            let layout = try LayoutCopy("drift-crlf")
            let edited = Array("# Core in Docker\r\nHIVECFM_HUB_API_KEY=edited-by-hand\r\n".utf8)
            let r = try await Binary.running(["fix", "--root", layout.root, "--apply"], environment: ["HUBDOCTOR_FAULT": "stop:before-rename"]) { process in
                // Wait until it has stopped itself just before the rename, edit the file, let it go on.
                let deadline = Date().addingTimeInterval(30)
                while Date() < deadline, !Self.isStopped(process.processIdentifier) { usleep(20_000) }
                try layout.write("hivecfm-core/.env", edited)
                kill(process.processIdentifier, SIGCONT)
            }
            #expect(r.status == 2)
            #expect(r.stderr.contains("changed while hubdoctor was working"), "\(r.stderr)")
            #expect(try layout.bytes("hivecfm-core/.env") == edited)
            #expect(try layout.snapshot().keys.allSatisfy { !$0.contains(".hubdoctor-") })
        }

        static func isStopped(_ pid: Int32) -> Bool {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            return stat[stat.index(close, offsetBy: 2)] == "T"
        }

        @Test func aReadOnlyFileIsReportedAndNothingChanges() async throws {
            let layout = try LayoutCopy("drift-env-local-stale-env")
            chmod(layout.path("hivecfm-core/.env"), 0o444)
            let before = try layout.snapshot()
            let r = try await Binary.running(["fix", "--root", layout.root, "--apply"])
            #expect(r.status == 2)
            #expect(r.stderr.contains("hivecfm-core/.env: error: is read-only (mode 0444)"), "\(r.stderr)")
            #expect(try layout.snapshot() == before)
        }

        @Test func aReadOnlyFolderIsReportedAndNothingChanges() async throws {
            let layout = try LayoutCopy("drift-env-local-stale-env")
            chmod(layout.path("hivecfm-hub"), 0o555)
            defer { chmod(layout.path("hivecfm-hub"), 0o755) }
            let before = try layout.snapshot()
            let r = try await Binary.running(["rotate", "--root", layout.root, "--apply"])
            #expect(r.status == 2)
            #expect(r.stderr.contains("folder is read-only"), "\(r.stderr)")
            #expect(try layout.snapshot() == before)
        }

        /// A full disk, portably: the file size limit (RLIMIT_FSIZE, `ulimit -f`) makes write() fail with
        /// EFBIG exactly as ENOSPC would, without root or a special file system. Core's file is made
        /// larger than the limit and the Hub's smaller, so the Hub's staged files are written first and
        /// must be cleaned up when Core's fail.
        @Test func aFullDiskIsReportedAndNothingChanges() async throws {
            let layout = try LayoutCopy("drift-crlf")
            var core = try layout.bytes("hivecfm-core/.env")
            core = Array(String(repeating: "# padding so that this file outgrows the size limit\r\n", count: 90).utf8) + core
            try layout.write("hivecfm-core/.env", core)
            let before = try layout.snapshot()
            // `ulimit -f 2`: 1 KiB (dash) or 2 KiB (bash); the Hub's file is 65 bytes, Core's 4.8 KiB.
            let r = try await Binary.running(under: ["/bin/sh", "-c", "ulimit -f 2 && exec \"$0\" \"$@\""], ["rotate", "--root", layout.root, "--apply"])
            #expect(r.status == 2, "\(r.all)")
            #expect(r.stderr.contains("file size limit"), "\(r.stderr)")
            #expect(try layout.snapshot() == before)
        }

        /// Whether this machine lets the tests mount a tmpfs (root on Linux, outside a locked-down container).
        static let canMountTmpfs: Bool = {
            guard geteuid() == 0, FileManager.default.isExecutableFile(atPath: "/bin/mount") else { return false }
            let probe = FileManager.default.temporaryDirectory.appendingPathComponent("hubdoctor-mount-probe-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: probe) }
            guard (try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)) != nil,
                  (try? run("/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe])) == 0 else { return false }
            _ = try? run("/bin/umount", [probe])
            return true
        }()

        static func run(_ tool: String, _ arguments: [String]) throws -> Int32 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: tool)
            p.arguments = arguments
            try p.run()
            p.waitUntilExit()
            return p.terminationStatus
        }

        /// The same with a real ENOSPC, on a full 64 KiB tmpfs, where one can be mounted.
        @Test(.enabled(if: canMountTmpfs, "needs root and permission to mount a tmpfs; aFullDiskIsReportedAndNothingChanges covers the rest"))
        func aFullTmpfsIsReportedAndNothingChanges() async throws {
            let mountPoint = FileManager.default.temporaryDirectory.appendingPathComponent("hubdoctor-full-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: mountPoint) }
            #expect(try Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mountPoint]) == 0)
            defer { _ = try? Self.run("/bin/umount", [mountPoint]) }
            let root = mountPoint + "/layout"
            try FileManager.default.copyItem(atPath: Repo.path("fixtures/layouts/drift-crlf"), toPath: root)
            // Fill the file system to the last byte.
            #expect(FileManager.default.createFile(atPath: mountPoint + "/filler", contents: nil))
            let filler = try #require(FileHandle(forWritingAtPath: mountPoint + "/filler"))
            while (try? filler.write(contentsOf: Data(count: 4096))) != nil {}
            try? filler.close()
            let coreBefore = try Data(contentsOf: URL(fileURLWithPath: root + "/hivecfm-core/.env"))
            let r = try await Binary.running(["fix", "--root", root, "--apply"])
            #expect(r.status == 2)
            #expect(r.stderr.contains("the disk is full"), "\(r.stderr)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: root + "/hivecfm-core/.env")) == coreBefore)
            #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/hivecfm-core") == [".env"])
        }

        /// As another user (nobody, through setpriv): a file owned by root is reported, whether it is
        /// writable for everyone (the owner could not be kept) or not writable at all.
        @Test(.enabled(if: geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")),
              arguments: [0o666, 0o644])
        func aFileOfAnotherUserIsReportedAndNothingChanges(_ mode: Int) async throws {
            let layout = try LayoutCopy("drift-crlf")
            let parent = (layout.root as NSString).deletingLastPathComponent
            chmod(parent, 0o755)
            let nobody = getpwnam("nobody")!.pointee
            for dir in [layout.root, layout.path("hivecfm-core"), layout.path("hivecfm-hub")] { chown(dir, nobody.pw_uid, nobody.pw_gid) }
            chmod(layout.path("hivecfm-core/.env"), mode_t(mode))
            let before = try layout.snapshot()
            let r = try await Binary.running(under: ["/usr/bin/setpriv", "--reuid=\(nobody.pw_uid)", "--regid=\(nobody.pw_gid)", "--clear-groups"],
                                   ["fix", "--root", layout.root, "--apply"])
            #expect(r.status == 2, "\(r.all)")
            #expect(r.stderr.contains(mode == 0o666 ? "belongs to root (uid 0)" : "is not writable by nobody"), "\(r.stderr)")
            #expect(try layout.snapshot() == before)
        }
    }
}
