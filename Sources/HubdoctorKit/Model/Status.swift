/// How a check ended. Ordered by severity so that the worst status of a group is its `max()`.
public enum Status: String, Codable, Sendable, Comparable, CaseIterable {
    case pass, skip, warn, fail

    private var rank: Int {
        switch self {
        case .pass: return 0
        case .skip: return 1
        case .warn: return 2
        case .fail: return 3
        }
    }

    public static func < (lhs: Status, rhs: Status) -> Bool { lhs.rank < rhs.rank }
}

/// `--fail-on`: the lowest status that makes the exit code 1.
public enum FailThreshold: String, Codable, Sendable, CaseIterable {
    case error, warning

    public func trips(_ status: Status) -> Bool {
        switch self {
        case .error: return status == .fail
        case .warning: return status == .fail || status == .warn
        }
    }
}
