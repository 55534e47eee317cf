import Foundation
import Testing
@testable import HubdoctorKit

@Suite struct HTTPListenerTests {
    @Test func portZeroBindsAFreePortAndAnswersWithTheHandlersResponse() async throws {
        let listener = try await HTTPListener.start(port: 0) { request in
            .json(200, #"{"path":"\#(request.path)","auth":"\#(request.header("authorization") ?? "none")"}"#)
        }
        try await serving(listener) { listener in
            #expect(listener.port > 0)
            let socket = try RawSocket(port: listener.port)
            socket.send("GET /v1/webhooks?x=1 HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer t\r\nConnection: close\r\n\r\n")
            let answer = await socket.readAll()
            socket.shutdown()
            #expect(answer.hasPrefix("HTTP/1.1 200 OK"))
            let body = #"{"path":"/v1/webhooks","auth":"Bearer t"}"#
            #expect(answer.hasSuffix("\r\n\r\n" + body))
            #expect(answer.lowercased().contains("content-length: \(body.utf8.count)\r\n"))
            #expect(listener.stats.requests == 1)
        }
    }

    @Test func malformedRequestIsAnswered400AndCountedWhileTheListenerKeepsServing() async throws {
        let listener = try await HTTPListener.start(port: 0) { _ in .text(200, "ok") }
        try await serving(listener) { listener in
            let bad = try RawSocket(port: listener.port)
            bad.send("THIS IS NOT HTTP\r\n\r\n")
            #expect(await bad.readAll().hasPrefix("HTTP/1.1 400"))
            bad.shutdown()
            let good = try RawSocket(port: listener.port)
            good.send("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            #expect(await good.readAll().hasPrefix("HTTP/1.1 200"))
            good.shutdown()
            #expect(listener.stats.malformed == 1)
            #expect(listener.stats.requests == 1)
        }
    }

    @Test func oversizedHeadersGet431AndOversizedBodiesGet413WithoutReachingTheHandler() async throws {
        let limits = ListenerLimits(maxHeaderBytes: 512, maxBodyBytes: 64)
        let listener = try await HTTPListener.start(port: 0, limits: limits) { _ in .text(200, "ok") }
        try await serving(listener) { listener in
            let big = try RawSocket(port: listener.port)
            big.send("GET / HTTP/1.1\r\nHost: a\r\nX-Filler: \(String(repeating: "a", count: 1000))\r\n\r\n")
            #expect(await big.readAll().hasPrefix("HTTP/1.1 431"))
            big.shutdown()
            let body = try RawSocket(port: listener.port)
            body.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n" + String(repeating: "b", count: 100))
            #expect(await body.readAll().hasPrefix("HTTP/1.1 413"))
            body.shutdown()
            #expect(listener.stats.oversized == 2)
            #expect(listener.stats.requests == 0)
        }
    }

    @Test func connectionsBeyondTheLimitAreClosedOnAccept() async throws {
        let listener = try await HTTPListener.start(port: 0, limits: ListenerLimits(maxConnections: 1)) { _ in .text(200, "ok") }
        try await serving(listener) { listener in
            let first = try RawSocket(port: listener.port)
            try await Task.sleep(nanoseconds: 100_000_000)
            let second = try RawSocket(port: listener.port)
            second.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(await second.readAll() == "")
            second.shutdown()
            first.shutdown()
            #expect(listener.stats.rejectedConnections == 1)
        }
    }

    @Test func idleConnectionsAreClosedAfterTheIdleTimeout() async throws {
        let listener = try await HTTPListener.start(port: 0, limits: ListenerLimits(idleTimeout: 0.2)) { _ in .text(200, "ok") }
        try await serving(listener) { listener in
            let socket = try RawSocket(port: listener.port)
            let (text, seconds) = await socket.readAllTimed()
            socket.shutdown()
            #expect(text == "")
            #expect(seconds < Machine.allow(2), "closed after \(seconds) s; the socket's own read timeout is 5 s")
        }
    }

    @Test func stopLetsARunningHandlerFinishThenRefusesNewConnections() async throws {
        // The handler answers only once stop() has begun, however slowly this test runs.
        final class Box: @unchecked Sendable { var listener: HTTPListener? }
        let box = Box()
        let listener = try await HTTPListener.start { _ in
            while box.listener?.isStopping != true { try? await Task.sleep(nanoseconds: 5_000_000) }
            return .text(200, "late")
        }
        box.listener = listener
        let socket = try RawSocket(port: listener.port)
        socket.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        while listener.stats.requests == 0 { try await Task.sleep(nanoseconds: 5_000_000) }
        await listener.stop(grace: 30)
        let answer = await socket.readAll()
        socket.shutdown()
        #expect(answer.hasPrefix("HTTP/1.1 200"))
        #expect(answer.hasSuffix("late"))
        #expect(answer.lowercased().contains("connection: close"))
        #expect(throws: (any Error).self) { try RawSocket(port: listener.port) }
    }

    @Test func stopCancelsAHandlerThatNeverAnswersOnceTheGraceIsOver() async throws {
        let listener = try await HTTPListener.answering(after: 3600, with: "never")
        let socket = try RawSocket(port: listener.port)
        socket.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        try await Task.sleep(nanoseconds: 50_000_000)
        let started = Date()
        await listener.stop(grace: 0.2)
        #expect(Date().timeIntervalSince(started) < 30, "stop must not wait for a handler that sleeps an hour")
        let rest = await socket.readAll()
        #expect(!rest.contains("never"))
        socket.shutdown()
    }

    @Test func bindingAnAddressInUseIsAnErrorNamingTheAddress() async throws {
        let first = try await HTTPListener.start(port: 0) { _ in .text(200, "ok") }
        try await serving(first) { first in
            await #expect(throws: HubdoctorError.self) {
                _ = try await HTTPListener.start(port: first.port) { _ in .text(200, "ok") }
            }
        }
    }

    @Test func truncatedAndSilentDeliveriesMisbehaveAsAsked() async throws {
        let listener = try await HTTPListener.start(port: 0) { request in
            request.path == "/silent"
                ? ListenerResponse(status: 200, delivery: .closeWithoutAnswer)
                : ListenerResponse(status: 200, body: Array(repeating: 65, count: 100), delivery: .truncated(afterBytes: 10))
        }
        try await serving(listener) { listener in
            let silent = try RawSocket(port: listener.port)
            silent.send("GET /silent HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(await silent.readAll() == "")
            silent.shutdown()
            let cut = try RawSocket(port: listener.port)
            cut.send("GET /cut HTTP/1.1\r\nHost: a\r\n\r\n")
            let answer = await cut.readAll()
            cut.shutdown()
            #expect(answer.lowercased().contains("content-length: 100"))
            #expect(answer.hasSuffix("\r\n\r\n" + String(repeating: "A", count: 10)))
        }
    }

    @Test func pipelinedRequestsOnOneConnectionAreAnsweredInOrder() async throws {
        let listener = try await HTTPListener.start(port: 0) { request in .text(200, request.path) }
        try await serving(listener) { listener in
            let socket = try RawSocket(port: listener.port)
            socket.send("GET /first HTTP/1.1\r\nHost: a\r\n\r\nGET /second HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            let answer = await socket.readAll()
            socket.shutdown()
            let first = try #require(answer.range(of: "\r\n\r\n/first"))
            let second = try #require(answer.range(of: "\r\n\r\n/second"))
            #expect(first.lowerBound < second.lowerBound)
            #expect(listener.stats.requests == 2)
        }
    }

    @Test func stopClosesAnIdleKeepAliveConnectionWithoutWaitingOutTheGrace() async throws {
        let listener = try await HTTPListener.start(port: 0) { _ in .text(200, "ok") }
        let socket = try RawSocket(port: listener.port)
        #expect(await KeepAliveExchange.run(socket, requests: ["GET / HTTP/1.1\r\nHost: a\r\n\r\n"]) == [200])
        let started = Date()
        await listener.stop(grace: 30)
        #expect(Date().timeIntervalSince(started) < Machine.allow(5), "nothing was being answered: stop must not wait 30 s")
        #expect(await socket.readAll() == "")
        socket.shutdown()
        #expect(listener.stats.openConnections == 0)
    }

    @Test func anUpgradeTheRouteRefusesIsAnsweredByTheHandlerLikeAnyRequest() async throws {
        let route = ListenerWebSocketRoute(accepts: { _ in false }, session: { _, _ in })
        let listener = try await HTTPListener.start(port: 0, webSocket: route) { request in
            .text(401, "refused \(request.path)")
        }
        try await serving(listener) { listener in
            // Refused by the route, and refused by the upgrader itself (no Sec-WebSocket-Key). NIO's
            // HTTP parser stops after an upgrade request even when it is refused, so each asks to close.
            let key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            for (path, headers) in [("/ws", key), ("/nokey", "")] {
                let socket = try RawSocket(port: listener.port)
                socket.send("GET \(path) HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, close\r\nUpgrade: websocket\r\n\(headers)\r\n")
                let answer = await socket.readAll()
                socket.shutdown()
                #expect(answer.hasPrefix("HTTP/1.1 401"))
                #expect(answer.hasSuffix("refused \(path)"))
            }
            #expect(listener.stats.requests == 2)
        }
    }
}
