/// Paths and arguments as they go into a printed command: relative to where the engineer runs
/// hubdoctor when inside it, and single-quoted when the shell would otherwise split or expand them.
public enum ShellWord {
    static let plain = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./-=:@%+,")

    public static func quote(_ word: String) -> String {
        if !word.isEmpty, word.allSatisfy({ plain.contains($0) }) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// `path` relative to `workingDirectory` when it lies inside it.
    public static func relative(_ path: String, workingDirectory: String) -> String {
        let base = workingDirectory.hasSuffix("/") ? workingDirectory : workingDirectory + "/"
        return path.hasPrefix(base) ? String(path.dropFirst(base.count)) : path
    }

    /// A path ready to paste into a command.
    public static func path(_ path: String, workingDirectory: String) -> String {
        quote(relative(path, workingDirectory: workingDirectory))
    }
}
