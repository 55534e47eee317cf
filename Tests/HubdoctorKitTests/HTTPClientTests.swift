import Foundation
import Synchronization
import Testing
@testable import HubdoctorKit

@Suite struct HTTPClientTests {
    func failure(_ request: HTTPClientRequest) async -> TransportFailure? {
        do {
            _ = try await HTTPClient.send(request)
            return nil
        } catch {
            return error
        }
    }

    @Test func answerCarriesStatusHeadersBodyAndPhaseTimings() async throws {
        let listener = try await HTTPListener.start { request in
            .json(200, #"{"auth":"\#(request.header("authorization") ?? "")"}"#, headers: [ListenerHeader("X-Seen", "1")])
        }
        try await serving(listener) { listener in
            let response = try await HTTPClient.send(HTTPClientRequest(url: listener.baseURL + "/health", headers: [("Authorization", "Bearer abc")]))
            #expect(response.status == 200)
            #expect(response.header("x-seen") == "1")
            #expect(response.bodyText == #"{"auth":"Bearer abc"}"#)
            #expect(response.timings.totalMs > 0)
            #expect(response.timings.totalMs >= response.timings.serverMs)
            #expect(response.remoteIP == "127.0.0.1")
        }
    }

    @Test func redirectsAreReportedNotFollowed() async throws {
        let listener = try await HTTPListener.start { request in
            request.path == "/start"
                ? ListenerResponse(status: 307, headers: [ListenerHeader("Location", "http://127.0.0.1:9/elsewhere")])
                : .text(200, "followed")
        }
        try await serving(listener) { listener in
            let response = try await HTTPClient.send(HTTPClientRequest(url: listener.baseURL + "/start"))
            #expect(response.status == 307)
            #expect(response.header("Location") == "http://127.0.0.1:9/elsewhere")
            #expect(listener.stats.requests == 1)
        }
    }

    @Test func aHugeBodyIsCutAt64KiBWithoutReadingTheRest() async throws {
        let listener = try await HTTPListener.start { _ in
            ListenerResponse(status: 200, body: [UInt8](repeating: 120, count: 8 * 1024 * 1024))
        }
        try await serving(listener) { listener in
            let response = try await HTTPClient.send(HTTPClientRequest(url: listener.baseURL + "/"))
            #expect(response.status == 200)
            #expect(response.bodyTruncated)
            #expect(response.body.count == 64 * 1024)
        }
    }

    @Test func aClosedPortIsConnectionRefusedAtOnce() async throws {
        let listener = try await HTTPListener.start { _ in .text(200, "") }
        let port = listener.port
        await listener.stop()
        let f = await failure(HTTPClientRequest(url: "http://127.0.0.1:\(port)/health"))
        #expect(f?.kind == .connectionRefused)
        #expect(f?.reason.contains("127.0.0.1:\(port)") == true)
        #expect(f?.originUnreachable == true)
        #expect((f?.timings.totalMs ?? .infinity) < 500, "refused at once, not after a timeout")
    }

    @Test func anUnknownHostNameIsADNSFailureNamingTheHost() async throws {
        let f = await failure(HTTPClientRequest(url: "http://hivecfm-hub-api:8080/health", connectTimeout: 2, timeout: 3))
        #expect(f?.kind == .dnsFailure)
        #expect(f?.reason.contains("hivecfm-hub-api") == true)
    }

    @Test func aServerThatNeverAnswersTimesOutWithinTheTotalTimeout() async throws {
        let listener = try await HTTPListener.answering(after: 60)
        try await serving(listener, stop: { await $0.stop(grace: 0) }) { listener in
            let f = await failure(HTTPClientRequest(url: listener.baseURL + "/v1/webhooks", connectTimeout: 1, timeout: 0.5))
            #expect(f?.kind == .answerTimeout)
            #expect(f?.reason.contains("sent no answer within 0.5 s") == true)
            // libcurl's own clock: exact even when a busy test run delays this task's wake-up.
            let total = f?.timings.totalMs ?? 0
            #expect(total >= 450 && total < 700, "libcurl gave up after \(total) ms")
        }
    }

    @Test func aServerThatClosesWithoutAnsweringOrMidBodyIsNamedSo() async throws {
        let listener = try await HTTPListener.start { request in
            request.path == "/silent"
                ? ListenerResponse(status: 200, delivery: .closeWithoutAnswer)
                : ListenerResponse(status: 200, body: Array(repeating: 65, count: 100), delivery: .truncated(afterBytes: 10))
        }
        try await serving(listener) { listener in
            #expect(await failure(HTTPClientRequest(url: listener.baseURL + "/silent"))?.kind == .closedWithoutAnswer)
            #expect(await failure(HTTPClientRequest(url: listener.baseURL + "/cut"))?.kind == .closedMidResponse)
        }
    }

    @Test func malformedURLsAndOtherSchemesFailBeforeAnyNetwork() async throws {
        #expect(await failure(HTTPClientRequest(url: "http://exa mple/"))?.kind == .malformedURL)
        #expect(await failure(HTTPClientRequest(url: "ftp://example.com/"))?.kind == .unsupportedScheme)
        #expect(await failure(HTTPClientRequest(url: "localhost:8090"))?.kind == .unsupportedScheme)
        #expect(await failure(HTTPClientRequest(url: "http:///health"))?.kind == .malformedURL)
        let withPassword = await failure(HTTPClientRequest(url: "gopher://user:hunter2secret@example.com/"))
        #expect(withPassword?.reason.contains("hunter2secret") == false)
    }

    @Test func httpsToAPlainHTTPPortIsNamedSo() async throws {
        let listener = try await HTTPListener.start { _ in .text(200, "plain") }
        try await serving(listener) { listener in
            let f = await failure(HTTPClientRequest(url: "https://127.0.0.1:\(listener.port)/health"))
            #expect(f?.kind == .tlsToPlainPort)
        }
    }

    @Test func aSelfSignedCertificateIsUntrustedAndAWrongNameIsAMismatch() async throws {
        guard let server = try TLSServer(commonName: "wrong.example") else { return }
        let untrusted = await failure(HTTPClientRequest(url: "https://127.0.0.1:\(server.port)/"))
        #expect(untrusted?.kind == .tlsUntrusted)
        let mismatch = await failure(HTTPClientRequest(url: "https://127.0.0.1:\(server.port)/", caFile: server.certificate))
        #expect(mismatch?.kind == .tlsNameMismatch)
    }

    @Test func cancellingTheTaskEndsAHangingRequest() async throws {
        let listener = try await HTTPListener.answering(after: 60)
        try await serving(listener, stop: { await $0.stop(grace: 0) }) { listener in
            let task = Task { await failure(HTTPClientRequest(url: listener.baseURL + "/", timeout: 30)) }
            try await Task.sleep(nanoseconds: 100_000_000)
            task.cancel()
            #expect(await task.value?.kind == .cancelled, "ended by the cancellation, not by its 30 s timeout")
        }
    }

    @Test func twentyRequestsAreInFlightAtOnce() async throws {
        let barrier = ArrivalBarrier(count: 20)
        let listener = try await HTTPListener.start { _ in
            await barrier.arriveAndWait() ? .text(200, "together") : .text(503, "alone")
        }
        try await serving(listener) { listener in
            let statuses = await withTaskGroup(of: Int.self) { group in
                for i in 0..<20 {
                    group.addTask {
                        var request = HTTPClientRequest(url: listener.baseURL + "/\(i)", timeout: 30)
                        request.maxConnections = 20
                        return (try? await HTTPClient.send(request))?.status ?? 0
                    }
                }
                return await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 200, count: 20), "a request answered before all twenty arrived")
        }
    }
}

