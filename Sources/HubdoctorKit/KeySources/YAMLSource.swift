/// Kubernetes Secrets and plain YAML maps (SOPS-encrypted or not) as key sources.
enum YAMLSource {
    static func read(_ source: KeySource, resolver: SourceResolver) -> KeyReading {
        var r = KeyReading(source: source)
        let file = source.files.first ?? ""
        let origin = Origin(display: resolver.display(file), path: resolver.absolute(file))
        r.considered = [origin]
        r.problems.append(SourceProblem(origin: origin, reason: "YAML key sources are not supported by this build"))
        return r
    }
}
