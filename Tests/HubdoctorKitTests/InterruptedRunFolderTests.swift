import Foundation
import Testing
@testable import HubdoctorKit

extension ChangeEndToEnd {
    /// Issue 10: a killed `rotate` left `.hubdoctor-tmp-*` (a whole copy of the file, key
    /// included, in the file's mode) in an `env_file:` folder or in a symbolic link's target
    /// folder, where no later run looked. The run's journal is now written before any other file
    /// and names all of them; temporary files are 0600 until the commit.
    @Suite struct InterruptedRunFolderTests {
        /// Every point a `rotate` of this layout passes, in order: two files replaced (the Hub's
        /// env_file and the project .env behind its link), one side file (the old key).
        static let killPoints = ["after-journal", "after-temp-write", "after-backup", "after-temp-write@2", "after-backup@2",
                                 "after-side-file", "before-rename", "after-rename", "after-rename@2", "after-commit"]
        static let hubKey = "hk_Wd4Pn8Rx2Tq6Lm9Vb3Kz7Hc5", coreKey = "hk_Gs5Yt1Nm7Qe3Xr8Jv2Bw6Dp4"

        /// `base/layout` is the root: the Hub reads `config/hub/hub.env` (an `env_file:` in a folder
        /// no key source names), Core reads `${HUB_API_KEY}` from the project `.env`, a link to
        /// `base/secrets/project.env`, outside the root.
        final class Layout {
            let base = TemporaryLayout()
            var root: String { base.path("layout") }

            init() throws {
                base.write("layout/docker-compose.yml", """
                    services:
                      hivecfm-hub-api:
                        env_file: ./config/hub/hub.env
                      hivecfm-core:
                        environment:
                          HIVECFM_HUB_URL: http://hivecfm-hub-api:8080
                          HIVECFM_HUB_API_KEY: ${HUB_API_KEY}

                    """)
                base.write("layout/config/hub/hub.env", "PORT=8080\nAPI_KEY=\(hubKey)\n")
                base.write("secrets/project.env", "COMPOSE_PROJECT_NAME=hivecfm\nHUB_API_KEY=\(coreKey)\n")
                try FileManager.default.createSymbolicLink(atPath: base.path("layout/.env"), withDestinationPath: "../secrets/project.env")
                for file in ["layout/config/hub/hub.env", "secrets/project.env"] {
                    try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: base.path(file))
                }
            }

            /// Every file under `base` (the root and the link's target folder), relative path → mode.
            func files() -> [String: Int] {
                var out: [String: Int] = [:]
                let e = FileManager.default.enumerator(atPath: base.root)!
                while let rel = e.nextObject() as? String {
                    let p = base.path(rel)
                    guard let a = try? FileManager.default.attributesOfItem(atPath: p), a[.type] as? FileAttributeType == .typeRegular else { continue }
                    out[rel] = (a[.posixPermissions] as? NSNumber)?.intValue ?? 0
                }
                return out
            }

            func workFiles() -> [String] {
                files().keys.filter { $0.contains(".hubdoctor-tmp-") || $0.contains(".hubdoctor-restore-") || $0.contains(".hubdoctor-journal-") }.sorted()
            }
        }

        @Test(arguments: killPoints)
        func aRotateKilledAtAnyPointLeavesNoFileTheNextRunDoesNotFind(_ point: String) async throws {
            let layout = try Layout()
            let killed = try await Binary.running(["rotate", "--root", layout.root, "--mode", "docker", "--apply"],
                                                  environment: ["HUBDOCTOR_FAULT": point])
            #expect(killed.signaled && killed.status == SIGKILL, "it was not killed at \(point): \(killed.all)")
            let left = layout.files()
            for (file, mode) in left where file.contains(".hubdoctor-tmp-") || file.contains(".hubdoctor-bak-") || file.contains("old-key") {
                #expect(mode == 0o600, "\(file) holds a key and has mode \(String(mode, radix: 8)) at \(point)")
            }
            if ["after-temp-write", "after-temp-write@2"].contains(point) {
                #expect(left.keys.contains { $0.hasPrefix("layout/config/hub/") && $0.contains(".hubdoctor-tmp-") } || left.keys.contains { $0.hasPrefix("secrets/") && $0.contains(".hubdoctor-tmp-") },
                        "the kill point leaves a temporary file outside the root's own folder: \(left.keys.sorted())")
            }

            let dry = try await Binary.running(["fix", "--root", layout.root, "--mode", "docker"])
            #expect(dry.stdout.contains("An earlier run did not finish"), "\(point): \(dry.all)")
            let next = try await Binary.running(["rotate", "--root", layout.root, "--mode", "docker", "--apply"])
            #expect(next.status == 0, "\(point): \(next.all)")
            #expect(layout.workFiles().isEmpty, "\(point) left \(layout.workFiles())")
            #expect(try await Binary.running(["check", "--offline", "--root", layout.root, "--mode", "docker"]).status == 0)
            expectNoKeyFragments(killed.all + dry.all + next.all, [Self.hubKey, Self.coreKey])
        }
    }
}
