import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import HubdoctorKit

/// What a stand-in service faces from broken callers: garbage, silence, slowness, huge headers,
/// and many clients at once. Every request is classified or counted, and the listener keeps serving.
@Suite struct CaptureRobustnessTests {
    static let key = CaptureSessionTests.key

    static func start(count: Int? = nil, timeout: Double = 120, limits: ListenerLimits? = nil, maxListed: Int? = nil) async throws -> CaptureSession {
        try await CaptureSessionTests.start(count: count, timeout: timeout, limits: limits, maxListed: maxListed)
    }

    static func request(_ auth: String?, path: String = "/v1/webhooks", close: Bool = true) -> String {
        "GET \(path) HTTP/1.1\r\nHost: hub\r\n" + (auth.map { "Authorization: \($0)\r\n" } ?? "") + (close ? "Connection: close\r\n" : "") + "\r\n"
    }

    static func port(_ session: CaptureSession) -> Int { Int(session.address.split(separator: ":").last!)! }

    @Test func garbageTLSAndHalfRequestsAreCountedAndTheListenerKeepsClassifying() async throws {
        let session = try await Self.start(count: 1)
        let port = Self.port(session)
        let garbage = try RawSocket(port: port, host: CaptureSessionTests.host)
        garbage.send("THIS IS NOT HTTP\r\n\r\n")
        #expect(await garbage.readAll().hasPrefix("HTTP/1.1 400"))
        garbage.shutdown()
        // A TLS ClientHello sent to the plain-HTTP listener (a caller configured with https://).
        let tls = try RawSocket(port: port, host: CaptureSessionTests.host)
        tls.send("\u{16}\u{03}\u{01}\u{02}\u{00}\u{01}\u{00}\u{01}\u{fc}\u{03}\u{03}")
        _ = await tls.readAll()
        tls.shutdown()
        // A request cut off in its headers: the client gave up or crashed mid-write.
        let half = try RawSocket(port: port, host: CaptureSessionTests.host)
        half.send("GET /v1/webhooks HTTP/1.1\r\nHost: hub\r\nAuthoriz")
        Glibc.shutdown(half.fd, Int32(SHUT_WR))
        _ = await half.readAll()
        half.shutdown()
        let good = try RawSocket(port: port, host: CaptureSessionTests.host)
        good.send(Self.request(nil))
        #expect(await good.readAll().contains(SandboxHub.missingHeader))
        good.shutdown()
        let report = await session.finish()
        #expect(report.findings.first { $0.check == CheckID.captureRequest }?.cause == .callerKeyMissing)
        let malformed = try #require(report.findings.first { $0.check == CheckID.captureMalformed })
        #expect(malformed.count == 3)
        #expect(malformed.message.contains("TLS"))
    }

    @Test func silentConnectionsAreClosedAfterTheIdleTimeAndDoNotBlockOthers() async throws {
        let limits = ListenerLimits(idleTimeout: 0.5, maxConnections: 64)
        let session = try await Self.start(count: 1, limits: limits)
        let port = Self.port(session)
        let silent = try (0..<40).map { _ in try RawSocket(port: port, host: CaptureSessionTests.host) }
        let good = try RawSocket(port: port, host: CaptureSessionTests.host)
        good.send(Self.request("Bearer " + Self.key))
        #expect(await good.readAll().hasPrefix("HTTP/1.1 200"))
        good.shutdown()
        // The silent ones are closed by the listener: reading them ends well before the socket's 5 s timeout.
        let started = Date()
        for s in silent { _ = await s.readAll(); s.shutdown() }
        #expect(Date().timeIntervalSince(started) < Machine.allow(4))
        let report = await session.finish()
        #expect(report.findings.filter { $0.check == CheckID.captureRequest }.map(\.status) == [.pass])
    }

    @Test func aSlowClientTricklingItsRequestIsStillClassified() async throws {
        let session = try await Self.start(count: 1)
        let slow = try RawSocket(port: Self.port(session), host: CaptureSessionTests.host)
        for byte in Self.request("Bearer undefined") {
            slow.send(String(byte))
            try await Task.sleep(nanoseconds: 2_000_000)
        }
        #expect(await slow.readAll().hasPrefix("HTTP/1.1 401"))
        slow.shutdown()
        let report = await session.finish()
        #expect(report.findings.first?.cause == .placeholderKey)
    }

