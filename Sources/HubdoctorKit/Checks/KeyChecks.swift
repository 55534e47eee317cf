/// Offline checks on the two keys of a link: can each be read, is each there, does each look
/// like a key, are they equal, and would the readers involved agree on them.
public enum KeyChecks {
    public static func evaluate(_ r: LinkReadings) -> [Finding] {
        var findings: [Finding] = []
        let facts = r.facts
        func finding(_ check: CheckID, _ status: Status, _ cause: Cause?, _ title: String, _ message: String, _ evidence: [Evidence]) -> Finding {
            Finding(check: check, status: status, cause: cause, title: title, message: message, evidence: evidence,
                    link: r.link.name, facts: facts)
        }
        let sides: [(Role, SideSpec, KeyReading)] = [(.caller, r.link.caller, r.caller), (.service, r.link.service, r.service)]

        for (role, side, reading) in sides {
            let title = "\(side.name)'s key source can be read"
            if side.key == .keyStore {
                findings.append(finding(.source(role), .skip, nil, title, keptInStore(side, r), []))
                continue
            }
            if reading.problems.isEmpty {
                let read = reading.considered.map(\.display).joined(separator: ", ")
                let notes = reading.notes.map { " \($0)." }.joined()
                findings.append(finding(.source(role), .pass, nil, title, "Read \(read.isEmpty ? reading.source.description : read).\(notes)", []))
            } else {
                let cause = reading.problems.contains { $0.cause == .sopsEncrypted } ? Cause.sopsEncrypted : reading.problems[0].cause
                let message = reading.problems.map { problem -> String in
                    var line = problem.description
                    if let hint = problem.hint?.run { line += " (run: \(hint))" }
                    return line
                }.joined(separator: "\n")
                let evidence = reading.problems.map { p in
                    Evidence(source: p.origin.label, var: side.key.variableName, detail: p.reason, file: p.origin.display, line: p.origin.line)
                }
                var f = finding(.source(role), .fail, cause, title, message, evidence)
                f.remediation = reading.problems.compactMap(\.hint)
                findings.append(f)
            }
        }

        for (role, side, reading) in sides {
            if side.key == .keyStore {
                findings.append(finding(.present(role), .skip, nil, "\(side.name)'s key is set", keptInStore(side, r), []))
                continue
            }
            findings.append(presence(role, side, reading, finding))
        }
        for (role, side, reading) in sides {
            if let f = format(role, side, reading, finding) { findings.append(f) }
        }
        findings.append(match(r, finding))
        findings.append(contentsOf: dialects(r, finding))
        return findings
    }

    typealias Make = (CheckID, Status, Cause?, String, String, [Evidence]) -> Finding

    /// Why a side's key checks are skipped when its keys live in the service's own store.
    static func keptInStore(_ side: SideSpec, _ r: LinkReadings) -> String {
        let probes = (r.link.probes.protected.isEmpty ? [] : ["probe.key"]) + (r.link.probes.websocket == nil ? [] : ["probe.websocket"])
        let judge = probes.isEmpty ? "only a live probe could tell" : probes.joined(separator: " and ") + (probes.count == 1 ? " judges" : " judge")
        return "Skipped: \(side.name) keeps its keys in its own store (a database), which hubdoctor does not read; \(judge) whether it accepts \(r.link.caller.name)'s key."
    }

    static func keyEvidence(_ side: SideSpec, _ reading: KeyReading, detail: String? = nil) -> Evidence {
        // An empty value seen through SOPS encryption is present, with length 0.
        Evidence.key(source: reading.whereLabel, var: side.key.variableName, value: reading.value ?? (reading.knownEmpty ? SecretValue("") : nil), detail: detail,
                     file: reading.origin?.display ?? reading.considered.first?.display, line: reading.origin?.line)
    }

