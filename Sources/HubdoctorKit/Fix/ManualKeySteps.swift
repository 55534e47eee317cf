import Foundation

/// The steps an engineer takes by hand for a key that hubdoctor does not edit itself: one in a
/// Kubernetes Secret or YAML map (usually SOPS-encrypted), a literal in a compose file, a process
/// environment or a CI secret. Restarting is not among them: the report's "Next" restarts both
/// sides in one window, as the runbook asks.
/// The key travels through a 0600 file that hubdoctor writes (`valueFile`), never through a
/// command line, where every user of the machine could read it.
public enum ManualKeySteps {
    /// `valueFile`: where the JSON-encoded key is (or, in a dry run, will be) written.
    public static func steps(for side: SideSpec, valueFile: String?, resolver: SourceResolver, workingDirectory: String) -> [RemediationStep] {
        let arg = { (path: String) in ShellWord.path(path, workingDirectory: workingDirectory) }
        switch side.key {
        case .yamlSecret(let file, let secret, let key):
            let path = resolver.absolute(file)
            var steps = valueStep(side, valueFile, arg)
            let index = "[\"stringData\"][\"\(key)\"]"
            if isSOPSEncrypted(path) {
                steps.append(RemediationStep(text: "Set \(key) in Secret \(secret) (\(file)); sops reads the value from the file, so it never appears in a process listing",
                                             run: "sops set --value-file \(arg(path)) \(ShellWord.quote(index)) \(arg(valueFile ?? "VALUE_FILE"))"))
            } else {
                steps.append(RemediationStep(text: "Set stringData.\(key) of Secret \(secret) in \(file) to the value in " +
                    "\(valueFile.map { ShellWord.relative($0, workingDirectory: workingDirectory) } ?? "the value file") (a JSON string; stringData overrides data)"))
            }
            steps += deleteValueFile(valueFile, arg)
            let pods = side.restart == nil ? " (for example `kubectl rollout restart deployment/NAME`)" : ": the restart below does that"
            steps.append(RemediationStep(text: "Apply the Secret as you deploy it; pods read env and envFrom only when they start, so the pods that use Secret \(secret) must be replaced\(pods)"))
            return steps
        case .yamlPath(let file, let dotted):
            let path = resolver.absolute(file)
            var steps = valueStep(side, valueFile, arg)
            let index = dotted.split(separator: ".").map { "[\"\($0)\"]" }.joined()
            if isSOPSEncrypted(path) {
                steps.append(RemediationStep(text: "Set \(dotted) in \(file)", run: "sops set --value-file \(arg(path)) \(ShellWord.quote(index)) \(arg(valueFile ?? "VALUE_FILE"))"))
            } else {
                steps.append(RemediationStep(text: "Set \(dotted) in \(file) to the value in " +
                    "\(valueFile.map { ShellWord.relative($0, workingDirectory: workingDirectory) } ?? "the value file") (a JSON string)"))
            }
            steps += deleteValueFile(valueFile, arg)
            return steps
        case .compose(let file, let service, let name):
            return valueStep(side, valueFile, arg)
                + [RemediationStep(text: "\(name) is written as a literal under `environment:` of service \(service) in \(file) (or in a `format: raw` " +
                    "env_file): set it there to the value in the value file. Better: write `\(name): ${\(name)}` under `environment:`, and `hubdoctor " +
                    "fix` will keep the key in the project .env, out of the compose file")]
                + deleteValueFile(valueFile, arg)
        case .process(let pid, let name):
            return valueStep(side, valueFile, arg)
                + [RemediationStep(text: "\(side.name)'s key is read from process \(pid)'s environment (\(name)); set it where that process gets its " +
                    "environment (its unit file, Compose file or Secret); the restart below makes it read it")]
                + deleteValueFile(valueFile, arg)
        case .environment(let name):
            return valueStep(side, valueFile, arg)
                + [RemediationStep(text: "\(side.name)'s key is hubdoctor's own environment variable \(name) (a CI secret); update that secret where your CI keeps it")]
                + deleteValueFile(valueFile, arg)
        case .kube(let secret, let name, let scope):
            return valueStep(side, valueFile, arg)
                + [RemediationStep(text: "\(side.name)'s key is \(name) in the live \(scope.label("Secret", secret)): set it in the file in Git that the Secret " +
                    "is deployed from (sops set --value-file) and deploy it; a hand patch of the live Secret is undone by the next sync or rebuild. " +
                    "Pods read envFrom and secretKeyRef only when they start: restart the workloads that use it (`\(scope.command) rollout restart deployment/NAME`)")]
                + deleteValueFile(valueFile, arg)
        case .keyStore:
            return [RemediationStep(text: "\(side.name) keeps its keys in its own store (a database): issue or change the key there, with \(side.name)'s own tools")]
        case .env, .literal:
            return []
        }
    }

    /// A key in SOPS-encrypted env files that hubdoctor does not write: `sops set` encrypts the
    /// value it reads from the 0600 value file into each, so no plaintext lands in the file and
    /// no key on a command line.
    public static func sopsDotenv(for side: SideSpec, files: [KeyTarget], valueFile: String?, workingDirectory: String) -> [RemediationStep] {
        let arg = { (path: String) in ShellWord.path(path, workingDirectory: workingDirectory) }
        var steps = valueStep(side, valueFile, arg)
        for file in files {
            let name = file.assignment.name
            steps.append(RemediationStep(
                text: "Set \(name) in \(file.display), which is SOPS-encrypted (\(file.reason)): hubdoctor does not write a key in the clear into an " +
                    "encrypted file; sops encrypts the value it reads from the value file",
                run: "sops set --input-type dotenv --output-type dotenv --value-file \(arg(file.path)) \(ShellWord.quote("[\"\(name)\"]")) \(arg(valueFile ?? "VALUE_FILE"))"))
        }
        return steps + deleteValueFile(valueFile, arg)
    }

    static func valueStep(_ side: SideSpec, _ valueFile: String?, _ arg: (String) -> String) -> [RemediationStep] {
        guard let valueFile else {
            return [RemediationStep(text: "With --apply, hubdoctor writes the key for \(side.name) to a file only you can read (mode 0600) and names it here")]
        }
        return [RemediationStep(text: "The key for \(side.name) is in \(arg(valueFile)) (mode 0600, JSON-encoded, never printed)")]
    }

    static func deleteValueFile(_ valueFile: String?, _ arg: (String) -> String) -> [RemediationStep] {
        guard let valueFile else { return [] }
        return [RemediationStep(text: "Delete the value file once the key is set", run: "rm \(arg(valueFile))")]
    }

    /// The JSON string `sops set --value-file` expects.
    static func jsonString(_ value: SecretValue) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return Array((try? encoder.encode(value.text)) ?? Data("\"\"".utf8))
    }

    /// Whether sops still encrypts the file, by the same rule as reading it (`sops filestatus`).
    static func isSOPSEncrypted(_ path: String) -> Bool {
        guard case .success(let bytes) = SourceFile.read(path), case .success(let docs) = YAMLDocuments.parse(bytes) else { return false }
        return Sops.metadata(yaml: docs.nodes) != nil
    }
}
