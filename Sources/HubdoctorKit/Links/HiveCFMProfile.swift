import Foundation

/// The built-in profile: HiveCFM Core (Next.js) calls the Hub (Go) with one key under two names.
public enum HiveCFMProfile {
    public static let linkName = "core-to-hub"
    public static let coreDir = "hivecfm-core"
    public static let hubDir = "hivecfm-hub"
    public static let callerVar = "HIVECFM_HUB_API_KEY"
    public static let urlVar = "HIVECFM_HUB_URL"
    public static let serviceVar = "API_KEY"
    public static let hubService = "hivecfm-hub-api"
    public static let coreService = "hivecfm-core"
    public static let nativeURL = "http://localhost:8090"
    public static let dockerURL = "http://hivecfm-hub-api:8080"
    /// Names the Hub goes by inside a Compose network, which resolve nowhere else.
    public static let hubComposeHosts: Set<String> = [hubService, "hub", "hivecfm-hub"]
    public static let protectedPaths = ["/v1/feedback-records", "/v1/webhooks"]

    /// `@next/env`'s files for `next dev`, highest priority first (test mode skips `.env.local`).
    public static func nextFiles(environment: String = "development") -> [String] {
        var names = [".env.\(environment).local", ".env.local", ".env.\(environment)", ".env"]
        if environment == "test" { names.removeAll { $0 == ".env.local" } }
        return names.map { "\(coreDir)/\($0)" }
    }

    public static func link(mode: RunMode, reason: String, resolver: SourceResolver) -> LinkSpec {
        let composeHosts = hubComposeHosts
        switch mode {
        case .native:
            let coreFiles = nextFiles().filter { SourceFile.exists(resolver.absolute($0)) }
            let files = coreFiles.isEmpty ? ["\(coreDir)/.env"] : coreFiles
            return LinkSpec(
                name: linkName,
                caller: SideSpec(role: .caller, name: "Core", key: .env(files: files, var: callerVar, dialect: .next),
                                 readers: [.next, .compose],
                                 restart: "stop `pnpm dev` in \(coreDir) and start it again"),
                service: SideSpec(role: .service, name: "Hub", key: .env(files: ["\(hubDir)/.env"], var: serviceVar, dialect: .godotenv),
                                  readers: [.godotenv, .compose],
                                  restart: "stop `make run` in \(hubDir) and start it again"),
                url: .env(files: files, var: urlVar, dialect: .next), serviceURL: .literal(nativeURL),
                probes: ProbePaths(health: "/health", protected: protectedPaths),
                mode: .native, modeReason: reason, expectedURL: nativeURL, composeHosts: composeHosts,
                restartBoth: "(cd \(hubDir) && make run) & (cd \(coreDir) && pnpm dev)")
        case .docker:
            if let compose = ComposeProject.find(resolver: resolver) {
                return composeLink(file: compose, reason: reason, resolver: resolver, hosts: composeHosts)
            }
            let coreFiles = ["\(coreDir)/.env"]
            return LinkSpec(
                name: linkName,
                caller: SideSpec(role: .caller, name: "Core", key: .env(files: coreFiles, var: callerVar, dialect: .compose),
                                 readers: [.compose, .next],
                                 restart: "docker compose restart \(coreService)", composeService: coreService),
                service: SideSpec(role: .service, name: "Hub", key: .env(files: ["\(hubDir)/.env"], var: serviceVar, dialect: .compose),
                                  readers: [.compose, .godotenv],
                                  restart: "docker compose restart \(hubService)", composeService: hubService),
                url: .env(files: coreFiles, var: urlVar, dialect: .compose), serviceURL: .literal(dockerURL),
                probes: ProbePaths(health: "/health", protected: protectedPaths),
                mode: .docker, modeReason: reason, expectedURL: dockerURL, composeHosts: composeHosts,
                restartBoth: "docker compose restart \(hubService) \(coreService)").withComposeHolders(caller: coreService, service: hubService)
        }
    }

    /// Docker mode with a compose file: what each container really gets. Hub and Core are found
    /// by their service names, or else by which service's environment carries their variable.
    static func composeLink(file: String, reason: String, resolver: SourceResolver, hosts: Set<String>) -> LinkSpec {
        var hub = hubService, core = coreService
        if case .success(let project) = ComposeProject.load(file: file, resolver: resolver) {
            if project.service(hubService) == nil, let found = project.services(defining: serviceVar, resolver: resolver).first { hub = found }
            if project.service(coreService) == nil, let found = project.services(defining: callerVar, resolver: resolver).first { core = found }
        }
        // `docker compose restart` keeps a container's old environment; only re-creating it
        // reads the changed env_file or .env.
        func recreate(_ services: String) -> String { "docker compose up -d --force-recreate \(services)" }
        return LinkSpec(
            name: linkName,
            caller: SideSpec(role: .caller, name: "Core", key: .compose(file: file, service: core, var: callerVar),
                             readers: [.compose], restart: recreate(core)),
            service: SideSpec(role: .service, name: "Hub", key: .compose(file: file, service: hub, var: serviceVar),
                              readers: [.compose], restart: recreate(hub)),
            url: .compose(file: file, service: core, var: urlVar), serviceURL: .literal("http://\(hub):8080"),
            probes: ProbePaths(health: "/health", protected: protectedPaths),
            mode: .docker, modeReason: reason, expectedURL: "http://\(hub):8080", composeHosts: hosts.union([hub]),
            restartBoth: recreate("\(hub) \(core)")).withComposeHolders(caller: core, service: hub)
    }

    /// `--mode auto`: which mode the layout is most likely run in, and why.
    public static func detectMode(resolver: SourceResolver) -> (RunMode, String) {
        let composeFile = ComposeProject.find(resolver: resolver)
        let localFiles = nextFiles().filter { $0.contains(".local") && SourceFile.exists(resolver.absolute($0)) }
        if let local = localFiles.first {
            return (.native, "\(local) exists, and only `next dev` on the host reads it")
        }
        if let composeFile {
            return (.docker, "\(composeFile) exists and Core has no .env.local")
        }
        // Fall back to the caller's own URL: a Compose service name means it expects Docker.
        let url = resolver.read(.env(files: ["\(coreDir)/.env"], var: urlVar, dialect: .compose)).usableValue?.text
        if let url, let host = URLComponents(string: url)?.host, hubComposeHosts.contains(host) {
            return (.docker, "\(urlVar) names the Compose service \(host)")
        }
        return (.native, "no Compose file and no Docker service name in \(urlVar)")
    }
}

extension LinkSpec {
    /// In Docker mode the profile also looks at the Compose containers of both sides, when an
    /// engine answers and runs them (`holders.caller`, `holders.service`).
    func withComposeHolders(caller: String, service: String) -> LinkSpec {
        var link = self
        link.caller.running = [.dockerService(service: caller, var: link.caller.key.variableName)]
        link.service.running = [.dockerService(service: service, var: link.service.key.variableName)]
        link.caller.runningIsOptional = true
        link.service.runningIsOptional = true
        return link
    }
}
