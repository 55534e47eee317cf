/// A duration as hubdoctor writes it in messages: `3 s`, `1.5 s`.
public enum Seconds {
    public static func text(_ s: Double) -> String {
        guard s.isFinite, abs(s) < 1e12 else { return "\(s) s" }
        return s == s.rounded() ? "\(Int(s)) s" : String(format: "%.1f s", s)
    }
}
