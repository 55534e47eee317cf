/// Loads a variable from a list of `.env` files the way each reader's loader does it:
/// which files count, in what order, and who wins.
struct EnvLoader {
    let resolver: SourceResolver

    struct LoadedFile {
        var origin: Origin
        var document: EnvDocument?
        var problem: SourceProblem?
        /// In a SOPS dotenv file that cannot be decrypted: the variables left empty, which SOPS
        /// never encrypts, with their lines.
        var visibleEmpty: [String: Int] = [:]
    }

    /// Reads `name` from `files` (highest priority first) with `dialect`.
    func read(files: [String], name: String, dialect: Dialect, source: KeySource) -> KeyReading {
        var reading = KeyReading(source: source)
        let loaded = load(files: files, dialect: dialect)
        reading.considered = loaded.map(\.origin)
        let existing = loaded.filter { !($0.problem?.isMissingFile ?? false) }
        if existing.isEmpty {
            let list = loaded.map(\.origin.display).joined(separator: ", ")
            let origin = loaded.first?.origin ?? Origin(display: list)
            reading.problems.append(SourceProblem(origin: origin, reason: loaded.count > 1 ? "none of \(list) exists" : "no such file", isMissingFile: true))
            return reading
        }
        var definitions: [Definition] = []
        for file in loaded {
            if let problem = file.problem, !problem.isMissingFile {
                reading.problems.append(problem)
                if let line = file.visibleEmpty[name], definitions.isEmpty, !reading.knownEmpty {
                    reading.knownEmpty = true
                    reading.origin = YAMLSource.originAt(file.origin, line)
                }
                continue
            }
            guard let doc = file.document else { continue }
            if let error = doc.error {
                var origin = file.origin
                origin.line = error.line
                reading.problems.append(SourceProblem(origin: origin, reason: error.sentence(reader: dialect.readerName)))
                if dialect == .godotenv {
                    // godotenv.Load stops at the first file it cannot parse: later files are not read.
                    reading.notes.append("godotenv stops at \(file.origin.display): the files after it are not loaded either")
                    break
                }
                continue
            }
            // Within one file the last definition is the one delivered; earlier ones lost.
            for entry in doc.entries where entry.name == name {
                var origin = file.origin
                origin.line = entry.line
                definitions.append(Definition(origin: origin, value: entry.value))
            }
        }
        // Across files the first file that defines the name wins; within it, its last definition.
        if let firstFile = definitions.first?.origin.path, let winner = definitions.last(where: { $0.origin.path == firstFile }) {
            reading.value = winner.value
            reading.origin = winner.origin
            reading.shadowed = definitions.filter { $0 != winner }
            let losingFiles = Set(reading.shadowed.compactMap(\.origin.path)).subtracting([firstFile])
            if !losingFiles.isEmpty {
                let others = loaded.filter { losingFiles.contains($0.origin.path ?? "") }.map(\.origin.display)
                reading.notes.append("\(winner.origin.display) wins over \(others.joined(separator: ", ")) (\(precedenceRule(dialect)))")
            }
            if reading.shadowed.contains(where: { $0.origin.path == firstFile }) {
                reading.notes.append("\(name) is defined more than once in \(winner.origin.display); the last definition (line \(winner.origin.line ?? 0)) is the one read")
            }
        }
        return reading
    }

    private func precedenceRule(_ dialect: Dialect) -> String {
        switch dialect {
        case .next: return "@next/env loads .env.local before .env and the first definition wins"
        case .godotenv: return "godotenv.Load never overrides a variable already set"
        case .dotenv: return "dotenv.config does not override a variable already set"
        case .compose: return "the first file listed wins"
        }
    }

    /// Reads and parses each file. For `next`, expansion runs across the files in priority order
    /// (a higher-priority file's variables are in `process.env` when the next file is expanded).
    func load(files: [String], dialect: Dialect) -> [LoadedFile] {
        var env: [String: String] = [:]
        return files.map { file in
            let path = resolver.absolute(file)
            let origin = Origin(display: resolver.display(path), path: path, dialect: dialect)
            switch SourceFile.read(path, display: origin.display) {
            case .failure(let problem):
                return LoadedFile(origin: origin, document: nil, problem: problem)
            case .success(let bytes):
                if let metadata = Sops.metadata(dotenv: bytes), metadata.encrypted {
                    return loadEncrypted(bytes, metadata: metadata, origin: origin, dialect: dialect)
                }
                let doc: EnvDocument
                if dialect == .next {
                    doc = DotenvExpand.expand(DotenvJSParser.parse(bytes), processEnv: &env)
                } else {
                    doc = dialect.parse(bytes)
                }
                return LoadedFile(origin: origin, document: doc, problem: nil)
            }
        }
    }

    /// A SOPS-encrypted dotenv file: decrypted with sops (its values are then exactly what sops
    /// delivers, whatever the reader); lines come from the encrypted file, where names stay visible.
    func loadEncrypted(_ bytes: [UInt8], metadata: Sops.Metadata, origin: Origin, dialect: Dialect) -> LoadedFile {
        var lines: [String: Int] = [:]
        var empty: [String: Int] = [:]
        for (index, raw) in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            let text = String(decoding: raw, as: UTF8.self)
            guard !text.hasPrefix("sops_"), !text.hasPrefix("#"), let eq = text.firstIndex(of: "=") else { continue }
            let name = String(text[..<eq])
            lines[name] = index + 1
            if text[text.index(after: eq)...].trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { empty[name] = index + 1 }
        }
        let path = origin.path ?? origin.display
        let decrypted = resolver.cache.decryption(of: path) {
            Sops.decrypt(path: path, display: origin.display, format: .dotenv, multiDocument: false,
                         metadata: metadata, origin: origin, resolver: resolver)
        }
        switch decrypted.flatMap({ out in YAMLDocuments.parse(out).mapError { f in
            SourceProblem(cause: .sopsEncrypted, origin: origin, reason: "decrypts to output that does not parse (\(f.reason))") } }) {
        case .failure(let problem):
            return LoadedFile(origin: origin, document: nil, problem: problem, visibleEmpty: empty)
        case .success(let docs):
            var entries: [EnvEntry] = []
            if case .mapping(let m)? = docs.nodes.first {
                for pair in m {
                    guard let name = pair.key.text, let value = pair.value.text else { continue }
                    entries.append(EnvEntry(name: name, value: SecretValue(value), line: lines[name] ?? 1))
                }
            }
            return LoadedFile(origin: origin, document: EnvDocument(dialect: dialect, entries: entries), problem: nil)
        }
    }
}
