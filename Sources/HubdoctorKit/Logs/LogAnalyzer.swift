import Foundation

/// What `hubdoctor logs` was asked to read: files, or `-` for standard input.
public struct LogsOptions: Sendable {
    public var paths: [String]
    /// Sample lines longer than this are cut (after masking).
    public var sampleLength = 400
    /// `--runbooks`: operators' runbooks, besides the built-in ones and `HUBDOCTOR_RUNBOOKS`.
    public var runbookDirs: [String] = []
    public var environment: [String: String] = ProcessInfo.processInfo.environment
    /// Keys to remove from every sample wherever they stand (`--key-env`), whole and by every run
    /// of 10 characters, before the shape-based masking.
    public var knownKeys: [SecretValue] = []

    public init(paths: [String]) { self.paths = paths }
}

/// `hubdoctor logs`: streams each input once, groups the auth failures it recognizes, and turns
/// each group into one finding with its count, first and last time and a masked sample line.
public enum LogAnalyzer {
    public struct FileStats: Sendable, Equatable {
        public var name: String
        public var lines: Int
        public var bytes: Int
        public var truncatedLines: Int
        public var failures: Int
    }

    public struct Result: Sendable {
        public var report: Report
        public var files: [FileStats]
    }

    /// Bytes at the start of an input that are checked for NUL before it is read as text.
    static let binaryProbeBytes = 8192

    public static func analyze(_ options: LogsOptions) throws -> Result {
        guard !options.paths.isEmpty else { throw HubdoctorError(.usage, "name a log file, or - for standard input") }
        let scrubber = SecretRegistry.shared.scrubber.adding(options.knownKeys)
        var groups = Groups(sampleLength: options.sampleLength, scrubber: scrubber)
        var stats: [FileStats] = []
        for path in options.paths {
            stats.append(try read(path, into: &groups))
        }
        let findings = groups.findings(files: options.paths.map(displayName))
        let scanned = stats.map { "\($0.name) (\($0.lines) lines)" }.joined(separator: ", ")
        var all = findings.isEmpty
            ? [Finding(check: .logsScan, status: .pass, title: "No auth failure in the logs",
                       message: "Read \(scanned): no line matched an auth failure hubdoctor recognizes.")]
            : findings
        let (catalog, problems) = RunbookCatalog.load(extraDirs: options.runbookDirs, environment: options.environment)
        all = (all + problems.map(\.finding)).map { Runbooks.remediate($0, fallback: $0.remediation, catalog: catalog) }
        return Result(report: Report(command: "logs", findings: all), files: stats)
    }

    static func displayName(_ path: String) -> String { path == "-" ? "stdin" : path }

