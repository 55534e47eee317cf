/// Finds an alias used as a mapping key before Yams sees the file. Yams checks every mapping for
/// duplicate keys by hashing them, and hashing an alias hashes the whole aliased tree: nested
/// aliases (`b: &b [*a, *a, …]`) make that exponential, a "billion laughs" that hangs the process.
/// Aliases used as values are harmless (Yams shares them), and no real configuration uses an
/// alias as a key, so refusing exactly that keeps every legitimate file readable.
enum YAMLAliasGuard {
    static func aliasKey(in text: String) -> (line: Int, column: Int)? {
        var quote: Unicode.Scalar? = nil
        var blockParentIndent: Int? = nil
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let chars = Array(rawLine.unicodeScalars)
            let indent = chars.prefix { $0 == " " }.count
            let blank = chars.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\r" }
            if let parent = blockParentIndent, quote == nil {
                if blank || indent > parent { continue }
                blockParentIndent = nil
            }
            var i = 0
            var previous: Unicode.Scalar = " "
            var explicitKey = false
            while i < chars.count {
                let c = chars[i]
                if let q = quote {
                    if q == "\"", c == "\\" { i += 2; continue }
                    if c == q {
                        if q == "'", i + 1 < chars.count, chars[i + 1] == "'" { i += 2; continue }
                        quote = nil
                    }
                    previous = c
                    i += 1
                    continue
                }
                let atTokenStart = previous == " " || previous == "\t" || previous == "[" || previous == "{" || previous == ","
                if c == "#", atTokenStart { break }
                if atTokenStart, c == "\"" || c == "'" { quote = c; previous = c; i += 1; continue }
                if atTokenStart, c == "?", i + 1 == chars.count || chars[i + 1] == " " { explicitKey = true }
                if atTokenStart, c == "|" || c == ">", chars[(i + 1)...].allSatisfy({ "+-0123456789 \t\r".unicodeScalars.contains($0) }) {
                    blockParentIndent = indent
                    break
                }
                if atTokenStart, c == "*" {
                    var j = i + 1
                    while j < chars.count, isAnchorChar(chars[j]) { j += 1 }
                    if j > i + 1 {
                        var k = j
                        while k < chars.count, chars[k] == " " || chars[k] == "\t" { k += 1 }
                        let colonFollows = k < chars.count && chars[k] == ":"
                            && (k + 1 == chars.count || [" ", "\t", "\r", ",", "}", "]"].contains(chars[k + 1]))
                        if colonFollows || explicitKey { return (index + 1, i + 1) }
                    }
                    i = j
                    previous = "x"
                    continue
                }
                if c != " " && c != "-" && c != "?" { explicitKey = false }
                previous = c
                i += 1
            }
        }
        return nil
    }

    /// libyaml's anchor characters: letters, digits, `-` and `_`.
    static func isAnchorChar(_ c: Unicode.Scalar) -> Bool {
        c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "-" || c == "_"
    }
}
