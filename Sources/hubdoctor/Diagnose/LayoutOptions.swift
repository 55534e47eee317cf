import ArgumentParser
import HubdoctorKit

/// `--root`, `--config` and `--mode`: the layout and links a command works on (the same three
/// flags, with the same meaning, for `check`, `fix`, `rotate`, `capture` and `verify-rotation`).
struct LayoutOptions: ParsableArguments {
    @Option(name: .long, help: "Where the layout lives.")
    var root: String = "."

    @Option(name: .long, help: "A hubdoctor.yaml (paths in it are relative to its folder); without it, the built-in HiveCFM profile.")
    var config: String?

    @Option(name: .long, help: "native, docker or auto.")
    var mode: ModeChoice = .auto

    /// A `CheckOptions` for this layout; the command adds its own flags.
    var checkOptions: CheckOptions {
        var o = CheckOptions()
        o.root = root
        o.configPath = config
        o.mode = mode
        return o
    }

    var fixOptions: FixOptions {
        var o = FixOptions()
        o.root = root
        o.configPath = config
        o.mode = mode
        return o
    }
}
