import Foundation

/// Where a command takes a key from when it is given one directly (`probe`, `sandbox`). Never
/// argv: every user of the machine can read a process's arguments.
public enum KeyInput: Sendable, Equatable {
    case environment(String)
    case file(String)
    case standardInput

    /// The shell variable a copy-paste command should name for this key.
    public var variableName: String {
        if case .environment(let name) = self { return name }
        return "API_KEY"
    }

    /// Reads the key and registers it for scrubbing. A file or stdin loses one trailing line
    /// break (what `echo "$KEY" > file` adds); anything else is kept, because stray whitespace
    /// is one of the faults being diagnosed.
    /// A key is short; reading stops after this many bytes, so `< /dev/zero` cannot fill memory.
    public static let maxBytes = 64 * 1024

    public func read(environment: [String: String],
                     standardInput: () -> Data = { (try? FileHandle.standardInput.read(upToCount: KeyInput.maxBytes + 1)) ?? Data() }) throws -> SecretValue {
        let value: SecretValue
        switch self {
        case .environment(let name):
            guard let text = environment[name] else {
                throw HubdoctorError(.usage, "the environment variable \(name) is not set (export it first, or use --key-file/--key-stdin)")
            }
            value = SecretValue(text)
        case .file(let path):
            switch SourceFile.read(path, display: path) {
            case .success(let bytes): value = SecretValue(bytes: Self.dropLineBreak(bytes))
            case .failure(let problem): throw HubdoctorError(.io, "cannot read the key: \(problem.reason)", location: path)
            }
        case .standardInput:
            let bytes = standardInput()
            guard bytes.count <= Self.maxBytes else {
                throw HubdoctorError(.usage, "standard input holds more than \(Self.maxBytes / 1024) KiB: that is not a key")
            }
            value = SecretValue(bytes: Self.dropLineBreak(Array(bytes)))
        }
        guard !value.isEmpty else { throw HubdoctorError(.usage, "the key from \(self) is empty") }
        SecretRegistry.shared.register(value)
        return value
    }

    static func dropLineBreak(_ bytes: [UInt8]) -> [UInt8] {
        var b = bytes
        if b.last == 0x0A { b.removeLast() }
        if b.last == 0x0D { b.removeLast() }
        return b
    }
}

extension KeyInput: CustomStringConvertible {
    public var description: String {
        switch self {
        case .environment(let name): return "$\(name)"
        case .file(let path): return path
        case .standardInput: return "standard input"
        }
    }
}
