import Foundation

/// What one run reads once and shares between the links that name the same file: standard
/// input (it can only be read once) and each SOPS file's decryption (one `sops` run per file).
public final class SourceCache: @unchecked Sendable {
    private let lock = NSLock()
    private var stdinBytes: Result<[UInt8], SourceProblem>?
    private var decrypted: [String: Result<[UInt8], SourceProblem>] = [:]
    private let readStandardInput: @Sendable () -> Result<[UInt8], SourceProblem>

    /// `standardInput` replaces the process's stdin (tests feed `-` sources through it).
    public init(standardInput: (@Sendable () -> Result<[UInt8], SourceProblem>)? = nil) {
        readStandardInput = standardInput ?? SourceCache.processStandardInput
    }

    func standardInput() -> Result<[UInt8], SourceProblem> {
        lock.lock()
        defer { lock.unlock() }
        if let stdinBytes { return stdinBytes }
        let read = readStandardInput()
        stdinBytes = read
        return read
    }

    func decryption(of path: String, _ decrypt: () -> Result<[UInt8], SourceProblem>) -> Result<[UInt8], SourceProblem> {
        lock.lock()
        if let done = decrypted[path] { lock.unlock(); return done }
        lock.unlock()
        let result = decrypt()
        lock.lock()
        decrypted[path] = result
        lock.unlock()
        return result
    }

    /// Reads stdin to its end, refusing a terminal (nothing was piped in: reading would wait
    /// forever) and more than a configuration file holds.
    static let processStandardInput: @Sendable () -> Result<[UInt8], SourceProblem> = {
        let origin = Origin(display: "stdin")
        if isatty(0) != 0 {
            return .failure(SourceProblem(origin: origin, reason: "is a terminal: pipe the YAML in (for example `sops decrypt FILE | hubdoctor check --config …`)"))
        }
        let data = (try? FileHandle.standardInput.read(upToCount: SourceFile.maxBytes + 1)) ?? Data()
        if data.count > SourceFile.maxBytes {
            return .failure(SourceProblem(origin: origin, reason: "holds more than \(SourceFile.maxBytes / 1024) KiB: not a configuration file"))
        }
        return .success([UInt8](data))
    }
}
