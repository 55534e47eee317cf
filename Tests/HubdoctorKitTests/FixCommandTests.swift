import Foundation
import Testing
@testable import HubdoctorKit

/// A drifted layout and exactly what `fix --apply` must change in it: each edit is an exact byte
/// substitution (the value span), so that every other byte is compared as well.
struct DriftCase: CustomTestStringConvertible, Sendable {
    struct Edit: Sendable {
        var file: String
        var old: String
        var new: String
    }

    var layout: String
    var edits: [Edit]
    /// Every key the layout holds, as the readers deliver them: none may appear in any output.
    var keys: [String]
    var testDescription: String { layout }

    static let hubKey = "hk_5Jx9Qm2Rv8Tz4Wn7Lp3Yb6Ck"
    static func core(_ layout: String, _ old: String, _ new: String, file: String = "hivecfm-core/.env") -> DriftCase {
        DriftCase(layout: layout, edits: [Edit(file: file, old: old, new: new)], keys: Repo.fixtureKeys + ["hk_5Jx9Qm2Rv8z4Wn7Lp3Yb6Ck", "hk_Wm5Qb8Tr2Xz6Nc9Kd3Jv7Ls4"])
    }

    static let all: [DriftCase] = [
        core("drift", "=hk_Vq3Ws8Nd2Kp7Hx4Tb9Mz6Rf\n", "=\(hubKey)\n"),
        core("drift-env-local", "=hk_Vq3Ws8Nd2Kp7Hx4Tb9Mz6Rf\n", "=\(hubKey)\n", file: "hivecfm-core/.env.local"),
        core("caller-absent", "8090\n", "8090\nHIVECFM_HUB_API_KEY=\(hubKey)\n"),
        core("caller-empty", "HIVECFM_HUB_API_KEY=\n", "HIVECFM_HUB_API_KEY=\(hubKey)\n"),
        core("quoted", "'\"\(hubKey)\"'", "'\(hubKey)'"),
        core("whitespace", "\"\(hubKey) \"", "\"\(hubKey)\""),
        // godotenv expands `$T` (an unset variable) to nothing: that is the key the native Hub holds.
        core("dialect", "=hk_5Jx9Qm2Rv8$Tz4Wn7Lp3Yb6Ck\n", "=hk_5Jx9Qm2Rv8z4Wn7Lp3Yb6Ck\n"),
        core("url-docker-localhost", "URL=http://localhost:8090", "URL=http://hivecfm-hub-api:8080"),
        core("url-native-docker-host", "URL=http://hivecfm-hub-api:8080", "URL=http://localhost:8090"),
        core("docker-drift", "=hk_Vq3Ws8Nd2Kp7Hx4Tb9Mz6Rf\n", "=\(hubKey)\n"),
        core("docker-caller-empty", "HIVECFM_HUB_API_KEY=\n", "HIVECFM_HUB_API_KEY=\(hubKey)\n"),
        // The Hub's own key keeps a space inside its quotes: the key is what is left without it.
        core("service-key-whitespace", "Ls4 \"", "Ls4\"", file: "hivecfm-hub/.env"),
        DriftCase(layout: "drift-env-local-stale-env", edits: [
            Edit(file: "hivecfm-core/.env.local", old: "=hk_3Fs8Kp1Vn6Yq2Tx9Mb4Wg7Hr\n", new: "=hk_7Qe2Lm9Xv4Rt8Wz3Np6Jc1Bd\n"),
            Edit(file: "hivecfm-core/.env", old: "\"hk_3Fs8Kp1Vn6Yq2Tx9Mb4Wg7Hr\"", new: "\"hk_7Qe2Lm9Xv4Rt8Wz3Np6Jc1Bd\""),
        ], keys: ["hk_3Fs8Kp1Vn6Yq2Tx9Mb4Wg7Hr", "hk_7Qe2Lm9Xv4Rt8Wz3Np6Jc1Bd"]),
        // Compose: `environment:` takes the key from the project .env; the env_file keeps an old copy.
        DriftCase(layout: "compose-interpolated", edits: [
            Edit(file: ".env", old: "HUB_API_KEY=hk_Rq4Tz8Wm2Xv6Nb3Kc9Jp5Ld7\n", new: "HUB_API_KEY=hk_Yd3Mv7Qs1Zx5Rt9Wk2Bn6Lc8\n"),
            Edit(file: "hivecfm-core/.env", old: "=hk_Rq4Tz8Wm2Xv6Nb3Kc9Jp5Ld7\n", new: "=hk_Yd3Mv7Qs1Zx5Rt9Wk2Bn6Lc8\n"),
        ], keys: ["hk_Rq4Tz8Wm2Xv6Nb3Kc9Jp5Ld7", "hk_Yd3Mv7Qs1Zx5Rt9Wk2Bn6Lc8"]),
        DriftCase(layout: "drift-crlf", edits: [
            Edit(file: "hivecfm-core/.env", old: "=hk_9Tb2Wq7Lm4Xc8Rv1Np5Jd3Gs #", new: "=hk_2Mx6Rk9Qp3Vw7Tb1Ls8Fn4Yd #"),
        ], keys: ["hk_9Tb2Wq7Lm4Xc8Rv1Np5Jd3Gs", "hk_2Mx6Rk9Qp3Vw7Tb1Ls8Fn4Yd"]),
        DriftCase(layout: "drift-quoted-export", edits: [
            Edit(file: "hivecfm-core/.env", old: "'hk_8Nc3Vb6Mx1Zq4Wr7Ty2Ku9Pe' #", new: "\"hk_4\\$Tz9#Wn7Lp3Yb6Qe8Rc5Vd\" #"),
        ], keys: ["hk_8Nc3Vb6Mx1Zq4Wr7Ty2Ku9Pe", "hk_4$Tz9#Wn7Lp3Yb6Qe8Rc5Vd"]),
        DriftCase(layout: "caller-key-empty", edits: [
            Edit(file: "hivecfm-core/.env", old: "HIVECFM_HUB_API_KEY= # ask", new: "HIVECFM_HUB_API_KEY= hk_6Wd1Rs8Nq3Vx5Tk9Lb2Mf7Jc # ask"),
        ], keys: ["hk_6Wd1Rs8Nq3Vx5Tk9Lb2Mf7Jc"]),
        DriftCase(layout: "caller-key-absent", edits: [
            Edit(file: "hivecfm-core/.env", old: "NODE_ENV=production", new: "NODE_ENV=production\nHIVECFM_HUB_API_KEY=hk_5Pz8Tc2Wm6Xr9Qb3Nv7Ld1Ks"),
        ], keys: ["hk_5Pz8Tc2Wm6Xr9Qb3Nv7Ld1Ks"]),
        DriftCase(layout: "drift-whitespace", edits: [
            Edit(file: "hivecfm-core/.env", old: "Pd \"", new: "Pd\""),
        ], keys: ["hk_1Jv7Qs4Xn9Rb2Wt6Mc8Lz3Pd"]),
    ]
}

