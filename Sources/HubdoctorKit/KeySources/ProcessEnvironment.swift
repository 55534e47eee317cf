import Foundation

/// A running process's environment, from `/proc/PID/environ`: what the process really holds,
/// which may be older than its files.
public enum ProcessEnvironment {
    public static func variables(pid: Int32) -> Result<[String: [UInt8]], SourceProblem> {
        let path = "/proc/\(pid)/environ"
        let origin = Origin(display: "process \(pid)")
        guard FileManager.default.fileExists(atPath: "/proc/\(pid)") else {
            return .failure(SourceProblem(origin: origin, reason: "no process \(pid) is running (it exited, or the PID is wrong)"))
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            return .failure(SourceProblem(origin: origin, reason: "its environment cannot be read (it belongs to another user; run hubdoctor as that user)"))
        }
        defer { try? handle.close() }
        let bytes = [UInt8]((try? handle.readToEnd()) ?? Data())
        var vars: [String: [UInt8]] = [:]
        for entry in bytes.split(separator: 0, omittingEmptySubsequences: true) {
            guard let eq = entry.firstIndex(of: UInt8(ascii: "=")) else { continue }
            let name = String(decoding: entry[entry.startIndex..<eq], as: UTF8.self)
            // The first definition is the one getenv() returns.
            if vars[name] == nil { vars[name] = Array(entry[(eq + 1)...]) }
        }
        return .success(vars)
    }

    static func read(pid: Int32, name: String, source: KeySource) -> KeyReading {
        var r = KeyReading(source: source)
        let origin = Origin(display: "process \(pid)")
        r.considered = [origin]
        switch variables(pid: pid) {
        case .failure(let p):
            r.problems.append(p)
        case .success(let vars):
            if let v = vars[name] {
                r.value = SecretValue(bytes: v)
                r.origin = origin
            }
        }
        return r
    }
}
