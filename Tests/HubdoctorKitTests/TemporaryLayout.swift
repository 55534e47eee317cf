import Foundation

/// A throwaway folder of real files for one test, removed when the test drops it.
final class TemporaryLayout: Sendable {
    let root: String

    init() {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("hubdoctor-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    func path(_ relative: String) -> String { root + "/" + relative }

    @discardableResult
    func write(_ relative: String, _ text: String) -> String {
        write(relative, bytes: Array(text.utf8))
    }

    @discardableResult
    func write(_ relative: String, bytes: [UInt8]) -> String {
        let p = path(relative)
        try! FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: p, contents: Data(bytes))
        return p
    }

    /// Copies a fixture folder into this layout.
    func copy(fixture: String, to relative: String = "") {
        let dest = relative.isEmpty ? root : path(relative)
        try? FileManager.default.removeItem(atPath: dest)
        try! FileManager.default.copyItem(atPath: Repo.path(fixture), toPath: dest)
    }
}

/// Finds a program on PATH.
func which(_ name: String) -> String? {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
        let p = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    return nil
}
