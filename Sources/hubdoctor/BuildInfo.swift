import HubdoctorKit

/// What this binary was built from, for `hubdoctor --version`. This file says "not recorded":
/// a build from a checkout may hold uncommitted changes. `scripts/package` builds a clean export
/// of one commit and writes that export's copy of this file with the commit's id and date.
enum BuildInfo {
    static let commit: String? = nil
    static let commitDate: String? = nil

    /// `0.1.0 (commit 0123abcd…, 2026-11-20)`, or `0.1.0 (development build, commit not recorded)`.
    /// The first word is the version that reports carry as `tool.version`.
    static var versionLine: String {
        guard let commit else { return "\(Report.toolVersion) (development build, commit not recorded)" }
        return "\(Report.toolVersion) (commit \(commit)\(commitDate.map { ", \($0)" } ?? ""))"
    }
}
