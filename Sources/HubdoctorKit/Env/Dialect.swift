/// The `.env` readers hubdoctor reproduces. Each reads the same line its own way.
public enum Dialect: String, CaseIterable, Codable, Sendable {
    /// dotenv `parse` followed by dotenv-expand, in `@next/env`'s load order: Core under `pnpm dev`.
    case next
    /// dotenv `parse` alone: Node services that call `dotenv.config()`.
    case dotenv
    /// joho/godotenv v1.5: the Go Hub run natively.
    case godotenv
    /// compose-go's dotenv reader: `docker compose` env files and the project `.env`.
    case compose

    public var readerName: String {
        switch self {
        case .next: return "Next.js (@next/env: dotenv + dotenv-expand)"
        case .dotenv: return "dotenv (Node)"
        case .godotenv: return "godotenv (Go)"
        case .compose: return "Docker Compose (compose-go)"
        }
    }

    public func parse(_ bytes: [UInt8], lookup: [String: String] = [:]) -> EnvDocument {
        switch self {
        case .next:
            let raw = DotenvJSParser.parse(bytes)
            return DotenvExpand.expand(raw, processEnv: lookup)
        case .dotenv:
            return DotenvJSParser.parse(bytes)
        case .godotenv:
            return GodotenvParser.parse(bytes)
        case .compose:
            return ComposeEnvParser.parse(bytes, lookup: lookup)
        }
    }
}

/// One definition in an env file, as its reader delivers it.
public struct EnvEntry: Sendable, Equatable {
    public var name: String
    public var value: SecretValue
    /// 1-based line of the variable's name.
    public var line: Int

    public init(name: String, value: SecretValue, line: Int) {
        self.name = name
        self.value = value
        self.line = line
    }
}

/// Why a reader refused a whole file, or why hubdoctor stopped reading it (`isLimit`: the file
/// would take more memory or time than hubdoctor allows). `reason` never quotes the file's text:
/// it may hold a key.
public struct EnvParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var reason: String
    public var isLimit: Bool

    public init(line: Int, reason: String, isLimit: Bool = false) {
        self.line = line
        self.reason = reason
        self.isLimit = isLimit
    }

    public var description: String { "line \(line): \(reason)" }

    /// One sentence for a finding: who refuses the file and why.
    public func sentence(reader: String) -> String {
        isLimit ? "hubdoctor cannot read this file as \(reader) does: \(reason)" : "\(reader) refuses this file: \(reason)"
    }

    /// A variable name as reasons show it: names are not secret, but one can be a megabyte long.
    static func shown(_ name: String) -> String {
        name.unicodeScalars.count <= 64 ? name : String(String.UnicodeScalarView(name.unicodeScalars.prefix(60))) + "…"
    }
}

/// A file as one reader reads it: its definitions in order (a later duplicate wins), or the
/// refusal of the whole file.
public struct EnvDocument: Sendable, Equatable {
    public var dialect: Dialect
    public var entries: [EnvEntry]
    public var error: EnvParseError?

    public init(dialect: Dialect, entries: [EnvEntry], error: EnvParseError? = nil) {
        self.dialect = dialect
        self.entries = entries
        self.error = error
    }

    /// What the reader delivers for `name`: nil when absent or when the file is refused.
    public func value(of name: String) -> EnvEntry? {
        guard error == nil else { return nil }
        return entries.last { $0.name == name }
    }

    /// Variable names in first-definition order, each with its delivered (last) definition.
    public var variables: [EnvEntry] {
        guard error == nil else { return [] }
        var position: [String: Int] = [:]
        position.reserveCapacity(entries.count)
        var out: [EnvEntry] = []
        out.reserveCapacity(entries.count)
        for e in entries {
            if let i = position[e.name] {
                out[i] = e
            } else {
                position[e.name] = out.count
                out.append(e)
            }
        }
        return out
    }
}
