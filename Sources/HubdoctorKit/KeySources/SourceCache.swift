import Foundation
import Synchronization

/// What one run reads once and shares between the links that name the same file: standard
/// input (it can only be read once) and each SOPS file's decryption (one `sops` run per file).
public final class SourceCache: Sendable {
    private let stdinBytes = Mutex<Result<[UInt8], SourceProblem>?>(nil)
    private let decrypted = Mutex<[String: Result<[UInt8], SourceProblem>]>([:])
    private let liveSecrets = Mutex<[String: LiveSecretSlot]>([:])
    private let readStandardInput: @Sendable () -> Result<[UInt8], SourceProblem>

    /// `standardInput` replaces the process's stdin (tests feed `-` sources through it).
    public init(standardInput: (@Sendable () -> Result<[UInt8], SourceProblem>)? = nil) {
        readStandardInput = standardInput ?? SourceCache.processStandardInput
    }

    func standardInput() -> Result<[UInt8], SourceProblem> {
        // Held while reading: a second link that names `-` waits for the first read, not a second.
        stdinBytes.withLock { cached in
            if let cached { return cached }
            let read = readStandardInput()
            cached = read
            return read
        }
    }

    func decryption(of path: String, _ decrypt: () -> Result<[UInt8], SourceProblem>) -> Result<[UInt8], SourceProblem> {
        if let done = decrypted.withLock({ $0[path] }) { return done }
        let result = decrypt()
        decrypted.withLock { $0[path] = result }
        return result
    }

    /// One kubectl read per Secret, however many holders ask at once: the first asker reads, the
    /// others wait on the slot's lock.
    final class LiveSecretSlot: Sendable {
        let value = Mutex<Result<LiveSecret, KubeProblem>?>(nil)
    }

    func liveSecret(_ name: String, scope: KubeScope, _ read: () -> Result<LiveSecret, KubeProblem>) -> Result<LiveSecret, KubeProblem> {
        let key = "\(scope.context ?? "")\u{0}\(scope.namespace ?? "")\u{0}\(name)"
        let slot = liveSecrets.withLock { slots in
            if let s = slots[key] { return s }
            let s = LiveSecretSlot()
            slots[key] = s
            return s
        }
        return slot.value.withLock { cached in
            if let cached { return cached }
            let result = read()
            cached = result
            return result
        }
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
