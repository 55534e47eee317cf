/// The runbooks built into the binary. `runbooks/*.yaml` is their source; the generated
/// `BuiltinRunbooks+Embedded.swift` holds their text, and a test fails when the two differ.
public enum BuiltinRunbooks {
    public struct File: Sendable {
        public let name: String
        public let text: String
    }
}