    static func presence(_ role: Role, _ side: SideSpec, _ reading: KeyReading, _ make: Make) -> Finding {
        let name = side.key.variableName
        let check = CheckID.present(role)
        let title = "\(side.name)'s \(name) is set"
        let cause: Cause = role == .caller ? .callerKeyMissing : .serverKeyMissing
        if let value = reading.value, !value.isEmpty {
            return make(check, .pass, nil, title, "\(name) is set in \(reading.whereLabel) (\(value.length) characters, \(value.fingerprint)).", [keyEvidence(side, reading)])
        }
        if reading.value == nil, !reading.problems.isEmpty, !reading.knownEmpty {
            return make(check, .skip, nil, title, "Cannot tell: the source could not be read (see source.\(role.rawValue)).", [keyEvidence(side, reading)])
        }
        var what: String
        if reading.value != nil || reading.knownEmpty {
            what = "\(name) is empty in \(reading.whereLabel)"
            if reading.knownEmpty, reading.value == nil { what += " (visible without decrypting: SOPS never encrypts an empty value)" }
            if let origin = reading.origin, reading.considered.count > 1 {
                let others = reading.considered.filter { $0.path != origin.path }.map(\.display)
                if !others.isEmpty { what += ", the file that wins over \(others.joined(separator: ", "))" }
            }
        } else {
            what = "\(name) is not defined in \(reading.whereLabel)"
        }
        var consequence: String
        switch role {
        case .caller:
            consequence = "\(side.name)'s HTTP client sets `Authorization` only when the key is non-empty, so its requests leave with no Authorization " +
                "header and the service answers 401 (`Missing Authorization header`)."
        case .service:
            consequence = "\(side.name) refuses to start without it (or, if it is running, its key came from somewhere else: its process environment)."
        }
        for note in reading.notes { what += ". " + note }
        return make(check, .fail, cause, title, what + ". " + consequence, [keyEvidence(side, reading)])
    }

    static func format(_ role: Role, _ side: SideSpec, _ reading: KeyReading, _ make: Make) -> Finding? {
        guard let value = reading.usableValue else { return nil }
        let name = side.key.variableName
        let check = CheckID.format(role)
        let title = "\(side.name)'s \(name) looks like a real key"
        let at = reading.whereLabel
        if let why = KeyAnalysis.placeholderReason(value) {
            return make(check, .fail, .placeholderKey, title,
                        "\(name) in \(at) is a placeholder, not a key: \(why). Put the real shared key there (both sides must hold the same one).",
                        [keyEvidence(side, reading, detail: why)])
        }
        if let why = KeyAnalysis.quoteReason(value) {
            return make(check, .fail, .keyQuoted, title,
                        "\(name) in \(at): \(why) under \(reading.origin?.dialect?.readerName ?? "its reader"). " +
                            "The quotes become part of the key, so the service sees a different string.",
                        [keyEvidence(side, reading, detail: why)])
        }
        if let why = KeyAnalysis.edgeWhitespace(value) {
            return make(check, .fail, .keyWhitespace, title,
                        "\(name) in \(at) \(why). The reader delivers it as part of the key, so it never equals the other side's." + reading.notes.map { " \($0)." }.joined(),
                        [keyEvidence(side, reading, detail: why)])
        }
        return make(check, .pass, nil, title, "\(name) is \(value.length) characters with no placeholder, quotes or stray whitespace.", [keyEvidence(side, reading)])
    }

