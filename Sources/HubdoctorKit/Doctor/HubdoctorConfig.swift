/// A `hubdoctor.yaml`: links, each a caller and a service with their key sources.
public struct HubdoctorConfig: Sendable {
    public var path: String
    public var links: [LinkSpec]

    public static func load(path: String, resolver: SourceResolver) throws -> HubdoctorConfig {
        throw HubdoctorError(.config, "hubdoctor.yaml links are not supported by this build", location: path)
    }
}
