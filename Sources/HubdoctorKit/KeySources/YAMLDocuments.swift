import Foundation
import Yams

/// A YAML file as hubdoctor reads it: every document as a Yams node tree, or the place and reason
/// it does not parse. Scalars are read as their source text (`Node.Scalar.string`), never through
/// YAML 1.1 type resolution, so `yes`, `0123` and `1e3` stay the strings that were written.
struct YAMLDocuments {
    var nodes: [Node]

    struct Failure: Error, Equatable, Sendable {
        var line: Int
        var column: Int
        var reason: String
    }

    static func parse(_ bytes: [UInt8]) -> Result<YAMLDocuments, Failure> {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            let (line, column) = position(ofFirstInvalidUTF8In: bytes)
            return .failure(Failure(line: line, column: column, reason: "is not valid UTF-8"))
        }
        if let key = YAMLAliasGuard.aliasKey(in: text) {
            return .failure(Failure(line: key.line, column: key.column,
                                    reason: "uses an alias as a mapping key; hubdoctor refuses it because hashing an aliased key grows " +
                                        "exponentially (a YAML alias bomb)"))
        }
        do {
            var sequence = try Yams.compose_all(yaml: text)
            var nodes: [Node] = []
            while let node = sequence.next() { nodes.append(node) }
            // YamlSequence ends quietly on an error and keeps it: without this check a broken
            // document would read as a shorter file.
            if let error = sequence.error { return .failure(failure(from: error, text: text)) }
            return .success(YAMLDocuments(nodes: nodes))
        } catch {
            return .failure(failure(from: error, text: text))
        }
    }

    /// Yams' own descriptions quote the offending line, which may hold a key: build the message
    /// from libyaml's problem text and the mark only.
    static func failure(from error: Error, text: String) -> Failure {
        guard let error = error as? YamlError else {
            return Failure(line: 1, column: 1, reason: "does not parse as YAML")
        }
        func context(_ c: YamlError.Context?) -> String {
            guard let c else { return "" }
            return " (\(c.text) started at line \(c.mark.line))"
        }
        switch error {
        case let .scanner(c, problem, mark, _), let .parser(c, problem, mark, _), let .composer(c, problem, mark, _):
            return Failure(line: mark.line, column: mark.column, reason: "invalid YAML: \(problem)\(context(c))")
        case let .reader(problem, offset, _, _):
            let (line, column) = position(ofByte: offset ?? 0, in: Array(text.utf8))
            return Failure(line: line, column: column, reason: "invalid YAML: \(problem)")
        case let .duplicatedKeysInMapping(duplicates, c):
            return Failure(line: c.mark.line, column: c.mark.column,
                           reason: "invalid YAML: duplicate key \(duplicates.joined(separator: ", ")) in one mapping")
        case .memory:
            return Failure(line: 1, column: 1, reason: "is too large for the YAML parser's memory")
        default:
            return Failure(line: 1, column: 1, reason: "does not parse as YAML")
        }
    }

    static func position(ofByte offset: Int, in bytes: [UInt8]) -> (Int, Int) {
        let upTo = bytes.prefix(max(0, min(offset, bytes.count)))
        let line = upTo.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
        let lineStart = upTo.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
        let column = String(decoding: bytes[lineStart..<upTo.count], as: UTF8.self).unicodeScalars.count + 1
        return (line, column)
    }

    static func position(ofFirstInvalidUTF8In bytes: [UInt8]) -> (Int, Int) {
        var offset = 0
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        loop: while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): offset += encoded.count
            case .emptyInput: break loop
            case .error: break loop
            }
        }
        return position(ofByte: offset, in: bytes)
    }
}

/// Reading a node tree without walking it: every helper looks one level down, so an aliased
/// subtree (shared, not copied, by Yams) costs no more than what is written in the file.
extension Node {
    /// The value of `key` in a mapping, compared by source text (a key `yes` is the string "yes").
    func child(_ key: String) -> Node? {
        pair(key)?.value
    }

    /// The key node of `key` in a mapping, for its line.
    func keyNode(_ key: String) -> Node? {
        pair(key)?.key
    }

    private func pair(_ key: String) -> (key: Node, value: Node)? {
        guard case .mapping(let m) = self else { return nil }
        var found: (key: Node, value: Node)? = nil
        for p in m where p.key.scalar?.string == key { found = p }
        return found
    }

    /// A scalar's source text; nil for a mapping or a sequence.
    var text: String? { scalar?.string }

    /// A plain scalar that YAML reads as null (`~`, `null`, nothing): Kubernetes and most
    /// programs see no value there.
    var isNull: Bool {
        guard case .scalar(let s) = self, s.style == .plain else { return false }
        return null != nil
    }

    var line: Int? { mark?.line }

    var kindName: String {
        switch self {
        case .scalar: return "a string"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}
