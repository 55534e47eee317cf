import Foundation
import Synchronization

/// The keys read during this run. Every byte hubdoctor writes passes through `scrub`, so even a
/// bug that put a key into a message could not print it: the last line of defence, not the first.
/// It removes each key and every run of `KeyScrubber.window` characters of one.
public final class SecretRegistry: Sendable {
    public static let shared = SecretRegistry()
    /// Shorter values would also match ordinary words; keys that short are flagged as placeholders.
    public static let minimumLength = KeyScrubber.minimumLength

    private struct State {
        var secrets: Set<String> = []
        var cached: KeyScrubber?
    }

    private let state = Mutex(State())

    public init() {}

    public func register(_ value: SecretValue?) {
        guard let value else { return }
        let text = value.text
        state.withLock { state in
            for candidate in [text, DotenvJSParser.jsTrim(text)] where candidate.unicodeScalars.count >= Self.minimumLength {
                if state.secrets.insert(candidate).inserted { state.cached = nil }
            }
        }
    }

    /// The credentials a URL carries (userinfo, `?token=…` and the like): a URL is masked where it
    /// is printed (`Redact.url`), and these are scrubbed from whatever else might repeat them (a
    /// library's error text, a server's echo).
    public func register(credentialsOf url: String?) {
        guard let url else { return }
        for value in Redact.credentials(in: url) { register(SecretValue(value)) }
    }

    /// Every key registered so far, as one scrubber.
    public var scrubber: KeyScrubber {
        state.withLock { state in
            if let cached = state.cached { return cached }
            let made = KeyScrubber(keys: Array(state.secrets))
            state.cached = made
            return made
        }
    }

    /// The keys registered so far (for a scrubber that adds its own).
    public var values: [SecretValue] {
        state.withLock { $0.secrets.map { SecretValue($0) } }
    }

    public func scrub(_ text: String) -> String {
        scrubber.scrub(text)
    }
}
