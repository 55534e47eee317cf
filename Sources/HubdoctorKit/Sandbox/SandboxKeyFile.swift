import Foundation

/// Hands a generated sandbox key to other commands through a file only its owner can read,
/// never through output.
public enum SandboxKeyFile {
    public static func write(_ key: SecretValue, to path: String) throws {
        let fm = FileManager.default
        guard fm.createFile(atPath: path, contents: Data(key.bytes), attributes: [.posixPermissions: 0o600]) else {
            throw HubdoctorError(.io, "cannot write the key file", location: path)
        }
        // createFile keeps an existing file's mode; the key must not stay world-readable.
        try? fm.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
    }
}
