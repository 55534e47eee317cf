import Foundation

extension NSRegularExpression {
    /// A pattern written in hubdoctor's source, not taken from input. An invalid one is a
    /// programming error that the first test touching it reports; it is never a user's problem,
    /// so it stops the program with the pattern named instead of being handled at every use.
    static func builtIn(_ pattern: String, options: NSRegularExpression.Options = []) -> NSRegularExpression {
        do {
            return try NSRegularExpression(pattern: pattern, options: options)
        } catch {
            preconditionFailure("invalid built-in pattern \(pattern): \(error)")
        }
    }
}
