/// A runbook text with slots filled from a finding's facts: `Edit {{caller.file}}`.
///
/// A slot lists alternatives, tried left to right: variable names, and quoted literals that
/// end the search (`{{caller.line|"the line that defines it"}}`). A literal `{{` is written
/// `{{"{{"}}`. When no alternative has a value, the template does not render at all: a blank
/// in a step would send the reader to the wrong place, so the step is left out instead.
public struct StepTemplate: Sendable, Equatable, CustomStringConvertible {
    public enum Alternative: Sendable, Equatable {
        case variable(String)
        case literal(String)
    }

    public enum Piece: Sendable, Equatable {
        case text(String)
        /// `offset` counts Unicode scalars from the start of the template, for error positions;
        /// `source` is the slot as written, `{{` to `}}`.
        case slot([Alternative], offset: Int, source: String)
    }

    /// Where a text ends up: shown to a reader, or pasted into a shell.
    public enum Context: Sendable {
        case prose
        case shell
    }

    public struct SyntaxError: Error, Sendable, Equatable {
        public var offset: Int
        public var message: String
    }

    public let source: String
    public let pieces: [Piece]

    public var description: String { source }

    public init(parsing source: String) throws {
        self.source = source
        self.pieces = try Self.parse(source)
    }

    /// The text with every slot filled, or nil when a slot has no value. In a shell command a
    /// value is quoted for where it lands (bare, in single or in double quotes), so a path with
    /// a space or a URL with `&` stays one word; `raw` names values that are commands themselves.
    public func render(_ values: [String: String], context: Context = .prose, raw: Set<String> = []) -> String? {
        var out = ""
        var quoting = ShellQuoting()
        for piece in pieces {
            switch piece {
            case .text(let text):
                out += text
                if context == .shell { quoting.advance(over: text) }
            case .slot(let alternatives, _, _):
                guard let (value, isVariable, name) = Self.resolve(alternatives, values) else { return nil }
                if context == .shell, isVariable, !raw.contains(name) {
                    out += quoting.quote(value)
                } else {
                    out += value
                }
            }
        }
        return out
    }

    /// The text with each slot shown by its first variable as `<name>`, for reading a runbook
    /// without a finding (`runbook show`, `explain`).
    public var placeholderText: String {
        pieces.map { piece -> String in
            switch piece {
            case .text(let text): return text
            case .slot(let alternatives, _, _):
                for alt in alternatives {
                    switch alt {
                    case .variable(let name): return "<\(name)>"
                    case .literal(let text): return text
                    }
                }
                return ""
            }
        }.joined()
    }

    static func resolve(_ alternatives: [Alternative], _ values: [String: String]) -> (String, Bool, String)? {
        for alt in alternatives {
            switch alt {
            case .variable(let name):
                if let v = values[name], !v.isEmpty { return (v, true, name) }
            case .literal(let text):
                return (text, false, "")
            }
        }
        return nil
    }

    static func parse(_ source: String) throws -> [Piece] {
        let scalars = Array(source.unicodeScalars)
        var pieces: [Piece] = []
        var text = String.UnicodeScalarView()
        var i = 0
        func at(_ k: Int, _ c: Unicode.Scalar) -> Bool { k < scalars.count && scalars[k] == c }
        while i < scalars.count {
            guard at(i, "{"), at(i + 1, "{") else {
                text.append(scalars[i])
                i += 1
                continue
            }
            let start = i
            i += 2
            var alternatives: [Alternative] = []
            while true {
                while i < scalars.count, scalars[i] == " " { i += 1 }
                guard i < scalars.count else {
                    throw SyntaxError(offset: start, message: "`{{` is never closed with `}}`")
                }
                if scalars[i] == "\"" || scalars[i] == "'" {
                    let quote = scalars[i]
                    var literal = String.UnicodeScalarView()
                    i += 1
                    while i < scalars.count, scalars[i] != quote {
                        if scalars[i] == "\\", i + 1 < scalars.count { i += 1 }
                        literal.append(scalars[i])
                        i += 1
                    }
                    guard i < scalars.count else {
                        throw SyntaxError(offset: start, message: "a quoted text in `{{ }}` is never closed")
                    }
                    i += 1
                    alternatives.append(.literal(String(literal)))
                } else {
                    var name = String.UnicodeScalarView()
                    while i < scalars.count, Self.isNameScalar(scalars[i]) {
                        name.append(scalars[i])
                        i += 1
                    }
                    let word = String(name)
                    guard Self.isValidName(word) else {
                        let found = i < scalars.count ? "`\(scalars[i])`" : "the end"
                        throw SyntaxError(offset: start, message: word.isEmpty
                            ? "expected a variable name or a quoted text in `{{ }}`, found \(found)"
                            : "`\(word)` is not a variable name (lower case words joined by `.` or `_`)")
                    }
                    alternatives.append(.variable(word))
                }
                while i < scalars.count, scalars[i] == " " { i += 1 }
                if at(i, "|") {
                    i += 1
                    continue
                }
                if at(i, "}"), at(i + 1, "}") {
                    i += 2
                    break
                }
                guard i < scalars.count else {
                    throw SyntaxError(offset: start, message: "`{{` is never closed with `}}`")
                }
                throw SyntaxError(offset: start, message: "`{{` is not closed: expected `|` or `}}` after the name, found `\(scalars[i])`")
            }
            if alternatives.dropLast().contains(where: { if case .literal = $0 { return true }; return false }) {
                throw SyntaxError(offset: start, message: "a quoted text ends the alternatives: put it last")
            }
            if !text.isEmpty {
                pieces.append(.text(String(text)))
                text = String.UnicodeScalarView()
            }
            var slot = String.UnicodeScalarView()
            slot.append(contentsOf: scalars[start..<i])
            pieces.append(.slot(alternatives, offset: start, source: String(slot)))
        }
        if !text.isEmpty { pieces.append(.text(String(text))) }
        return pieces
    }

    static func isNameScalar(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("0"..."9").contains(c) || c == "_" || c == "." || ("A"..."Z").contains(c)
    }

    /// Fact names are lower case so that a runbook cannot depend on how someone capitalised one.
    static func isValidName(_ word: String) -> Bool {
        guard let first = word.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
        return word.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { part in
            !part.isEmpty && part.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
        }
    }
}
