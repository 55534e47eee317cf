import ArgumentParser
import Foundation
import HubdoctorKit

extension Hubdoctor {
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Diagnose each caller→service link: read both sides, compare keys, probe, explain, fix."
        )

        @OptionGroup var layout: LayoutOptions

        @Option(name: .customLong("hub-url"), help: "Overrides the URL the caller is configured with.")
        var hubURL: String?

        @Flag(name: .long, help: "No network at all.")
        var offline = false

        @Option(name: .long, help: "text, json, junit, github, sarif or prometheus.")
        var format: OutputFormat = .text

        @Flag(name: .long, help: "One line per link (name, mode, verdict, first failing cause and where): for chat and pagers.")
        var short = false

        @Option(name: .customLong("fail-on"), help: "error or warning: the lowest status that makes the exit code 1.")
        var failOn: FailThreshold = .error

        @Option(name: .long, help: "Seconds per probe.")
        var timeout: Double = 5

        @OptionGroup var runbookOptions: RunbookOptions

        @Option(name: .customLong("caller-pid"), help: "The caller's running process: its environment is compared with its files.")
        var callerPID: Int32?

        @Option(name: .customLong("service-pid"), help: "The service's running process: its environment is compared with its files.")
        var servicePID: Int32?

        @Option(name: .long, help: "Retry the checks that can heal by themselves for up to this many seconds.")
        var wait: Double?

        @Option(name: .long, help: "Only these checks (repeatable; a check id or an area such as `keys`).")
        var only: [String] = []

        @Option(name: .long, help: "Skip these checks (repeatable).")
        var skip: [String] = []

        @Flag(name: .customLong("no-negative"), help: "Do not send the wrong-shape and wrong-key probes.")
        var noNegative = false

        @Option(name: .customLong("probe-path"), help: .hidden)
        var probePaths: [String] = []

        @Flag(name: .shortAndLong, help: "Show the details of passing checks too.")
        var verbose = false

        @Option(name: .customLong("max-connections"), help: "Connections per service origin (the rest of the requests wait for one and reuse it).")
        var maxConnections: Int = HTTPClientRequest.defaultMaxConnections

        func validate() throws {
            if let p = DurationLimit.timeout().problem(timeout) { throw ValidationError(p) }
            if let wait, let p = DurationLimit.wait().problem(wait) { throw ValidationError(p) }
            if let p = CheckID.selectionProblem(only: only, skip: skip) { throw ValidationError(p) }
            if let p = CheckOptions.maxConnectionsProblem(maxConnections) { throw ValidationError(p) }
            if short && format != .text { throw ValidationError("--short is a text format of its own; it cannot be combined with --format \(format.rawValue)") }
        }

        func run() async throws {
            var options = layout.checkOptions
            options.hubURL = hubURL
            options.offline = offline
            options.failOn = failOn
            options.timeout = timeout
            options.runbookDirs = runbookOptions.runbooks
            options.callerPID = callerPID
            options.servicePID = servicePID
            options.wait = wait
            options.only = only
            options.skip = skip
            options.noNegative = noNegative
            options.progress = { Output.error("hubdoctor: " + $0) }
            options.probePaths = probePaths
            options.maxConnections = maxConnections
            let report = try await Doctor.check(options)
            Output.write(short ? ShortReporter(root: options.root).render(report) : render(report, format: format, verbose: verbose, root: options.root))
            throw ExitCode(report.exitCode)
        }
    }
}

/// Every command that produces a `Report` renders it here, through the library's one renderer
/// seam, so every format behaves alike in every command.
func render(_ report: Report, format: ReportFormat, verbose: Bool = false, root: String = ".") -> String {
    format.renderer(RenderContext(root: root, style: .forStandardOutput(), verbose: verbose)).render(report)
}
