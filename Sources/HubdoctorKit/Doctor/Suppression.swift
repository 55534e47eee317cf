import Foundation
import Yams

/// A finding that a team has decided to live with for a while. It must say why and until when,
/// and it stops suppressing the day after `expires`, so nothing is hidden for ever.
///
/// ```yaml
/// suppressions:
///   - check: keys.dialect          # a check id or an area (`keys`)
///     cause: dialect-disagreement  # optional
///     link: core-to-hub            # optional
///     reason: legacy line, removed with the v2 Hub (PR 123)
///     expires: 2026-12-31
/// ```
public struct Suppression: Sendable, Equatable {
    public var check: String
    public var cause: Cause?
    public var link: String?
    public var reason: String
    /// The last day (UTC) on which it applies.
    public var expires: Date
    public var expiresText: String

    public func matches(_ f: Finding) -> Bool {
        f.check.isSelected(by: check) && (cause == nil || f.cause == cause) && (link == nil || f.link == link)
    }

    public func isActive(on now: Date) -> Bool { now < expires.addingTimeInterval(86_400) }

    /// Reads the `suppressions:` list of a hubdoctor.yaml (the config reader does this for
    /// `--config`; this is for a file read on its own).
    public static func load(path: String) throws -> [Suppression] {
        guard case .success(let bytes) = SourceFile.read(path) else { return [] }
        switch YAMLDocuments.parse(bytes) {
        case .failure(let f):
            throw HubdoctorError(.config, f.reason, location: "\(path):\(f.line):\(f.column)")
        case .success(let docs):
            guard let list = docs.nodes.first?.child("suppressions") else { return [] }
            return try parse(list, display: path)
        }
    }

    /// A suppression without a reason or a valid expiry date is a config error with file:line:col.
    static func parse(_ list: Node, display path: String) throws -> [Suppression] {
        guard let items = list.sequence else {
            throw HubdoctorError(.config, "`suppressions` must be a list", location: location(path, list))
        }
        return try items.map { item in
            guard let map = item.mapping else {
                throw HubdoctorError(.config, "a suppression must be a map with check, reason and expires", location: location(path, item))
            }
            func field(_ name: String) -> String? { map[name]?.scalar?.string }
            guard let check = field("check"), !check.isEmpty else {
                throw HubdoctorError(.config, "a suppression needs `check` (a check id such as keys.dialect)", location: location(path, item))
            }
            guard let reason = field("reason"), !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw HubdoctorError(.config, "the suppression of \(check) needs a `reason`", location: location(path, item))
            }
            guard let expiresNode = map["expires"], let expiresText = expiresNode.scalar?.string else {
                throw HubdoctorError(.config, "the suppression of \(check) needs an expiry date (`expires: YYYY-MM-DD`)", location: location(path, item))
            }
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyy-MM-dd"
            guard let date = formatter.date(from: expiresText) else {
                throw HubdoctorError(.config, "`expires` must be a date written YYYY-MM-DD", location: location(path, expiresNode))
            }
            var cause: Cause?
            if let c = field("cause") {
                guard let parsed = Cause(rawValue: c) else {
                    throw HubdoctorError(.config, "unknown cause \(c)", location: map["cause"].map { location(path, $0) } ?? path)
                }
                cause = parsed
            }
            return Suppression(check: check, cause: cause, link: field("link"), reason: reason, expires: date, expiresText: expiresText)
        }
    }

    static func location(_ path: String, _ node: Node) -> String {
        guard let mark = node.mark else { return path }
        return "\(path):\(mark.line):\(mark.column)"
    }

    /// Turns matching warn/fail findings into skips that say why; an expired suppression leaves the
    /// finding as it is and says that it expired.
    public static func apply(_ suppressions: [Suppression], to findings: [Finding], now: Date = Date()) -> [Finding] {
        findings.map { f in
            guard f.status == .warn || f.status == .fail, let s = suppressions.first(where: { $0.matches(f) }) else { return f }
            var out = f
            if s.isActive(on: now) {
                let was = f.cause.map { "\(f.status.rawValue), \($0.rawValue)" } ?? f.status.rawValue
                out = Finding(check: f.check, status: .skip, title: f.title,
                              message: "Suppressed until \(s.expiresText) (was \(was)): \(s.reason). \(f.message)",
                              evidence: f.evidence, runbook: f.runbook, link: f.link, count: f.count, facts: f.facts)
            } else {
                out.message += " (A suppression of this check expired on \(s.expiresText); it no longer applies.)"
            }
            return out
        }
    }
}