    static func read(_ path: String, into groups: inout Groups) throws -> FileStats {
        let name = displayName(path)
        let fd: Int32 = path == "-" ? STDIN_FILENO : open(path, O_RDONLY)
        guard fd >= 0 else { throw HubdoctorError(.io, "cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { if path != "-" { close(fd) } }
        var classifier = LogClassifier()
        var seen = 0
        var failures = 0
        let reader = LineReader(fd: fd, name: name)
        let s = try reader.forEachLine { bytes, number in
            if seen < binaryProbeBytes {
                if let base = bytes.baseAddress, bytes.count > 0, memchr(base, 0, min(bytes.count, binaryProbeBytes - seen)) != nil {
                    throw HubdoctorError(.parse, "\(name) looks like a binary file (NUL bytes near its start); " +
                                         "for a compressed log, run: zcat \(ShellWord.quote(path)) | hubdoctor logs -",
                                         location: "\(name):\(number)")
                }
                seen += bytes.count + 1
            }
            guard classifier.hasPending || LogClassifier.isCandidate(bytes) else { return }
            let text = String(decoding: bytes, as: UTF8.self)
            for event in classifier.feed(text, line: number) {
                groups.add(event, file: name)
                failures += 1
            }
        }
        for event in classifier.finish() {
            groups.add(event, file: name)
            failures += 1
        }
        return FileStats(name: name, lines: s.lines, bytes: s.bytes, truncatedLines: s.truncatedLines, failures: failures)
    }

    /// Counts, times and one sample for one signal or one whole group.
    struct Tally {
        var count = 0
        var first: LogTimestamp?
        var last: LogTimestamp?
        var location = ""
        var file = ""
        var line = 0
        var sample = ""
        var retryAfter: String?

        mutating func add(_ e: LogEvent, file: String, sampleLength: Int, scrubber: KeyScrubber) {
            if count == 0 {
                location = "\(file):\(e.line)"
                self.file = file
                line = e.line
                let masked = LogMasker.mask(e.text, scrubber: scrubber)
                sample = masked.count > sampleLength ? String(masked.prefix(sampleLength)) + "…" : masked
            }
            count += 1
            if let t = e.time {
                if first.map({ t.epoch < $0.epoch }) ?? true { first = t }
                if last.map({ t.epoch >= $0.epoch }) ?? true { last = t }
            }
            if let r = e.retryAfter { retryAfter = scrubber.scrub(r) }
        }

        var timeSpan: String? {
            guard let first, let last else { return nil }
            return first.text == last.text ? first.text : "\(first.text) … \(last.text)"
        }
    }

    struct Group {
        var kind: LogFailureKind
        var total = Tally()
        var signals: [String: Tally] = [:]
        var order: [String] = []
    }

    struct Groups {
        var sampleLength: Int
        var scrubber: KeyScrubber
        var byKind: [LogFailureKind: Group] = [:]

        mutating func add(_ e: LogEvent, file: String) {
            var g = byKind[e.kind] ?? Group(kind: e.kind)
            g.total.add(e, file: file, sampleLength: sampleLength, scrubber: scrubber)
            if g.signals[e.signal] == nil { g.order.append(e.signal) }
            g.signals[e.signal, default: Tally()].add(e, file: file, sampleLength: sampleLength, scrubber: scrubber)
            byKind[e.kind] = g
        }

        func findings(files: [String]) -> [Finding] {
            let sorted = byKind.values.sorted {
                ($0.total.count, $1.total.location) > ($1.total.count, $0.total.location)
            }
            return sorted.map { finding($0, files: files) }
        }

        func finding(_ g: Group, files: [String]) -> Finding {
            let t = g.total
            var message = "\(t.count) \(t.count == 1 ? "line" : "lines")"
            if let span = t.timeSpan { message += ", \(span)" }
            message += ". " + g.kind.explanation
            var facts = ["log": t.file, "first_line": t.location, "count": String(t.count), "sample": t.sample]
            if let first = t.first { facts["first_seen"] = first.text }
            if let last = t.last { facts["last_seen"] = last.text }
            if let retry = t.retryAfter {
                facts["retry_after"] = retry
                message += " The service asked to retry after \(Self.describeRetryAfter(retry))."
            }
            let evidence = g.order.compactMap { signal -> Evidence? in
                guard let s = g.signals[signal] else { return nil }
                var detail = "×\(s.count) \(signal)"
                if let span = s.timeSpan { detail += " (\(span))" }
                if let r = s.retryAfter { detail += ", Retry-After: \(r)" }
                detail += " — sample: \(s.sample)"
                return Evidence(source: s.location, detail: detail, file: s.file, line: s.line)
            }
            return Finding(check: g.kind.check, status: .fail, cause: g.kind.cause, title: g.kind.title, message: message,
                           evidence: evidence, remediation: g.kind.remediation, count: t.count, facts: facts)
        }

        static func describeRetryAfter(_ value: String) -> String {
            guard let seconds = Int(value) else { return value }
            if seconds >= 120 { return "\(seconds) s (\(seconds / 60) min)" }
            return "\(seconds) s"
        }
    }
}
