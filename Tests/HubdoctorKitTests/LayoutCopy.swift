import Foundation
import Testing

/// The end-to-end tests of `fix` and `rotate`, one at a time: each starts hubdoctor processes, and
/// running them side by side would only load the machine for the timing tests of other suites.
@Suite(.serialized) enum ChangeEndToEnd {}

/// A copy of a fixture layout in a fresh temporary folder, removed when the test is done with it.
final class LayoutCopy: Sendable {
    let root: String

    init(_ fixture: String) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("hubdoctor-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        root = base.appendingPathComponent(fixture).path
        try FileManager.default.copyItem(atPath: Repo.path("fixtures/layouts/\(fixture)"), toPath: root)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: (root as NSString).deletingLastPathComponent)
    }

    func path(_ relative: String) -> String { root + "/" + relative }

    func bytes(_ relative: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(relative)))) }

    func write(_ relative: String, _ bytes: [UInt8]) throws { try Data(bytes).write(to: URL(fileURLWithPath: path(relative))) }

    /// Every file under the root, relative path → content.
    func snapshot() throws -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        let e = FileManager.default.enumerator(atPath: root)!
        while let rel = e.nextObject() as? String {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: path(rel), isDirectory: &isDir), !isDir.boolValue { out[rel] = try bytes(rel) }
        }
        return out
    }

    /// Files hubdoctor leaves only while working (temporary files, journals, restore files).
    func workFiles() throws -> [String] {
        try snapshot().keys.filter { $0.contains(".hubdoctor-tmp-") || $0.contains(".hubdoctor-journal-") || $0.contains(".hubdoctor-restore-") }.sorted()
    }

    func mode(_ relative: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path(relative))[.posixPermissions] as! NSNumber).intValue
    }
}
