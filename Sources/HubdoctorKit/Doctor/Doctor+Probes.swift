import Foundation

/// The live half of `check`: ask the running service, and read its answers in the light of
/// what the files said.
extension Doctor {
    /// The probe checks, for `--only`/`--skip`.
    static let probeChecks = ProbeKind.allCases.map(\.check) + [.probeRedirect, .probeWebsocket, .probeWebsocketWrongKey]

    static func wantsProbes(_ options: CheckOptions) -> Bool {
        !options.offline && probeChecks.contains { isSelected($0, only: options.only, skip: options.skip) }
    }

    enum ProbePlan {
        case probe(ProbeTarget)
        case nothing(reason: String)
    }

    /// What to probe for one link, or the reason there is nothing to probe.
    static func probePlan(_ r: LinkReadings, options: CheckOptions) -> ProbePlan {
        let facts = r.facts
        guard let url = r.effectiveURL else {
            return .nothing(reason: "\(r.link.url?.variableName ?? "the service URL") is not set, so there is nothing to probe; pass --hub-url.")
        }
        if let bad = HTTPClient.precheck(url) {
            return .nothing(reason: "\(bad.reason) (see url.mode).")
        }
        let key = r.caller.usableValue
        let serviceKey = r.service.usableValue
        let agree: Bool? = (key != nil && serviceKey != nil) ? key == serviceKey : nil
        let keyEnv = facts["key_env"] ?? "API_KEY"
        let callerEnv = r.shellName(r.link.caller.key.variableName)
        let paths = options.probePaths.isEmpty ? r.link.probes.protected : options.probePaths
        let session = r.link.probes.session ?? ProbeTarget.sessionPath(for: key)
        var target = ProbeTarget(
            baseURL: url, healthPath: r.link.probes.health, protectedPaths: paths, sessionPath: session,
            key: key, keyEnv: agree == false ? callerEnv : keyEnv, serviceKey: serviceKey, serviceKeyEnv: keyEnv,
            filesAgree: agree, callerName: r.link.caller.name, serviceName: r.link.service.name,
            keyLabel: "\(r.link.caller.name)'s \(r.link.caller.key.variableName)", serviceKeyLabel: r.service.origin?.label,
            composeHosts: r.link.composeHosts, expectedURL: r.link.expectedURL)
        if agree == false, serviceKey != nil {
            target.serviceKeyWithheld = serviceKeyWithheld(url: url, r)
        }
        return .probe(target)
    }

    /// Why the service's own key must not go to `url`, or nil when it may. It is sent only to
    /// loopback or to the origin the service side declares (`service.url:`; the built-in profile
    /// declares the Hub's address in each mode): the caller's URL is the caller's file speaking,
    /// and may name any host, which would then learn the service's key.
    static func serviceKeyWithheld(url: String, _ r: LinkReadings) -> String? {
        guard let origin = ProbeClassifier.origin(url), let host = URLComponents(string: url)?.host else {
            return "not sent: \(Redact.url(url)) has no origin to judge"
        }
        if URLChecks.isLoopback(host) { return nil }
        let declared = r.serviceURL?.usableValue?.text
        if let declared, ProbeClassifier.origin(declared) == origin { return nil }
        let source = r.urlOverride != nil ? "--hub-url" : "\(r.link.caller.name)'s \(r.link.url?.variableName ?? "url")"
        let whose = r.service.origin?.label ?? "\(r.link.service.name)'s file"
        let declaredText = declared.map { "\(r.link.service.name) declares \(Redact.url($0))" } ?? "\(r.link.service.name) declares no address of its own"
        let shown = ProbeClassifier.displayOrigin(url) ?? Redact.url(url)
        return "not sent: the key from \(whose) goes only to loopback or to the origin the service side declares, and \(shown) (from \(source)) "
            + "is neither (\(declaredText)). If that really is \(r.link.service.name), declare it as `service.url:` of the link in hubdoctor.yaml."
    }

    /// Links that call the same service share one wrong-shape and one wrong-key probe per run:
    /// for each link, why it must not send its own (nil for the first link of each origin).
    static func negativeOwners(_ readings: [LinkReadings]) -> [String?] {
        var firstByOrigin: [String: String] = [:]
        return readings.map { r in
            guard let url = r.effectiveURL, let origin = ProbeClassifier.origin(url) else { return nil }
            if let first = firstByOrigin[origin] { return "link \(first) already sent them to \(Redact.url(url)) in this run" }
            firstByOrigin[origin] = r.link.name
            return nil
        }
    }

    /// The same for the WebSocket probes' throwaway token: one per origin and run, sent by the
    /// first link that probes a WebSocket there.
    static func webSocketNegativeOwners(_ readings: [LinkReadings]) -> [String?] {
        var firstByOrigin: [String: String] = [:]
        return readings.map { r in
            guard r.link.probes.websocket != nil, let url = r.effectiveURL, let origin = ProbeClassifier.origin(url) else { return nil }
            if let first = firstByOrigin[origin] { return "link \(first) already sent one to \(Redact.url(url)) in this run" }
            firstByOrigin[origin] = r.link.name
            return nil
        }
    }

    static func probeFindings(_ r: LinkReadings, options: CheckOptions, negativesSkipped: String? = nil,
                              webSocketNegativesSkipped: String? = nil, requests: ProbeRequests? = nil) async -> [Finding] {
        switch probePlan(r, options: options) {
        case .nothing(let reason):
            var out = [Finding(check: ProbeKind.reach.check, status: .skip, title: "\(r.link.service.name) can be reached",
                               message: "Skipped: " + reason, link: r.link.name, facts: r.facts)]
            if let spec = r.link.probes.websocket {
                out.append(Finding(check: .probeWebsocket, status: .skip, title: "\(r.link.service.name) accepts \(r.link.caller.name)'s key on its WebSocket \(spec.path)",
                                   message: "Skipped: " + reason, link: r.link.name, facts: r.facts))
            }
            return out
        case .probe(let target):
            var probeOptions = ProbeOptions(timeout: options.timeout, noNegative: options.noNegative)
            probeOptions.negativesSkipped = negativesSkipped
            probeOptions.requests = requests
            probeOptions.maxConnections = options.maxConnections
            let exchanges = await Prober.run(target, probeOptions)
            let classifier = ProbeClassifier(target: target, exchanges: exchanges, link: r.link.name, facts: r.facts)
            var findings = classifier.findings()
            if target.key == nil {
                findings.append(Finding(check: ProbeKind.key.check, status: .skip, title: "\(r.link.service.name) accepts \(target.keyLabel)",
                                        message: "Skipped: \(target.keyLabel) is empty or missing, so \(target.callerName) sends no Authorization "
                                            + "header; probe.no-auth shows what \(target.serviceName) answers to that.",
                                        link: r.link.name, facts: r.facts))
            }
            if let spec = r.link.probes.websocket,
               [CheckID.probeWebsocket, .probeWebsocketWrongKey].contains(where: { isSelected($0, only: options.only, skip: options.skip) }) {
                // After the HTTP probes: a throttle or a failing store they met holds back the throwaway token.
                let sockets = await WebSocketProber.run(spec, target, probeOptions, httpAnswers: exchanges, negativesSkipped: webSocketNegativesSkipped)
                findings += WebSocketClassifier(target: target, spec: spec, exchanges: sockets, http: classifier, link: r.link.name,
                                                facts: r.facts, timeout: options.timeout).findings()
            }
            return findings
        }
    }
}
