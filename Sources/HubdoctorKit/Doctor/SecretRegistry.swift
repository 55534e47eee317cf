import Foundation

/// The keys read during this run. Every byte hubdoctor writes passes through `scrub`, so even a
/// bug that put a key into a message could not print it: the last line of defence, not the first.
public final class SecretRegistry: @unchecked Sendable {
    public static let shared = SecretRegistry()
    /// Shorter values would also match ordinary words; keys that short are flagged as placeholders.
    public static let minimumLength = 6

    private let lock = NSLock()
    private var secrets: Set<String> = []

    public func register(_ value: SecretValue?) {
        guard let value else { return }
        let text = value.text
        lock.lock()
        defer { lock.unlock() }
        for candidate in [text, DotenvJSParser.jsTrim(text)] where candidate.unicodeScalars.count >= Self.minimumLength {
            secrets.insert(candidate)
        }
    }


    public func scrub(_ text: String) -> String {
        lock.lock()
        let all = secrets.sorted { $0.count > $1.count }
        lock.unlock()
        var out = text
        for s in all where out.hasBytes(s) {
            out = out.replacingOccurrences(of: s, with: "‹redacted›")
        }
        return out
    }
}
