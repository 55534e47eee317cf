import Crypto
import Foundation

/// New shared keys for `rotate`: 32 bytes from the system's CSPRNG (swift-crypto's `SymmetricKey`),
/// written as URL-safe base64 without padding. That alphabet, `[A-Za-z0-9_-]`, is one that every
/// reader reads unquoted and alike, so the key goes into any env file as written.
public enum KeyGenerator {
    public static let byteCount = 32

    public static func generate() -> SecretValue {
        while true {
            let key = SymmetricKey(size: .bits256)
            let text = key.withUnsafeBytes { Data($0) }.base64EncodedString()
                .replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
            let value = SecretValue(text)
            // Random text can, very rarely, contain a fragment such as `your-` that the placeholder
            // check flags; a key that `check` would complain about is simply drawn again.
            if KeyAnalysis.placeholderReason(value) == nil { return value }
        }
    }
}
