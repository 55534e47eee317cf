import Foundation

/// What a `FileTransaction` writes before it renames anything: enough for a later run to tell,
/// file by file, whether the old or the new version is in place, and to put the old one back.
/// It holds paths and SHA-256 digests of whole files, never a key.
struct TransactionJournal: Codable, Sendable {
    enum State: String, Codable, Sendable {
        /// Renames may have started: a later run rolls back.
        case staged
        /// Every file was renamed: only the clean-up was missed.
        case committed
    }

    struct Entry: Codable, Sendable {
        var path: String
        var display: String
        var backup: String?
        var temp: String
        /// Digest of the old version; nil when the file was created.
        var before: String?
        var after: String
    }

    var schema = "hubdoctor/journal@1"
    var id: String
    var command: String
    var pid: Int32
    var state: State
    var files: [Entry]
    var sideFiles: [String]

    func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(self)) + [0x0A]
        } catch {
            throw HubdoctorError(.internal, "cannot encode the journal: \(error)")
        }
    }

    static func decode(_ bytes: [UInt8]) -> TransactionJournal? {
        try? JSONDecoder().decode(TransactionJournal.self, from: Data(bytes))
    }
}
