import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A loopback port that never completes a connection, like a host behind a firewall that drops
/// packets: a socket that listens with the smallest backlog, whose queue is filled by its own
/// connections and never accepted. Further SYNs are dropped, so a client waits out its connect
/// timeout. (Linux behaviour; elsewhere a client may be refused instead.)
public final class BlackholePort: Sendable {
    public let port: Int
    private let listener: Int32
    private let fillers: [Int32]
    /// Set once by the first `close()` (from any thread, or `deinit`): the descriptors are
    /// closed exactly once.
    private let closed = Atomic<Bool>(false)

    public init(port requested: Int = 0) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HubdoctorError(.io, "cannot create a socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(requested).bigEndian)
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0, listen(fd, 0) == 0 else {
            closeDescriptor(fd)
            throw HubdoctorError(.io, "cannot listen on loopback: \(String(cString: strerror(errno)))")
        }
        var actual = sockaddr_in()
        var actualLength = length
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &actualLength) }
        }
        address.sin_port = actual.sin_port
        var fillers: [Int32] = []
        for _ in 0..<3 {
            let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            _ = fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK)
            _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(s, $0, length) } }
            fillers.append(s)
        }
        listener = fd
        port = Int(UInt16(bigEndian: actual.sin_port))
        self.fillers = fillers
        // Let the fillers' handshakes land in the queue before anyone else knocks.
        usleep(50_000)
    }


    public func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        fillers.forEach(closeDescriptor)
        closeDescriptor(listener)
    }

    deinit { close() }
}

private func closeDescriptor(_ fd: Int32) {
    _ = close(fd)
}
