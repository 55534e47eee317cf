/// A duration as hubdoctor writes it in messages: `3 s`, `1.5 s`.
public enum Seconds {
    public static func text(_ s: Double) -> String {
        guard s.isFinite, abs(s) < 1e12 else { return "\(s) s" }
        return s == s.rounded() ? "\(Int(s)) s" : String(format: "%.1f s", s)
    }
}

/// The one rule for every duration a flag takes: a finite number inside its range. `nan` fails
/// every comparison and `inf` passes `>= 0`, so both are named explicitly rather than left to
/// whichever comparison a command happened to write.
public struct DurationLimit: Sendable {
    public var flag: String
    public var allowsZero: Bool
    public var maximum: Double

    public init(flag: String, allowsZero: Bool, maximum: Double) {
        self.flag = flag
        self.allowsZero = allowsZero
        self.maximum = maximum
    }

    public static func timeout(_ flag: String = "--timeout") -> DurationLimit { DurationLimit(flag: flag, allowsZero: false, maximum: 600) }
    public static func wait(_ flag: String = "--wait") -> DurationLimit { DurationLimit(flag: flag, allowsZero: true, maximum: 86_400) }

    /// Why `value` is refused, or nil when it is fine.
    public func problem(_ value: Double) -> String? {
        let range = "\(allowsZero ? "from 0" : "above 0") up to \(Seconds.text(maximum))"
        guard value.isFinite else { return "\(flag) must be a number of seconds \(range), not \(value)" }
        if value < 0 || (!allowsZero && value == 0) || value > maximum {
            return "\(flag) must be a number of seconds \(range), not \(Seconds.text(value))"
        }
        return nil
    }
}