extension ChangeEndToEnd {
    @Suite struct FixCommandTests {
        @Test func linksThatShareAServiceWriteItOnceAndRefuseToWriteTwoKeysIntoIt() async throws {
            let layout = TemporaryLayout()
            layout.write("svc/.env", "API_KEY=hk_Sh4red0Service1Key2Now3x\n")
            layout.write("a/.env", "A_KEY=hk_Caller0A1Differs2From3Svc\n")
            layout.write("b/.env", "B_KEY=hk_Caller0B1Differs2From3Svc\n")
            layout.write("hubdoctor.yaml", """
                version: 1
                links:
                  - name: a-to-svc
                    caller: {key: {env: a/.env, var: A_KEY, dialect: dotenv}}
                    service: {key: {env: svc/.env, var: API_KEY, dialect: godotenv}}
                  - name: b-to-svc
                    caller: {key: {env: b/.env, var: B_KEY, dialect: dotenv}}
                    service: {key: {env: svc/.env, var: API_KEY, dialect: godotenv}}

                """)
            let config = layout.path("hubdoctor.yaml")
            let before = try Data(contentsOf: URL(fileURLWithPath: layout.path("svc/.env")))
            let refused = try await Binary.running(["fix", "--config", config, "--from", "caller", "--apply"])
            #expect(refused.status == 2, "\(refused.all)")
            #expect(refused.stderr.contains("would write different keys into svc/.env"))
            #expect(try Data(contentsOf: URL(fileURLWithPath: layout.path("svc/.env"))) == before)
            let fixed = try await Binary.running(["fix", "--config", config, "--apply"])
            #expect(fixed.status == 0, "\(fixed.all)")
            #expect(try await Binary.running(["check", "--config", config, "--offline"]).status == 0)
            expectNoSecrets(refused.all + fixed.all, ["hk_Sh4red0Service1Key2Now3x", "hk_Caller0A1Differs2From3Svc", "hk_Caller0B1Differs2From3Svc"])
        }

