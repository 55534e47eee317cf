/// Tracks which quotes a shell would be inside at each point of a command, so that a value can
/// be escaped for exactly that spot.
struct ShellQuoting {
    enum State { case bare, single, double }

    private(set) var state = State.bare
    private var escaped = false

    mutating func advance(over text: String) {
        for c in text.unicodeScalars {
            if escaped {
                escaped = false
                continue
            }
            switch (state, c) {
            case (.bare, "\\"), (.double, "\\"): escaped = true
            case (.bare, "'"): state = .single
            case (.bare, "\""): state = .double
            case (.single, "'"), (.double, "\""): state = .bare
            default: break
            }
        }
    }

    func quote(_ value: String) -> String {
        switch state {
        case .single:
            return value.replacingOccurrences(of: "'", with: "'\\''")
        case .double:
            var out = ""
            for c in value.unicodeScalars {
                if c == "\\" || c == "\"" || c == "$" || c == "`" { out += "\\" }
                out.unicodeScalars.append(c)
            }
            return out
        case .bare:
            return ShellWord.quote(value)
        }
    }
}
