// The load client of scripts/bench-capture: opens every connection first, then sends requests
// on all of them at once over HTTP/1.1 keep-alive, one thread per connection, and reads each
// answer by its Content-Length. It rotates the four header shapes of issue 6 (no header, the raw
// key, `Bearer undefined`, the right key) and prints one JSON line with what came back.
//
//   load-client --port P --connections C --requests N --key-env VAR
import Foundation
#if canImport(Glibc)
import Glibc
#endif

struct Arguments {
    var port = 0
    var connections = 200
    var requests = 10_000
    var keyEnv = "BENCH_KEY"

    init(_ argv: [String]) {
        var i = 1
        while i + 1 < argv.count {
            switch argv[i] {
            case "--port": port = Int(argv[i + 1]) ?? 0
            case "--connections": connections = Int(argv[i + 1]) ?? connections
            case "--requests": requests = Int(argv[i + 1]) ?? requests
            case "--key-env": keyEnv = argv[i + 1]
            default: fatalError("unknown argument \(argv[i])")
            }
            i += 2
        }
    }
}

func connectLoopback(_ port: Int) -> Int32? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
    var timeout = timeval(tv_sec: 30, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var one: Int32 = 1
    setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    let rc = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    if rc != 0 { close(fd); return nil }
    return fd
}

/// Reads one answer; returns its status, or nil when the connection ended first.
func readAnswer(_ fd: Int32, _ buffer: inout [UInt8]) -> Int? {
    var chunk = [UInt8](repeating: 0, count: 16_384)
    while true {
        if let end = headerEnd(buffer) {
            let head = String(decoding: buffer[..<end], as: UTF8.self)
            var length = 0
            for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
                length = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) ?? 0
            }
            if buffer.count >= end + 4 + length {
                buffer.removeFirst(end + 4 + length)
                let parts = head.split(separator: " ")
                return parts.count > 1 ? Int(parts[1]) : nil
            }
        }
        let n = recv(fd, &chunk, chunk.count, 0)
        if n <= 0 { return nil }
        buffer += chunk[0..<n]
    }
}

func headerEnd(_ b: [UInt8]) -> Int? {
    guard b.count >= 4 else { return nil }
    for i in 0...(b.count - 4) where b[i] == 13 && b[i + 1] == 10 && b[i + 2] == 13 && b[i + 3] == 10 { return i }
    return nil
}

/// What all connection threads found, under one lock.
final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var statuses: [Int: Int] = [:]
    private(set) var lost = 0

    func add(_ local: [Int: Int], lost missing: Int) {
        lock.lock()
        for (s, k) in local { statuses[s, default: 0] += k }
        lost += missing
        lock.unlock()
    }
}

/// Request `n` of the run, in the shape `n` selects.
struct Requests: Sendable {
    let shapes: [String?]

    func bytes(_ n: Int) -> [UInt8] {
        var text = "POST /v1/feedback-records HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
        if let auth = shapes[n % shapes.count] { text += "Authorization: \(auth)\r\n" }
        return Array((text + "\r\n{}").utf8)
    }
}

func main() -> Int32 {
    let args = Arguments(CommandLine.arguments)
    guard args.port > 0, let key = ProcessInfo.processInfo.environment[args.keyEnv], !key.isEmpty else {
        FileHandle.standardError.write(Data("load-client: need --port and a key in $\(args.keyEnv)\n".utf8))
        return 2
    }
    let requests = Requests(shapes: [nil, key, "Bearer undefined", "Bearer " + key])
    signal(SIGPIPE, SIG_IGN)
    var sockets: [Int32] = []
    for _ in 0..<args.connections {
        guard let fd = connectLoopback(args.port) else { break }
        sockets.append(fd)
    }
    let tally = Tally()
    let group = DispatchGroup()
    let start = Date()
    for (c, fd) in sockets.enumerated() {
        // Connection c sends requests c, c+C, c+2C, ...: every shape on every connection, N in all.
        let mine = Array(stride(from: c, to: args.requests, by: sockets.count))
        group.enter()
        Thread.detachNewThread {
            var buffer: [UInt8] = []
            var local: [Int: Int] = [:]
            var answered = 0
            for n in mine {
                let bytes = requests.bytes(n)
                let sent = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard sent == bytes.count, let status = readAnswer(fd, &buffer) else { break }
                local[status, default: 0] += 1
                answered += 1
            }
            close(fd)
            tally.add(local, lost: mine.count - answered)
            group.leave()
        }
    }
    group.wait()
    let seconds = Date().timeIntervalSince(start)
    let answered = tally.statuses.values.reduce(0, +)
    let statusText = tally.statuses.keys.sorted().map { "\"\($0)\":\(tally.statuses[$0]!)" }.joined(separator: ",")
    print("{\"connections\":\(sockets.count),\"sent\":\(args.requests),\"answered\":\(answered),\"lost\":\(tally.lost),"
          + "\"seconds\":\(String(format: "%.3f", seconds)),\"rps\":\(Int(Double(answered) / seconds)),\"statuses\":{\(statusText)}}")
    return tally.lost == 0 && sockets.count == args.connections ? 0 : 1
}

exit(main())
