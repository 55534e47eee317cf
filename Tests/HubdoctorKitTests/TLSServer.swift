import Foundation
import Testing

/// `openssl s_server` with a throwaway self-signed certificate, for the TLS failure tests.
/// Fails the test loudly when openssl is missing and `CI` is set.
final class TLSServer {
    let process = Process()
    let directory: URL
    let port: Int
    var certificate: String { directory.appendingPathComponent("cert.pem").path }

    init?(commonName: String) throws {
        guard let openssl = ["/usr/bin/openssl", "/usr/local/bin/openssl", "/opt/homebrew/bin/openssl"]
            .first(where: FileManager.default.isExecutableFile(atPath:)) else {
            if ProcessInfo.processInfo.environment["CI"] != nil { Issue.record("openssl is required for the TLS tests in CI") }
            return nil
        }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("hubdoctor-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let make = Process()
        make.executableURL = URL(fileURLWithPath: openssl)
        make.arguments = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=\(commonName)",
                          "-keyout", directory.appendingPathComponent("key.pem").path, "-out", directory.appendingPathComponent("cert.pem").path]
        make.standardError = FileHandle.nullDevice
        try make.run()
        make.waitUntilExit()
        process.executableURL = URL(fileURLWithPath: openssl)
        process.arguments = ["s_server", "-accept", "0", "-www", "-cert", directory.appendingPathComponent("cert.pem").path,
                             "-key", directory.appendingPathComponent("key.pem").path]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var seen = ""
        var found: Int?
        while found == nil, let chunk = try out.fileHandleForReading.read(upToCount: 1), !chunk.isEmpty {
            seen += String(decoding: chunk, as: UTF8.self)
            if seen.hasSuffix("\n"), let line = seen.split(separator: "\n").last(where: { $0.hasPrefix("ACCEPT") }) {
                found = line.split(separator: ":").last.flatMap { Int($0) }
            }
        }
        guard let found else {
            process.terminate()
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "openssl s_server did not report its port: \(seen)"])
        }
        port = found
    }

    deinit {
        process.terminate()
        try? FileManager.default.removeItem(at: directory)
    }
}
