/// Removes known keys from text: every occurrence of a key, and every run of `window` or more
/// characters of one (a key cut by a column limit, split by a comment, or quoted in part). A key
/// shorter than `window` is removed where it occurs whole. Each removed span becomes one mark.
///
/// It looks for the keys' text, not for what a key looks like: `LogMasker` does that for keys
/// nobody told hubdoctor about. Applied first, so that the shape-based masking never has to
/// guess about a key the run knows.
public struct KeyScrubber: Sendable {
    /// The length of the shortest fragment of a key that is removed wherever it stands.
    public static let window = 10
    /// Shorter keys would also match ordinary words; keys that short are flagged as placeholders.
    public static let minimumLength = 6
    public static let mark = "‹redacted›"

    /// Fragments of `window` scalars of every key, by hash; colliding hashes are compared in full.
    private let windows: [UInt64: [[Unicode.Scalar]]]
    /// Keys shorter than `window`, longest first.
    private let shortKeys: [[Unicode.Scalar]]
    private let keys: [String]

    public static let empty = KeyScrubber(keys: [String]())

    public init(_ values: [SecretValue]) {
        self.init(keys: values.map(\.text))
    }

    public init(keys: [String]) {
        var windows: [UInt64: [[Unicode.Scalar]]] = [:]
        var short = Set<[Unicode.Scalar]>()
        for key in keys {
            let s = Array(key.unicodeScalars)
            guard s.count >= Self.minimumLength else { continue }
            guard s.count >= Self.window else {
                short.insert(s)
                continue
            }
            for start in 0...(s.count - Self.window) {
                let w = Array(s[start..<(start + Self.window)])
                let h = Self.hash(w[...])
                if !(windows[h]?.contains(w) ?? false) { windows[h, default: []].append(w) }
            }
        }
        self.windows = windows
        self.keys = keys.filter { $0.unicodeScalars.count >= Self.minimumLength }
        shortKeys = short.sorted { $0.count > $1.count }
    }

    public var isEmpty: Bool { windows.isEmpty && shortKeys.isEmpty }

    static let base: UInt64 = 1_000_003

    static func hash(_ w: ArraySlice<Unicode.Scalar>) -> UInt64 {
        var h: UInt64 = 0
        for c in w { h = h &* base &+ UInt64(c.value) }
        return h
    }

    /// `base` to the power `window - 1`, to drop the first scalar from a rolling hash.
    static let highPower: UInt64 = {
        var p: UInt64 = 1
        for _ in 1..<window { p = p &* base }
        return p
    }()

    /// `text` with every known key, and every run of `window` characters of one, replaced by `mark`.
    public func scrub(_ text: String) -> String {
        guard !isEmpty else { return text }
        let s = Array(text.unicodeScalars)
        var covered = [Bool](repeating: false, count: s.count)
        var any = false
        if !windows.isEmpty, s.count >= Self.window {
            var h = Self.hash(s[0..<Self.window])
            var i = 0
            while true {
                if let candidates = windows[h], candidates.contains(where: { $0.elementsEqual(s[i..<(i + Self.window)]) }) {
                    for k in i..<(i + Self.window) { covered[k] = true }
                    any = true
                }
                guard i + Self.window < s.count else { break }
                h = (h &- UInt64(s[i].value) &* Self.highPower) &* Self.base &+ UInt64(s[i + Self.window].value)
                i += 1
            }
        }
        for key in shortKeys where s.count >= key.count {
            var i = 0
            while i + key.count <= s.count {
                if s[i] == key[0], s[i..<(i + key.count)].elementsEqual(key) {
                    for k in i..<(i + key.count) { covered[k] = true }
                    any = true
                    i += key.count
                } else {
                    i += 1
                }
            }
        }
        guard any else { return text }
        var out = String.UnicodeScalarView()
        var i = 0
        while i < s.count {
            if covered[i] {
                out.append(contentsOf: Self.mark.unicodeScalars)
                while i < s.count, covered[i] { i += 1 }
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return String(out)
    }

    /// This scrubber's keys and `values` together.
    public func adding(_ values: [SecretValue]) -> KeyScrubber {
        guard !values.isEmpty else { return self }
        return KeyScrubber(keys: keys + values.map(\.text))
    }
}
