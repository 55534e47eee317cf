/// What `fix` or `rotate` did (or, in a dry run, would do), link by link. It holds no key: the
/// only secrets it carries are the links' `newKey`s, which the CLI shows solely for
/// `rotate --reveal` on a terminal.
public struct ChangeReport: Sendable {
    public enum Verdict: String, Sendable {
        /// The keys already agree and are well-formed.
        case nothingToDo
        /// Dry run: the changes shown would fix it.
        case planned
        case applied
        /// hubdoctor cannot fix it by writing files (see `blockers`).
        case blocked
    }

    public struct FileChange: Sendable {
        public var display: String
        public var reasons: [String]
        public var diff: String
        public var created: Bool
        public var symlinkTarget: String?
        /// After `--apply`: where the old version is kept.
        public var backup: String?
        public var lineEnding: String
        public var notes: [String]
    }

    public struct Problem: Sendable {
        public var cause: Cause?
        public var message: String

        public init(cause: Cause?, message: String) {
            self.cause = cause
            self.message = message
        }
    }

    public struct LinkChange: Sendable {
        public var name: String
        public var mode: RunMode?
        public var modeReason: String?
        public var verdict: Verdict
        /// What is wrong, from `KeyChecks` (cause and message).
        public var problems: [Problem]
        public var blockers: [String]
        /// One sentence on what is written where ("Hub's key sha256:… into the files Core reads").
        public var summary: String?
        public var files: [FileChange]
        public var manual: [RemediationStep]
        /// After `--apply`: what the re-read showed.
        public var verified: [String]
        public var restart: String?
        /// Steps after the restart (`verify-rotation`, clean-up).
        public var next: [RemediationStep]
        /// `rotate --apply`: the key now on both sides.
        public var newKey: SecretValue? = nil
    }

    public var command: String
    public var applied: Bool
    public var links: [LinkChange]
    /// Interrupted earlier runs: what was found (dry run) or done about them.
    public var interrupted: [String]

    /// 0 when nothing is left to do (applied, or nothing wrong; a `rotate` dry run is a plan, not a
    /// problem); 1 when a problem remains: a `fix` dry run with pending changes, or a link that
    /// hubdoctor cannot fix by writing files.
    public var exitCode: Int32 {
        if links.contains(where: { $0.verdict == .blocked || !$0.manual.isEmpty && $0.verdict != .nothingToDo }) { return ExitCodes.findings }
        if command == "fix", !applied, links.contains(where: { $0.verdict == .planned }) { return ExitCodes.findings }
        return ExitCodes.ok
    }
}
