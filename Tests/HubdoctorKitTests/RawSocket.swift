import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP client for tests that must send bytes no HTTP client would send (malformed
/// requests, oversized headers) and read whatever comes back until the server closes.
struct RawSocket {
    let fd: Int32

    init(port: Int, host: String = "127.0.0.1") throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &addr.sin_addr)
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc != 0 {
            close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
    }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Everything the server sends until it closes the connection (or 5 s pass). Reads on a
    /// thread of its own: blocking the few cooperative threads would starve the server's handler.
    func readAll() async -> String {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: readBlocking()) }.start()
        }
    }

    /// `readAll` and how long the server took to close, measured on the reading thread.
    func readAllTimed() async -> (String, Double) {
        await withCheckedContinuation { continuation in
            Thread {
                let started = Date()
                let text = readBlocking()
                continuation.resume(returning: (text, Date().timeIntervalSince(started)))
            }.start()
        }
    }

    private func readBlocking() -> String {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            out += buffer[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }

    func shutdown() { close(fd) }
}
