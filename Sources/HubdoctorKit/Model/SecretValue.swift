import Crypto

/// A value that may be a key. It never renders itself: `description`, string interpolation,
/// `dump` and `debugPrint` all show only its length, so a slip in a log line cannot leak it.
/// The bytes are kept exactly as the reader delivered them (Go readers keep non-UTF-8 bytes).
public struct SecretValue: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }
    public init(_ text: String) { self.bytes = Array(text.utf8) }

    /// The value as text (invalid UTF-8 becomes U+FFFD). Never print it.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    public var isEmpty: Bool { bytes.isEmpty }

    /// Length in Unicode scalars, which is what an engineer counts in an editor.
    public var length: Int {
        // ASCII (most keys): one byte is one scalar; otherwise count what the text decodes to.
        bytes.allSatisfy { $0 < 0x80 } ? bytes.count : text.unicodeScalars.count
    }

    /// `sha256:` and the first 12 hex digits of SHA-256 over the bytes (the contract's fingerprint).
    public var fingerprint: String { Fingerprint.of(bytes) }

    public var description: String { "<redacted: \(bytes.count) bytes, \(fingerprint)>" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

public enum Fingerprint {
    public static func of<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let digest = SHA256.hash(data: Array(bytes))
        let digits = Array("0123456789abcdef".utf8)
        var text = Array("sha256:".utf8)
        text.reserveCapacity(19)
        for byte in digest.prefix(6) {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    public static func of(_ text: String) -> String { of(Array(text.utf8)) }

    /// The whole SHA-256, in lowercase hex: compared in memory (what a container holds, hashed
    /// inside it), never printed.
    public static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        SHA256.hash(data: Array(bytes)).map { String(format: "%02x", $0) }.joined()
    }

    /// The fingerprint of a value whose SHA-256 is known as hex.
    public static func of(sha256Hex hex: String) -> String { "sha256:" + hex.prefix(12) }
}