        @Test(arguments: DriftCase.all)
        func fixApplyMakesCheckPassAndChangesOnlyTheValue(_ c: DriftCase) async throws {
            let layout = try LayoutCopy(c.layout)
            let before = try layout.snapshot()
            #expect(try await Binary.running(["check", "--offline", "--root", layout.root]).status == 1)

            let dry = try await Binary.running(["fix", "--root", layout.root])
            #expect(dry.status == 1, "\(dry.all)")
            #expect(dry.stdout.contains("--- a/") && dry.stdout.contains("+++ b/"))
            #expect(dry.stdout.contains("Dry run: nothing was written"))
            #expect(try layout.snapshot() == before, "the dry run changed a file")
            expectNoSecrets(dry.all, c.keys)

            let applied = try await Binary.running(["fix", "--root", layout.root, "--apply"])
            #expect(applied.status == 0, "\(applied.all)")
            expectNoSecrets(applied.all, c.keys)
            var expected = before
            for e in c.edits {
                let original = String(decoding: before[e.file]!, as: UTF8.self)
                #expect(original.components(separatedBy: e.old).count == 2, "the fixture must hold the old span exactly once")
                expected[e.file] = Array(original.replacingOccurrences(of: e.old, with: e.new).utf8)
            }
            let after = try layout.snapshot()
            for (file, bytes) in expected {
                #expect(after[file] == bytes, "\(file) is not byte for byte what was expected")
            }
            // Besides the edited files, only backups appeared: each 0600 and holding the old version.
            for file in after.keys where expected[file] == nil {
                let original = try #require(c.edits.first { file.hasPrefix($0.file + ".hubdoctor-bak-") }, "unexpected file \(file)")
                #expect(after[file] == before[original.file])
                #expect(try layout.mode(file) == 0o600)
            }
            #expect(try layout.workFiles().isEmpty)

            let check = try await Binary.running(["check", "--offline", "--root", layout.root])
            #expect(check.status == 0, "\(check.stdout)")
            let again = try await Binary.running(["fix", "--root", layout.root])
            #expect(again.status == 0)
            #expect(again.stdout.contains("Nothing to fix"))
        }

        @Test func fixFromCallerWritesTheCallersKeyIntoTheHubKeepingCRLF() async throws {
            let layout = try LayoutCopy("drift-crlf")
            let r = try await Binary.running(["fix", "--root", layout.root, "--from", "caller", "--apply"])
            #expect(r.status == 0, "\(r.all)")
            #expect(try layout.bytes("hivecfm-hub/.env") == Array("# Hub in Docker\r\nPORT=8080\r\nAPI_KEY=hk_9Tb2Wq7Lm4Xc8Rv1Np5Jd3Gs\r\n".utf8))
            #expect(try await Binary.running(["check", "--offline", "--root", layout.root]).status == 0)
            expectNoSecrets(r.all, ["hk_9Tb2Wq7Lm4Xc8Rv1Np5Jd3Gs", "hk_2Mx6Rk9Qp3Vw7Tb1Ls8Fn4Yd"])
        }

