/// Removes known keys from text: every occurrence of a key, and every run of `window` or more
/// characters of one (a key cut by a column limit, split by a comment, or quoted in part). A key
/// shorter than `window` is removed where it occurs whole. Each removed span becomes one mark.
///
/// A service that echoes a key rarely echoes it as sent: it may base64 it (standard or URL-safe
/// alphabet), percent-encode it, escape it as a JSON string (`\u0068`, `\/`) or as XML
/// (`&#104;`, `&amp;`), and the report's own format escapes it once more. So the keys are also
/// looked for in their base64 forms (at each of the three byte alignments, so that a piece of a
/// key base64-encoded inside a longer text is found too), and the text is also read through each
/// decoding (and each pair of decodings) with every decoded character mapped back to the
/// characters it came from: whatever matches there is removed from the original text.
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

    /// Fragments of `window` scalars of every key and encoded form, by hash; colliding hashes
    /// are compared in full.
    private let windows: [UInt64: [[Unicode.Scalar]]]
    /// A bit per low 16 bits of every hash in `windows`: most positions of a text are ruled out
    /// without a dictionary look-up.
    private let filter: [UInt64]
    /// Keys and encoded forms shorter than `window`, longest first.
    private let shortKeys: [[Unicode.Scalar]]
    private let keys: [String]
    /// Every character of every key and form, and the escapes' own lead characters: an escape
    /// that decodes to anything else cannot be part of a match, and its text is not decoded.
    private let relevant: Set<Unicode.Scalar>

    public static let empty = KeyScrubber(keys: [String]())

    public init(_ values: [SecretValue]) {
        self.init(keys: values.map(\.text))
    }

    public init(keys: [String]) {
        var windows: [UInt64: [[Unicode.Scalar]]] = [:]
        var filter = [UInt64](repeating: 0, count: 1024)
        var short = Set<[Unicode.Scalar]>()
        func add(_ s: [Unicode.Scalar], publicPrefix: Int = 0) {
            guard s.count >= Self.minimumLength else { return }
            guard s.count >= Self.window else {
                short.insert(s)
                return
            }
            // Runs that lie inside a documented public prefix may be shown; none that reach past it.
            let first = s.count > publicPrefix ? max(0, publicPrefix - Self.window + 1) : 0
            for start in first...(s.count - Self.window) {
                let w = Array(s[start..<(start + Self.window)])
                let h = Self.hash(w[...])
                if !(windows[h]?.contains(w) ?? false) { windows[h, default: []].append(w) }
                filter[Int(h & 0xFFFF) >> 6] |= 1 << (h & 63)
            }
        }
        let kept = keys.filter { $0.unicodeScalars.count >= Self.minimumLength }
        for key in kept {
            add(Array(key.unicodeScalars), publicPrefix: Self.publicPrefixLength(key))
            for form in Self.base64Forms(key) { add(form) }
        }
        self.windows = windows
        self.filter = filter
        self.keys = kept
        var relevant = Set(DecodedView.Decoding.allCases.map(\.trigger))
        for w in windows.values.joined() { relevant.formUnion(w) }
        for k in short { relevant.formUnion(k) }
        self.relevant = relevant
        shortKeys = short.sorted { $0.count > $1.count }
    }

    public var isEmpty: Bool { windows.isEmpty && shortKeys.isEmpty }

    /// The length of the prefix that the key's token format documents as non-secret (Team Hub:
    /// `hbk_` and the next 8 characters), which the contract allows to be shown; 0 for others.
    static func publicPrefixLength(_ key: String) -> Int {
        key.hasPrefix("hbk_") && key.unicodeScalars.count > 12 ? 12 : 0
    }

    // MARK: Encoded forms

    static let standardAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".unicodeScalars)
    static let urlAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".unicodeScalars)

    /// The key's UTF-8 bytes in base64, standard and URL-safe, without padding: whole, and with
    /// the first one and two bytes dropped (the alignments a piece of the key can have inside a
    /// longer encoded text). Of the shifted forms only the characters that the key's bytes alone
    /// decide are kept: the last one depends on whatever follows.
    static func base64Forms(_ key: String) -> [[Unicode.Scalar]] {
        let bytes = Array(key.utf8)
        var out: [[Unicode.Scalar]] = []
        for alphabet in [standardAlphabet, urlAlphabet] {
            out.append(base64(bytes[...], alphabet, complete: true))
            for drop in 1...2 where bytes.count > drop {
                let form = base64(bytes.dropFirst(drop), alphabet, complete: false)
                if form.count >= window { out.append(form) }
            }
        }
        return out
    }

    /// `bytes` in base64 without padding. `complete`: the last group's bits are filled with
    /// zeros, as an encoder does at the end of its input; otherwise only the characters the
    /// bytes fully decide.
    static func base64(_ bytes: ArraySlice<UInt8>, _ alphabet: [Unicode.Scalar], complete: Bool) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        var i = bytes.startIndex
        while i + 2 < bytes.endIndex {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            for shift in [18, 12, 6, 0] { out.append(alphabet[Int((n >> UInt32(shift)) & 63)]) }
            i += 3
        }
        let rest = bytes.endIndex - i
        if rest > 0 {
            let n = UInt32(bytes[i]) << 16 | (rest == 2 ? UInt32(bytes[i + 1]) << 8 : 0)
            // One byte decides one character (and two more bits); two decide two (and four bits).
            let decided = complete ? rest + 1 : rest
            for shift in [18, 12, 6].prefix(decided) { out.append(alphabet[Int((n >> UInt32(shift)) & 63)]) }
        }
        return out
    }

    // MARK: Matching

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

    /// Calls `found` with the range of every window and short key that occurs in `s`.
    private func forEachMatch(_ s: [Unicode.Scalar], _ found: (Range<Int>) -> Void) {
        if !windows.isEmpty, s.count >= Self.window {
            var h = Self.hash(s[0..<Self.window])
            var i = 0
            while true {
                if filter[Int(h & 0xFFFF) >> 6] & (1 << (h & 63)) != 0, let candidates = windows[h],
                   candidates.contains(where: { $0.elementsEqual(s[i..<(i + Self.window)]) }) {
                    found(i..<(i + Self.window))
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
                    found(i..<(i + key.count))
                    i += key.count
                } else {
                    i += 1
                }
            }
        }
    }

    /// `text` with every known key, every run of `window` characters of one, and the same in
    /// every encoding above, replaced by `mark`.
    public func scrub(_ text: String) -> String {
        guard !isEmpty else { return text }
        let s = Array(text.unicodeScalars)
        var covered = [Bool](repeating: false, count: s.count)
        var any = false
        forEachMatch(s) { r in
            for k in r { covered[k] = true }
            any = true
        }
        for view in DecodedView.views(of: s, relevant: relevant) {
            forEachMatch(view.scalars) { r in
                for k in view.origin[r.lowerBound]..<view.origin[r.upperBound] { covered[k] = true }
                any = true
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
        let new = values.map(\.text).filter { !keys.contains($0) }
        guard !new.isEmpty else { return self }
        return KeyScrubber(keys: keys + new)
    }
}

/// A text as one decoding reads it, each decoded character tied to the characters it came from:
/// decoded character `i` was written as the original's `origin[i]..<origin[i + 1]`.
struct DecodedView {
    var scalars: [Unicode.Scalar] = []
    /// One more entry than `scalars`: the end of the last one.
    var origin: [Int] = []

    enum Decoding: CaseIterable {
        /// `%XX` (UTF-8 bytes; `%25XX` read as `%XX`, for text encoded twice).
        case percent
        /// The same, and `+` as a space (form encoding).
        case form
        /// JSON string escapes: `\uXXXX` (surrogate pairs too), `\/`, `\"`, `\n`…; a run of
        /// backslashes counts as one, for text escaped twice.
        case json
        /// XML character references and the five named entities; `&amp;#104;` read as `&#104;`.
        case xml

        var trigger: Unicode.Scalar {
            switch self {
            case .percent: return "%"
            case .form: return "+"
            case .json: return "\\"
            case .xml: return "&"
            }
        }
    }

    /// Every decoding of `s` that changes it, and every decoding of those (two layers: an echo
    /// that the service encoded, and that the report's format escaped again). Only the stretches
    /// around an escape are decoded: a match that holds no decoded character is the raw text's.
    static func views(of s: [Unicode.Scalar], relevant: Set<Unicode.Scalar>) -> [DecodedView] {
        var out: [DecodedView] = []
        for (first, stretches) in islands(in: s, relevant: relevant) {
            for island in stretches {
                guard var one = decode(Array(s[island]), first) else { continue }
                one.origin = one.origin.map { $0 + island.lowerBound }
                out.append(one)
                for second in Decoding.allCases where second != first && one.scalars.contains(second.trigger) {
                    guard var two = decode(one.scalars, second) else { continue }
                    two.origin = two.origin.map { one.origin[$0] }
                    out.append(two)
                }
            }
        }
        return out
    }

    /// How far from an escape a match can reach: a window of characters, each written at most
    /// this long (`%25F0%259F…`, `&amp;#1114111;`, `\\ud83d\\ude00`).
    static let reach = KeyScrubber.window * 24

    /// For each decoding, the stretches of `s` within `reach` of one of its escapes that decodes
    /// to a `relevant` character, merged where they meet (one pass over `s`). A stretch starts
    /// and ends where no relevant escape can be cut.
    static func islands(in s: [Unicode.Scalar], relevant: Set<Unicode.Scalar>) -> [(Decoding, [Range<Int>])] {
        var found: [Decoding: [Range<Int>]] = [:]
        var i = 0
        while i < s.count {
            let decodings: [Decoding]
            switch s[i] {
            case "%": decodings = [.percent, .form]
            case "+": decodings = [.form]
            case "\\": decodings = [.json]
            case "&": decodings = [.xml]
            default: i += 1; continue
            }
            for d in decodings {
                guard let (c, _) = decoded(s, at: i, d), relevant.contains(c) else { continue }
                let lo = max(0, i - reach), hi = min(s.count, i + reach + 1)
                var stretches = found[d, default: []]
                if let last = stretches.last, lo <= last.upperBound {
                    stretches[stretches.count - 1] = last.lowerBound..<hi
                } else {
                    stretches.append(lo..<hi)
                }
                found[d] = stretches
            }
            i += 1
        }
        return Decoding.allCases.compactMap { d in found[d].map { (d, $0) } }
    }

    /// `s` decoded, or nil when nothing in it was encoded.
    static func decode(_ s: [Unicode.Scalar], _ decoding: Decoding) -> DecodedView? {
        var view = DecodedView()
        view.scalars.reserveCapacity(s.count)
        view.origin.reserveCapacity(s.count + 1)
        var changed = false
        var i = 0
        while i < s.count {
            if let (scalar, next) = decoded(s, at: i, decoding) {
                view.scalars.append(scalar)
                view.origin.append(i)
                changed = true
                i = next
                continue
            }
            view.scalars.append(s[i])
            view.origin.append(i)
            i += 1
        }
        view.origin.append(s.count)
        return changed ? view : nil
    }

    /// The character encoded at `i`, and where the text goes on after it.
    static func decoded(_ s: [Unicode.Scalar], at i: Int, _ decoding: Decoding) -> (Unicode.Scalar, Int)? {
        switch decoding {
        case .percent, .form:
            if decoding == .form, s[i] == "+" { return (" ", i + 1) }
            return percent(s, at: i)
        case .json:
            return json(s, at: i)
        case .xml:
            return xml(s, at: i)
        }
    }

    static func hex(_ c: Unicode.Scalar) -> UInt32? {
        switch c.value {
        case 0x30...0x39: return c.value - 0x30
        case 0x41...0x46: return c.value - 0x41 + 10
        case 0x61...0x66: return c.value - 0x61 + 10
        default: return nil
        }
    }

    /// One `%XX` byte (after any `25`s) at `i`.
    static func percentByte(_ s: [Unicode.Scalar], at i: Int) -> (UInt8, Int)? {
        guard i < s.count, s[i] == "%" else { return nil }
        var j = i + 1
        while j + 3 < s.count, s[j] == "2", s[j + 1] == "5", hex(s[j + 2]) != nil, hex(s[j + 3]) != nil { j += 2 }
        guard j + 1 < s.count, let hi = hex(s[j]), let lo = hex(s[j + 1]) else { return nil }
        return (UInt8(hi << 4 | lo), j + 2)
    }

    /// A percent-encoded UTF-8 character at `i`: one byte, or a lead byte and its continuations
    /// (bytes that are not UTF-8 are left as written).
    static func percent(_ s: [Unicode.Scalar], at i: Int) -> (Unicode.Scalar, Int)? {
        guard let (lead, afterLead) = percentByte(s, at: i) else { return nil }
        let length: Int
        switch lead {
        case 0x00...0x7F: return (Unicode.Scalar(lead), afterLead)
        case 0xC2...0xDF: length = 2
        case 0xE0...0xEF: length = 3
        case 0xF0...0xF4: length = 4
        default: return nil
        }
        var bytes = [lead], next = afterLead
        while bytes.count < length {
            guard let (b, after) = percentByte(s, at: next), b & 0xC0 == 0x80 else { return nil }
            bytes.append(b)
            next = after
        }
        var decoded = String(decoding: bytes, as: UTF8.self).unicodeScalars.makeIterator()
        guard let scalar = decoded.next(), scalar != "\u{FFFD}" else { return nil }
        return (scalar, next)
    }

    /// A JSON escape at `i`, its backslash doubled any number of times.
    static func json(_ s: [Unicode.Scalar], at i: Int) -> (Unicode.Scalar, Int)? {
        guard s[i] == "\\" else { return nil }
        var j = i
        while j < s.count, s[j] == "\\" { j += 1 }
        guard j < s.count else { return ("\\", j) }
        func unit(at k: Int) -> UInt32? {
            guard k + 4 < s.count, s[k] == "u" else { return nil }
            var v: UInt32 = 0
            for d in s[(k + 1)...(k + 4)] {
                guard let x = hex(d) else { return nil }
                v = v << 4 | x
            }
            return v
        }
        if let u = unit(at: j) {
            var end = j + 5
            var value = u
            if (0xD800...0xDBFF).contains(u) {
                var k = end
                while k < s.count, s[k] == "\\" { k += 1 }
                guard k > end, let low = unit(at: k), (0xDC00...0xDFFF).contains(low) else { return nil }
                value = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00)
                end = k + 5
            }
            guard let scalar = Unicode.Scalar(value) else { return nil }
            return (scalar, end)
        }
        switch s[j] {
        case "\"", "/", "'": return (s[j], j + 1)
        case "n": return ("\n", j + 1)
        case "r": return ("\r", j + 1)
        case "t": return ("\t", j + 1)
        case "b": return ("\u{08}", j + 1)
        case "f": return ("\u{0C}", j + 1)
        // Backslashes before anything else stand for one literal backslash.
        default: return ("\\", j)
        }
    }

    static let entities: [(String, Unicode.Scalar)] = [("lt;", "<"), ("gt;", ">"), ("amp;", "&"), ("quot;", "\""), ("apos;", "'")]

    /// An XML character reference or named entity at `i`, its `&` written as `&amp;` any number
    /// of times.
    static func xml(_ s: [Unicode.Scalar], at i: Int) -> (Unicode.Scalar, Int)? {
        guard s[i] == "&" else { return nil }
        func has(_ word: String, at k: Int) -> Bool {
            let w = Array(word.unicodeScalars)
            return k + w.count <= s.count && s[k..<(k + w.count)].elementsEqual(w)
        }
        var j = i + 1
        // `&amp;` followed by another reference is that reference escaped once more.
        while has("amp;", at: j), j + 4 < s.count, s[j + 4] == "#" || entities.contains(where: { has($0.0, at: j + 4) }) { j += 4 }
        if j < s.count, s[j] == "#" {
            var k = j + 1
            let isHex = k < s.count && (s[k] == "x" || s[k] == "X")
            if isHex { k += 1 }
            var value: UInt32 = 0, digits = 0
            while k < s.count, s[k] != ";", digits < 8 {
                guard let d = isHex ? hex(s[k]) : (("0"..."9").contains(s[k]) ? s[k].value - 0x30 : nil) else { return nil }
                value = value * (isHex ? 16 : 10) + d
                digits += 1
                k += 1
            }
            guard digits > 0, k < s.count, s[k] == ";", let scalar = Unicode.Scalar(value) else { return nil }
            return (scalar, k + 1)
        }
        for (name, scalar) in entities where has(name, at: j) {
            return (scalar, j + name.unicodeScalars.count)
        }
        return nil
    }
}
