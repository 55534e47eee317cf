import Foundation

/// One request the sandbox saw. It records the *shape* of the credential, never the credential:
/// tests count wrong-shape and wrong-key requests from this and prove none carried the real key.
public struct SandboxLogEntry: Codable, Sendable, Equatable {
    public enum AuthShape: String, Codable, Sendable {
        /// No `Authorization` header.
        case none
        /// `Bearer <the key>`.
        case bearerKey = "bearer-key"
        /// `Bearer <the old key>`.
        case bearerOldKey = "bearer-old-key"
        /// `Bearer <something else>`.
        case bearerOther = "bearer-other"
        /// `Bearer` with nothing after it.
        case bearerEmpty = "bearer-empty"
        /// The key itself, with no scheme (the header-shape bug).
        case rawKey = "raw-key"
        /// Some other value with no scheme.
        case rawOther = "raw-other"
        /// `Basic …` or another scheme.
        case otherScheme = "other-scheme"
    }

    public var time: Date
    public var method: String
    public var path: String
    public var auth: AuthShape
    /// The header contains the key or the old key anywhere in it, in whatever shape.
    public var carriesKey: Bool
    /// Fingerprint of the credential presented, when there was one.
    public var credentialFingerprint: String?
    /// For a WebSocket connection (method `WS`): 101 when the key was accepted, else the close code.
    public var status: Int?
    public var remote: String?
    /// For a WebSocket connection the sandbox closed: the close reason it sent.
    public var closeReason: String?

    /// The entry as one JSON line.
    public var jsonLine: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return (try? String(decoding: encoder.encode(self), as: UTF8.self)) ?? "{}"
    }

    public static func decode(_ line: String) -> SandboxLogEntry? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(SandboxLogEntry.self, from: Data(line.utf8))
    }
}
