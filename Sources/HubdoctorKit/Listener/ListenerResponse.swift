/// What a handler answers. Besides a normal answer it can misbehave on purpose, the way broken
/// services and proxies do, so that clients can be tested against them.
public struct ListenerResponse: Sendable {
    public enum Delivery: Sendable, Equatable {
        /// Head and whole body; the connection stays open if the client asked for keep-alive.
        case complete
        /// Close the connection without sending a byte.
        case closeWithoutAnswer
        /// Announce the whole body's length, send only this many bytes of it, then close.
        case truncated(afterBytes: Int)
    }

    public var status: Int
    /// Sent as given; `Content-Length` and `Connection` are added by the listener.
    public var headers: [ListenerHeader]
    public var body: [UInt8]
    public var delivery: Delivery
    /// Close the connection after this answer even if the client asked for keep-alive.
    public var closeConnection: Bool

    public init(status: Int, headers: [ListenerHeader] = [], body: [UInt8] = [], delivery: Delivery = .complete,
                closeConnection: Bool = false) {
        self.status = status
        self.headers = headers
        self.body = body
        self.delivery = delivery
        self.closeConnection = closeConnection
    }

    /// A JSON answer; `json` must already be a JSON document.
    public static func json(_ status: Int, _ json: String, headers: [ListenerHeader] = []) -> ListenerResponse {
        ListenerResponse(status: status, headers: [ListenerHeader("Content-Type", "application/json")] + headers,
                         body: Array(json.utf8))
    }

    public static func text(_ status: Int, _ text: String, headers: [ListenerHeader] = []) -> ListenerResponse {
        ListenerResponse(status: status, headers: [ListenerHeader("Content-Type", "text/plain; charset=utf-8")] + headers,
                         body: Array(text.utf8))
    }
}
