import Foundation

/// The keys read during this run. Every byte hubdoctor writes passes through `scrub`, so even a
/// bug that put a key into a message could not print it: the last line of defence, not the first.
/// It removes each key and every run of `KeyScrubber.window` characters of one.
public final class SecretRegistry: @unchecked Sendable {
    public static let shared = SecretRegistry()
    /// Shorter values would also match ordinary words; keys that short are flagged as placeholders.
    public static let minimumLength = KeyScrubber.minimumLength

    private let lock = NSLock()
    private var secrets: Set<String> = []
    private var cached: KeyScrubber?

    public init() {}

    public func register(_ value: SecretValue?) {
        guard let value else { return }
        let text = value.text
        lock.lock()
        defer { lock.unlock() }
        for candidate in [text, DotenvJSParser.jsTrim(text)] where candidate.unicodeScalars.count >= Self.minimumLength {
            if secrets.insert(candidate).inserted { cached = nil }
        }
    }

    /// Every key registered so far, as one scrubber.
    public var scrubber: KeyScrubber {
        lock.lock()
        defer { lock.unlock() }
        if let cached { return cached }
        let made = KeyScrubber(keys: Array(secrets))
        cached = made
        return made
    }

    /// The keys registered so far (for a scrubber that adds its own).
    public var values: [SecretValue] {
        lock.lock()
        defer { lock.unlock() }
        return secrets.map { SecretValue($0) }
    }

    public func scrub(_ text: String) -> String {
        scrubber.scrub(text)
    }
}