extension HTTPClientTests {
    /// Counts the requests a handler is answering at once, and the client connections it saw.
    final class Concurrency: Sendable {
        private let state = Mutex<(now: Int, peak: Int, clients: Set<String>)>((0, 0, []))
        func enter(_ client: String?) { state.withLock { $0.now += 1; $0.peak = max($0.peak, $0.now); $0.clients.insert(client ?? "?") } }
        func leave() { state.withLock { $0.now -= 1 } }
        var peak: Int { state.withLock { $0.peak } }
        var clients: Int { state.withLock { $0.clients.count } }
    }

    @Test func requestsToOneOriginShareAtMostMaxConnectionsAndTheirWaitIsNotTheirTimeout() async throws {
        let seen = Concurrency()
        var limits = ListenerLimits()
        limits.maxConnections = 5   // one spare: a closed connection may linger a moment on the server's side
        try await serving(try await HTTPListener.start(limits: limits) { request in
            seen.enter(request.remote)
            try? await Task.sleep(nanoseconds: 200_000_000)
            seen.leave()
            return .text(200, "ok")
        }) { listener in
            // 40 requests, 4 at a time, 0.2 s each: the last waits about 1.8 s for its turn, longer
            // than its own 1 s timeout, which it must not count.
            let started = Date()
            let statuses = await withTaskGroup(of: Int.self) { group in
                for i in 0..<40 {
                    group.addTask {
                        var request = HTTPClientRequest(url: listener.baseURL + "/\(i)", connectTimeout: 1, timeout: 1)
                        request.maxConnections = 4
                        return (try? await HTTPClient.send(request))?.status ?? 0
                    }
                }
                return await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 200, count: 40))
            #expect(Date().timeIntervalSince(started) > 1.5, "the requests did wait for each other")
            #expect(seen.peak <= 4, "\(seen.peak) requests at once")
            #expect(listener.stats.rejectedConnections == 0)
            // The connections were reused: four, not forty.
            #expect(seen.clients <= 4, "\(seen.clients) connections for 40 requests")
        }
    }
}