        /// A key written literally in the compose file is not edited: the engineer gets the steps,
        /// and the key in a 0600 file in the temporary folder, never on screen.
        @Test func aLiteralKeyInTheComposeFileIsLeftToTheEngineerWithTheKeyInA0600File() async throws {
            let layout = try LayoutCopy("compose-literal")
            let tmp = layout.path("tmp")
            try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
            let before = try layout.snapshot()
            let r = try await Binary.running(["fix", "--root", layout.root, "--apply"], environment: ["TMPDIR": tmp])
            #expect(r.status == 1, "\(r.all)")
            #expect(r.stdout.contains("By hand"))
            #expect(r.stdout.contains("literal under `environment:` of service hivecfm-core in docker-compose.yml"))
            expectNoSecrets(r.all, ["hk_Gt5Wn9Qr2Mx7Vb4Kz8Jd3Ps6", "hk_Hc8Ls2Nw6Qt4Vx9Rb3Mk7Jz5"])
            var after = try layout.snapshot()
            let valueFile = try #require(after.keys.first { $0.hasPrefix("tmp/hubdoctor-") && $0.hasSuffix("-value.json") })
            #expect(after.removeValue(forKey: valueFile) == Array("\"hk_Hc8Ls2Nw6Qt4Vx9Rb3Mk7Jz5\"".utf8))
            #expect(try layout.mode(valueFile) == 0o600)
            #expect(after == before, "no file of the layout may change")
            #expect(r.stdout.contains("rm tmp/hubdoctor-") || r.stdout.contains("rm \(tmp)/hubdoctor-"))
        }

        @Test func fixWillNotCopyAPlaceholderAndPointsToRotate() async throws {
            let layout = try LayoutCopy("drift-crlf")
            try layout.write("hivecfm-hub/.env", Array("API_KEY=changeme\r\n".utf8))
            let before = try layout.snapshot()
            let r = try await Binary.running(["fix", "--root", layout.root, "--apply"])
            #expect(r.status == 1)
            #expect(r.stdout.contains("placeholder-key"))
            #expect(r.stdout.contains("hubdoctor fix --from caller"))
            #expect(try layout.snapshot() == before)
        }

        @Test func fixInDockerModeWritesOnlyTheFileComposeReads() async throws {
            let layout = try LayoutCopy("drift-env-local-stale-env")
            let local = try layout.bytes("hivecfm-core/.env.local")
            let r = try await Binary.running(["fix", "--root", layout.root, "--mode", "docker", "--apply"])
            #expect(r.status == 0, "\(r.all)")
            #expect(try layout.bytes("hivecfm-core/.env.local") == local)
            #expect(try await Binary.running(["check", "--offline", "--mode", "docker", "--only", "keys", "--root", layout.root]).status == 0)
            #expect(r.stdout.contains("docker compose restart hivecfm-hub-api hivecfm-core"))
        }

        @Test func aSymbolicLinkStaysALinkAndItsTargetIsEdited() async throws {
            let layout = try LayoutCopy("drift-crlf")
            try FileManager.default.moveItem(atPath: layout.path("hivecfm-core/.env"), toPath: layout.path("shared-core.env"))
            try FileManager.default.createSymbolicLink(atPath: layout.path("hivecfm-core/.env"), withDestinationPath: "../shared-core.env")
            let r = try await Binary.running(["fix", "--root", layout.root, "--apply"])
            #expect(r.status == 0, "\(r.all)")
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: layout.path("hivecfm-core/.env")) == "../shared-core.env")
            #expect(String(decoding: try layout.bytes("shared-core.env"), as: UTF8.self).contains("hk_2Mx6Rk9Qp3Vw7Tb1Ls8Fn4Yd # from the wiki"))
        }
    }
}
