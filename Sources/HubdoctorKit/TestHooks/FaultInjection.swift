import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Points in a safe write where a test can make hubdoctor die, fail or stop, to prove that every
/// file ends up wholly old or wholly new. Set by `HUBDOCTOR_FAULT=[kill:|fail:|stop:]POINT[@N]`,
/// several separated by commas: `kill` (the default) sends SIGKILL to itself, `fail` throws an
/// I/O error as a full disk would, `stop` sends SIGSTOP so that a test can change a file before the
/// process goes on; `@N` acts at the Nth time the point is reached (default 1). Unset, it costs
/// one dictionary lookup.
///
/// A test hook, fenced: only debug builds (the ones `swift test` runs end to end) compile the
/// reading of `HUBDOCTOR_FAULT` in (`HUBDOCTOR_FAULT_INJECTION`, defined in Package.swift for the
/// debug configuration). A release build, the one `scripts/package` ships, never reads it.
public struct FaultInjection: Sendable {
    /// In the order a run passes them: the journal is written first, then each temporary file
    /// and backup, then the side files.
    public enum Point: String, Sendable, CaseIterable {
        case afterJournal = "after-journal"
        case afterTempWrite = "after-temp-write"
        case afterBackup = "after-backup"
        case afterSideFile = "after-side-file"
        case beforeRename = "before-rename"
        case afterRename = "after-rename"
        case afterCommit = "after-commit"
        case afterRestore = "after-restore"
    }

    public enum Action: String, Sendable { case kill, fail, stop }

    struct Fault: Sendable {
        var point: Point
        var action: Action
        var occurrence: Int
    }

    let faults: [Fault]
    private let counter = Counter()

    public static let none = FaultInjection(faults: [])

    init(faults: [Fault]) {
        self.faults = faults
    }

    /// Reads `HUBDOCTOR_FAULT`. `after-first-rename` is accepted for `after-rename@1`.
    public static func from(environment: [String: String]) -> FaultInjection {
        #if HUBDOCTOR_FAULT_INJECTION
        guard let specs = environment["HUBDOCTOR_FAULT"], !specs.isEmpty else { return .none }
        return FaultInjection(faults: specs.split(separator: ",").compactMap { part in
            var spec = String(part)
            var action = Action.kill
            if let colon = spec.firstIndex(of: ":"), let a = Action(rawValue: String(spec[..<colon])) {
                action = a
                spec = String(spec[spec.index(after: colon)...])
            }
            var occurrence = 1
            if let at = spec.firstIndex(of: "@") {
                occurrence = Int(spec[spec.index(after: at)...]) ?? 1
                spec = String(spec[..<at])
            }
            if spec == "after-first-rename" { spec = Point.afterRename.rawValue }
            return Point(rawValue: spec).map { Fault(point: $0, action: action, occurrence: occurrence) }
        })
        #else
        return .none
        #endif
    }

    /// Called by the writer as it passes `p`.
    func reach(_ p: Point, display: String) throws {
        guard faults.contains(where: { $0.point == p }) else { return }
        let n = counter.increment(p)
        guard let fault = faults.first(where: { $0.point == p && $0.occurrence == n }) else { return }
        switch fault.action {
        case .kill:
            kill(getpid(), SIGKILL)
        case .stop:
            kill(getpid(), SIGSTOP)
        case .fail:
            throw HubdoctorError(.io, "injected failure at \(p.rawValue) (HUBDOCTOR_FAULT)", location: display)
        }
    }

    private final class Counter: Sendable {
        private let counts = Mutex<[Point: Int]>([:])

        func increment(_ p: Point) -> Int {
            counts.withLock { counts in
                counts[p, default: 0] += 1
                return counts[p, default: 0]
            }
        }
    }
}
