/// hubdoctor's bounds on reading one env file, whatever the reader. The real readers have none:
/// a few lines whose variables each repeat the previous one ten times expand to terabytes, and
/// Go's readers then exhaust memory while Node.js spends minutes or dies. hubdoctor stops first
/// and says where, so a hostile or broken file costs at most a few seconds and megabytes.
struct ReadBudget {
    /// The longest value an expansion may produce (Linux refuses an environment string over
    /// 128 KiB when it starts a process, so a real key is far shorter).
    static let maxValueBytes = 1 << 20
    /// Everything the expansions of one file may produce together.
    static let maxExpandedBytes = 16 << 20
    /// Steps of expansion work (bytes scanned, copied or compared) for one file.
    static let maxWork = 96 << 20

    private(set) var produced = 0
    private(set) var work = 0

    /// Why reading stopped, when it did.
    struct Exceeded: Error, Sendable, Equatable {
        var reason: String
    }

    /// Counts `bytes` of expanded output; fails past the per-file bound.
    mutating func produce(_ bytes: Int, variable: String) -> Exceeded? {
        produced += bytes
        if produced > Self.maxExpandedBytes {
            return Exceeded(reason: "the expanded values of this file add up to more than \(Self.maxExpandedBytes >> 20) MiB by \(variable) (variables " +
                "that repeat other variables multiply); hubdoctor stops reading it")
        }
        return nil
    }

    /// Counts `steps` of work; fails past the per-file bound.
    mutating func spend(_ steps: Int, variable: String) -> Exceeded? {
        work += steps
        if work > Self.maxWork {
            return Exceeded(reason: "expanding \(variable) takes more work than hubdoctor allows for one file (its references repeat or nest too much to reproduce); hubdoctor stops reading it")
        }
        return nil
    }

    /// The failure for one value longer than `maxValueBytes`.
    static func tooLong(_ variable: String) -> Exceeded {
        Exceeded(reason: "the value of \(variable) expands to more than \(maxValueBytes >> 20) MiB (variables that repeat other variables multiply); hubdoctor stops reading this file")
    }
}