    @Test func hugeHeadersAreRefusedAndCountedWithoutBreakingTheNextRequest() async throws {
        let session = try await Self.start(count: 1)
        let port = Self.port(session)
        // Over the listener's 16 KiB limit: 431. Over the HTTP parser's own limit: 400 as malformed.
        for (size, status) in [(40_000, "431"), (200_000, "400")] {
            let huge = try RawSocket(port: port, host: CaptureSessionTests.host)
            huge.send("GET /v1/webhooks HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer \(String(repeating: "A", count: size))\r\n\r\n")
            #expect(await huge.readAll().hasPrefix("HTTP/1.1 \(status)"))
            huge.shutdown()
        }
        let good = try RawSocket(port: port, host: CaptureSessionTests.host)
        good.send(Self.request(Self.key))
        #expect(await good.readAll().contains(SandboxHub.invalidFormat))
        good.shutdown()
        let report = await session.finish()
        #expect(report.findings.first?.cause == .headerShape)
        let refused = try #require(report.findings.first { $0.check == CheckID.captureMalformed })
        #expect(refused.count == 2)
        #expect(refused.message.contains("431"))
    }

    @Test func manyClientsAtOnceAreAllAccountedFor() async throws {
        let clients = 200, perClient = 5
        let session = try await Self.start(count: clients * perClient)
        let port = Self.port(session)
        let shapes: [String?] = [nil, "Bearer " + Self.key, Self.key, "Bearer undefined"]
        // All connections open before any request: the listener holds 200 at once.
        let sockets = try (0..<clients).map { _ in try RawSocket(port: port, host: CaptureSessionTests.host) }
        let statuses = await withTaskGroup(of: [Int].self) { group in
            for (i, socket) in sockets.enumerated() {
                var batch: [String] = []
                for j in 0..<perClient {
                    batch.append(Self.request(shapes[(i + j) % shapes.count], close: j == perClient - 1))
                }
                group.addTask { await KeepAliveExchange.run(socket, requests: batch) }
            }
            var all: [Int] = []
            for await s in group { all += s }
            return all
        }
        sockets.forEach { $0.shutdown() }
        let report = await session.finish()
        let requests = report.findings.filter { $0.check == CheckID.captureRequest }
        #expect(statuses.count == clients * perClient)
        #expect(requests.count == clients * perClient)
        #expect(statuses.filter { $0 == 200 }.count == requests.filter { $0.status == .pass }.count)
        #expect(Set(requests.map(\.title).map { $0.split(separator: " ").first! }).count == clients * perClient, "every index once")
    }

    @Test func aFloodIsCountedPastTheListedRequestsSoTheReportStaysBounded() async throws {
        let session = try await Self.start(count: 300, maxListed: 50)
        let port = Self.port(session)
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<10 {
                group.addTask {
                    guard let s = try? RawSocket(port: port, host: CaptureSessionTests.host) else { return }
                    _ = await KeepAliveExchange.run(s, requests: (0..<30).map { j in Self.request(i % 2 == 0 ? nil : "Bearer x\(j)yz", close: j == 29) })
                    s.shutdown()
                }
            }
        }
        let report = await session.finish()
        #expect(report.findings.filter { $0.check == CheckID.captureRequest }.count == 50)
        let unlisted = try #require(report.findings.first { $0.check == CheckID.captureUnlisted })
        #expect(unlisted.count == 250)
    }
}

/// Sends requests one after another on one keep-alive connection and reads each answer by its
/// Content-Length, as an HTTP/1.1 client does. Returns the statuses.
enum KeepAliveExchange {
    static func run(_ socket: RawSocket, requests: [String]) async -> [Int] {
        await withCheckedContinuation { continuation in
            Thread {
                var statuses: [Int] = []
                var buffer: [UInt8] = []
                for request in requests {
                    socket.send(request)
                    guard let status = readAnswer(socket.fd, &buffer) else { break }
                    statuses.append(status)
                }
                continuation.resume(returning: statuses)
            }.start()
        }
    }

    static func readAnswer(_ fd: Int32, _ buffer: inout [UInt8]) -> Int? {
        var chunk = [UInt8](repeating: 0, count: 8192)
        while true {
            if let end = headerEnd(buffer) {
                let head = String(decoding: buffer[..<end], as: UTF8.self)
                let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                if buffer.count >= end + 4 + length {
                    buffer.removeFirst(end + 4 + length)
                    return Int(head.split(separator: " ")[1])
                }
            }
            let n = recv(fd, &chunk, chunk.count, 0)
            if n <= 0 { return nil }
            buffer += chunk[0..<n]
        }
    }

    static func headerEnd(_ b: [UInt8]) -> Int? {
        guard b.count >= 4 else { return nil }
        for i in 0...(b.count - 4) where b[i] == 13 && b[i + 1] == 10 && b[i + 2] == 13 && b[i + 3] == 10 { return i }
        return nil
    }
}
