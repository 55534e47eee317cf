import Foundation

/// `hubdoctor check`: read both sides of every link, compare, probe, and explain.
public enum Doctor {
    /// What every command that works on links starts from: the config (read once), the resolver
    /// rooted where the config says, and the links.
    public struct Setup: Sendable {
        public var config: HubdoctorConfig?
        public var resolver: SourceResolver
        public var links: [LinkSpec]
    }

    public static func setup(_ options: CheckOptions) throws -> Setup {
        let config = try options.configPath.map { try HubdoctorConfig.load(path: $0) }
        let resolver = resolver(options, config: config)
        return Setup(config: config, resolver: resolver, links: try links(options, config: config, resolver: resolver))
    }

    /// The links to check: those of the config, or the built-in HiveCFM profile in the chosen mode.
    static func links(_ options: CheckOptions, config: HubdoctorConfig?, resolver: SourceResolver) throws -> [LinkSpec] {
        if let links = config?.links, !links.isEmpty { return links }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: resolver.root, isDirectory: &isDir), isDir.boolValue else {
            throw HubdoctorError(.usage, "--root \(resolver.root) is not a directory")
        }
        let (mode, reason) = chooseMode(options.mode, resolver: resolver)
        return [HiveCFMProfile.link(mode: mode, reason: reason, resolver: resolver)]
    }

    static func chooseMode(_ choice: ModeChoice, resolver: SourceResolver) -> (RunMode, String) {
        switch choice {
        case .native: return (.native, "--mode native")
        case .docker: return (.docker, "--mode docker")
        case .auto: return HiveCFMProfile.detectMode(resolver: resolver)
        }
    }

    /// Reads a link's sources, with `--caller-pid`/`--service-pid` applied.
    public static func read(_ link: LinkSpec, options: CheckOptions, resolver: SourceResolver) -> LinkReadings {
        var link = link
        if let pid = options.callerPID { link.caller.process = pid }
        if let pid = options.servicePID { link.service.process = pid }
        let caller = resolver.read(link.caller.key)
        let service = resolver.read(link.service.key)
        SecretRegistry.shared.register(caller.value)
        SecretRegistry.shared.register(service.value)
        var readings = LinkReadings(link: link, caller: caller, service: service, url: link.url.map(resolver.read),
                                    urlOverride: options.hubURL, resolver: resolver)
        readings.serviceURL = link.serviceURL.map(resolver.read)
        SecretRegistry.shared.register(credentialsOf: readings.url?.value?.text)
        SecretRegistry.shared.register(credentialsOf: readings.serviceURL?.value?.text)
        SecretRegistry.shared.register(credentialsOf: options.hubURL)
        readings.callerCopies = link.caller.copies.map(resolver.read)
        readings.serviceCopies = link.service.copies.map(resolver.read)
        for copy in readings.callerCopies + readings.serviceCopies { SecretRegistry.shared.register(copy.value) }
        readings.callerProcess = processReading(link.caller)
        readings.serviceProcess = processReading(link.service)
        return readings
    }

    /// The key as the side's running process holds it, when a process is named.
    static func processReading(_ side: SideSpec) -> KeyReading? {
        guard let pid = side.process else { return nil }
        let name = side.processVar ?? side.key.variableName
        let reading = ProcessEnvironment.read(pid: pid, name: name, source: .process(pid: pid, var: name))
        SecretRegistry.shared.register(reading.value)
        return reading
    }

    /// The resolver for a run: rooted at `--root`, or with `--config` at the config's base
    /// folder, so that paths show as they are written in the config.
    public static func resolver(_ options: CheckOptions, config: HubdoctorConfig? = nil) -> SourceResolver {
        var resolver = SourceResolver(root: config?.root ?? options.root, environment: options.environment, sopsTimeout: options.sopsTimeout)
        resolver.kubeTimeout = options.timeout
        resolver.offline = options.offline
        return resolver
    }

    /// The checks that need no network.
    public static func offlineFindings(_ r: LinkReadings) -> [Finding] {
        KeyChecks.evaluate(r) + URLChecks.evaluate(r) + ProcessChecks.evaluate(r)
    }

    /// Failures that can heal by themselves once restarted services come up: `--wait` retries them.
    public static let healableCauses: Set<Cause> = [.hubUnreachable, .keyRejected, .authStoreDown]
    /// How many rounds of refusals of the real key `--wait` accepts before it gives up.
    public static let maxKeyRefusalsWhileWaiting = 3

    public static func check(_ options: CheckOptions) async throws -> Report {
        try options.validate()
        guard let wait = options.wait, wait > 0 else { return try await checkOnce(options) }
        let start = Date()
        let deadline = start.addingTimeInterval(wait)
        var delay = 0.5
        var refusals = 0
        while true {
            let report = try await checkOnce(options)
            let healing = report.findings.filter { $0.status == .fail && $0.cause.map(healableCauses.contains) == true }
            let elapsed = Date().timeIntervalSince(start)
            if healing.isEmpty {
                if elapsed > 0.5 { options.progress?(String(format: "consistent after %.1f s", elapsed)) }
                return report
            }
            // Every retry of a refused key is one more failed attempt with the real key, and
            // services lock a key out after a handful (Team Hub: 10 in 15 minutes). Stop early.
            if report.findings.contains(where: { $0.cause == .throttled }) {
                options.progress?("stopped waiting: the service answers 429; retrying would extend the lockout")
                return report
            }
            if healing.contains(where: { $0.cause == .keyRejected }) {
                refusals += 1
                if refusals >= maxKeyRefusalsWhileWaiting {
                    options.progress?("stopped waiting after \(refusals) refusals of the real key, to keep it clear of the service's lockout")
                    return report
                }
            }
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 {
                options.progress?(String(format: "still failing after %.1f s: ", elapsed) + describe(healing))
                return report
            }
            let pause = min(delay, remaining)
            options.progress?(String(format: "waiting (%.0f s left): ", remaining) + describe(healing) + String(format: "; next try in %.1f s", pause))
            try await Task.sleep(nanoseconds: UInt64(pause * 1_000_000_000))
            delay = min(delay * 2, 5)
        }
    }

    static func describe(_ findings: [Finding]) -> String {
        findings.map { "\($0.check) \($0.cause?.rawValue ?? "")" }.joined(separator: ", ")
    }

    static func checkOnce(_ options: CheckOptions) async throws -> Report {
        KubeClusters.shared.reset()
        let (config, resolver, links) = try { let s = try setup(options); return (s.config, s.resolver, s.links) }()
        var perLink: [[Finding]] = []
        var contexts: [Report.LinkContext] = []
        var allReadings: [LinkReadings] = []
        for link in links {
            let readings = read(link, options: options, resolver: resolver)
            allReadings.append(readings)
            contexts.append(Report.LinkContext(name: link.name, mode: link.mode?.rawValue, modeReason: link.modeReason,
                                               url: readings.effectiveURL.map(Redact.url)))
            var findings = offlineFindings(readings)
            let holders = await HolderChecks.lookAll(readings, environment: options.environment, timeout: options.timeout,
                                                     offline: options.offline)
            findings += holders.findings
            findings += await CopyChecks.evaluate(readings, pods: holders.pods, offline: options.offline)
            if options.mode == .auto, config?.links.isEmpty ?? true, let mode = link.mode {
                findings += otherModeFindings(current: findings, mode: mode, options: options, resolver: resolver)
            }
            perLink.append(findings)
        }
        if wantsProbes(options) {
            // Links are independent: probe them all at once. Their requests are shared: each
            // distinct one goes out once, over at most `maxConnections` connections per origin.
            let owners = negativeOwners(allReadings)
            let socketOwners = webSocketNegativeOwners(allReadings)
            let requests = ProbeRequests()
            let live = await withTaskGroup(of: (Int, [Finding]).self) { group in
                for (i, r) in allReadings.enumerated() {
                    group.addTask {
                        (i, await probeFindings(r, options: options, negativesSkipped: owners[i], webSocketNegativesSkipped: socketOwners[i],
                                                 requests: requests))
                    }
                }
                return await group.reduce(into: [Int: [Finding]]()) { $0[$1.0] = $1.1 }
            }
            for i in perLink.indices { perLink[i] += live[i] ?? [] }
        }
        var findings = perLink.flatMap { $0 }
        let (catalog, problems) = RunbookCatalog.load(extraDirs: options.runbookDirs, environment: options.environment)
        findings += problems.map(\.finding)
        if let config {
            findings = Suppression.apply(config.suppressions, to: findings)
        }
        findings = select(findings, only: options.only, skip: options.skip)
        if let path = options.configPath {
            // Steps that re-run hubdoctor must name the same config.
            let config = path == "-" ? "-" : URL(fileURLWithPath: path).standardizedFileURL.path
            for i in findings.indices where !findings[i].facts.isEmpty { findings[i].facts["config"] = config }
        }
        findings = Runbooks.remediate(findings, catalog: catalog)
        return Report(command: "check", findings: findings, links: contexts, failOn: options.failOn)
    }

    /// In `auto` mode, read the layout in the other mode too and say when the answer differs
    /// (native reads `.env.local`, which drifted; Docker reads `.env`, which matches).
    static func otherModeFindings(current: [Finding], mode: RunMode, options: CheckOptions, resolver: SourceResolver) -> [Finding] {
        let other = mode.other
        let link = HiveCFMProfile.link(mode: other, reason: "the other mode, for comparison", resolver: resolver)
        let otherReadings = read(link, options: options, resolver: resolver)
        let theirs = KeyChecks.evaluate(otherReadings)
        func keyVerdict(_ fs: [Finding]) -> Finding? {
            fs.first { ($0.check.area == "source" || $0.check.area == "keys") && $0.status == .fail }
                ?? fs.first { $0.check == .keysMatch }
        }
        guard let mine = keyVerdict(current.filter { $0.link == link.name }), let their = keyVerdict(theirs) else { return [] }
        let mineText = "\(mode.rawValue) mode reads \(readings(for: current, link.name))"
        let theirText = "\(other.rawValue) mode reads \(otherReadings.caller.whereLabel)"
        if mine.status == their.status, mine.cause == their.cause {
            return [Finding(check: .modeCompare, status: .pass, title: "Native and Docker modes read the keys alike",
                            message: "\(mineText); \(theirText); both end the same way (\(their.status.rawValue)).",
                            link: link.name, facts: otherReadings.facts)]
        }
        func verdict(_ f: Finding) -> String {
            switch f.status {
            case .pass: return "which matches"
            case .skip: return "where the keys cannot be compared"
            default: return "where \(f.cause?.rawValue ?? f.status.rawValue)"
            }
        }
        let message = "The two run modes give different answers: \(mineText), \(verdict(mine)); \(theirText), \(verdict(their)). "
            + "How the services really run decides which one is live (pass --mode to choose)."
        let cause = their.status == .pass ? mine.cause : their.cause
        // The runbook steps are filled from these facts: they must come from the mode the cause was found in.
        let facts = their.status == .pass ? mine.facts : otherReadings.facts
        return [Finding(check: .modeCompare, status: .warn, cause: cause, title: "Native and Docker modes read the keys differently",
                        message: message, evidence: their.evidence, link: link.name, facts: facts)]
    }

    private static func readings(for findings: [Finding], _ link: String) -> String {
        findings.first { $0.link == link && $0.check == .keysCallerPresent }?.evidence.first?.source ?? "its files"
    }

    /// `--only` and `--skip` by check id (a prefix such as `keys` selects a whole area).
    public static func select(_ findings: [Finding], only: [String], skip: [String]) -> [Finding] {
        findings.filter { isSelected($0.check, only: only, skip: skip) }
    }

    static func isSelected(_ check: CheckID, only: [String], skip: [String]) -> Bool {
        (only.isEmpty || only.contains { check.isSelected(by: $0) }) && !skip.contains { check.isSelected(by: $0) }
    }
}