    static func match(_ r: LinkReadings, _ make: Make) -> Finding {
        let c = r.link.caller, s = r.link.service
        let title = "\(c.name)'s \(c.key.variableName) matches \(s.name)'s \(s.key.variableName)"
        let evidence = [keyEvidence(c, r.caller), keyEvidence(s, r.service)]
        if s.key == .keyStore {
            return make(.keysMatch, .skip, nil, "\(c.name)'s \(c.key.variableName) is one \(s.name) accepts", keptInStore(s, r), [keyEvidence(c, r.caller)])
        }
        guard let a = r.caller.usableValue, let b = r.service.usableValue else {
            return make(.keysMatch, .skip, nil, title, "Skipped: both sides need a key to compare.", evidence)
        }
        if a == b {
            return make(.keysMatch, .pass, nil, title, "Both sides hold the same key (\(a.fingerprint), \(a.length) characters).", evidence)
        }
        let shape = KeyAnalysis.differenceShape(a, c.name, b, s.name)
        var message = "\(c.name) sends a different key from the one \(s.name) expects: \(shape). "
        message += "\(c.name): \(r.caller.whereLabel) → \(a.fingerprint) (\(a.length) chars); \(s.name): \(r.service.whereLabel) → \(b.fingerprint) (\(b.length) chars)."
        for note in r.caller.notes + r.service.notes { message += " " + note + "." }
        if let file = r.caller.origin?.label { message += " Edit \(file) (or \(r.service.whereLabel)) so both hold the same value, then restart both." }
        return make(.keysMatch, .fail, .keyDrift, title, message, evidence)
    }

    /// The line that defines each key, read by every reader that reads that file in some mode.
    static func dialects(_ r: LinkReadings, _ make: Make) -> [Finding] {
        var out: [Finding] = []
        var sameTextDifferentReading = false
        var lines: [String] = []
        var evidence: [Evidence] = []
        for (side, reading) in [(r.link.caller, r.caller), (r.link.service, r.service)] {
            guard let origin = reading.origin, let path = origin.path, side.readers.count > 1,
                  case .env(_, let name, _) = side.key,
                  case .success(let bytes) = SourceFile.read(path, display: origin.display) else { continue }
            var readings: [(Dialect, String)] = []
            var values = Set<[UInt8]?>()
            for d in side.readers {
                let doc = d.parse(bytes)
                if let e = doc.error {
                    readings.append((d, "\(d.rawValue) refuses the file (line \(e.line))"))
                    values.insert(nil)
                } else if let v = doc.value(of: name)?.value {
                    readings.append((d, "\(d.rawValue) reads \(v.length) chars (\(v.fingerprint))"))
                    values.insert(v.bytes)
                    evidence.append(Evidence.key(source: "\(origin.label) [\(d.rawValue)]", var: name, value: v, file: origin.display, line: origin.line))
                } else {
                    readings.append((d, "\(d.rawValue) does not see it"))
                    values.insert(nil)
                }
            }
            if values.count > 1 {
                lines.append("\(origin.label) \(name): " + readings.map(\.1).joined(separator: "; "))
            }
        }
        // Would one common reader see equal keys where the actual readers see different ones?
        if let a = r.caller.usableValue, let b = r.service.usableValue, a != b,
           let ca = r.caller.origin?.path, let sa = r.service.origin?.path,
           case .success(let cb) = SourceFile.read(ca), case .success(let sb) = SourceFile.read(sa) {
            for d in Set(r.link.caller.readers).union(r.link.service.readers) {
                if let x = d.parse(cb).value(of: r.link.caller.key.variableName)?.value,
                   let y = d.parse(sb).value(of: r.link.service.key.variableName)?.value, x == y {
                    sameTextDifferentReading = true
                }
            }
        }
        let title = "The readers involved agree on the lines that define the keys"
        if lines.isEmpty {
            out.append(make(.keysDialect, .pass, nil, title, "Every reader that reads these files delivers the same key.", []))
        } else {
            var message = lines.joined(separator: "\n")
            if sameTextDifferentReading {
                message += "\nBoth files hold the same text, but the two services' readers deliver different keys from it. Rewrite the value in a form " +
                    "every reader reads alike: unquoted [A-Za-z0-9_.-] characters, or double quotes with `\\$` for a `$`."
            } else {
                message += "\nSwitching run mode (native vs Docker) changes the key this line delivers. Write it in a form every reader reads alike."
            }
            out.append(make(.keysDialect, sameTextDifferentReading ? .fail : .warn, .dialectDisagreement, title, message, evidence))
        }
        return out
    }
}
