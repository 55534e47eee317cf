extension TextStyle {
    /// A diff's added line.
    public func added(_ s: String) -> String { paint(s, "32") }
    /// A diff's removed line.
    public func removed(_ s: String) -> String { paint(s, "31") }
}
