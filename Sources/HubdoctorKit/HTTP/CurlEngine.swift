import CCurl
import Foundation

/// Runs every transfer of the process on one libcurl multi handle, driven by one thread of its
/// own. Blocking `curl_easy_perform` calls would each hold one of Swift's few cooperative
/// threads (two on a two-core machine), so twenty concurrent probes would run two at a time;
/// here they all run at once and also share libcurl's DNS and connection caches.
///
/// At most `request.maxConnections` transfers run at once per origin (scheme, host and port), and
/// libcurl is told the same (`CURLMOPT_MAX_HOST_CONNECTIONS`, the largest limit asked for): a
/// check of many links to one service must not open hundreds of connections, which a service
/// with a connection limit answers with resets. The rest wait here, not inside libcurl, so that
/// their time in the queue does not count against their own timeouts (libcurl counts a
/// transfer's timeout from when it was added); a finished transfer leaves its connection in
/// libcurl's pool for the next one to the origin.
final class CurlEngine: @unchecked Sendable {
    static let shared = CurlEngine()

    private let multi: UnsafeMutableRawPointer
    private let lock = NSLock()
    private var incoming: [CurlTransfer] = []
    /// Owned by the engine thread only.
    private var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]
    private var waiting: [String: [CurlTransfer]] = [:]
    private var runningPerOrigin: [String: Int] = [:]
    /// libcurl's own limit: the largest any transfer asked for (each origin's is enforced here).
    private var curlLimit = HTTPClientRequest.defaultMaxConnections

    private init() {
        CurlRuntime.ensureInitialized()
        guard let multi = curl_multi_init() else { fatalError("curl_multi_init failed: out of memory") }
        self.multi = multi
        _ = hd_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, curlLimit)
        let thread = Thread { [unowned self] in self.loop() }
        thread.name = "hubdoctor-curl"
        thread.start()
    }

    func start(_ transfer: CurlTransfer) {
        lock.lock()
        incoming.append(transfer)
        lock.unlock()
        curl_multi_wakeup(multi)
    }

    func cancel(_ transfer: CurlTransfer) {
        lock.lock()
        transfer.cancelRequested = true
        lock.unlock()
        curl_multi_wakeup(multi)
    }

    private func loop() {
        var running: Int32 = 0
        while true {
            lock.lock()
            let new = incoming
            incoming = []
            // Decided under the lock: a cancel that lands after it is seen on the next turn.
            let cancelled = (Array(active.values) + waiting.values.flatMap { $0 } + new).filter(\.cancelRequested)
            let toQueue = new.filter { !$0.cancelRequested }
            lock.unlock()
            if let wanted = new.map(\.request.maxConnections).max(), wanted > curlLimit {
                curlLimit = wanted
                _ = hd_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, wanted)
            }
            for t in toQueue { waiting[t.origin, default: []].append(t) }
            for t in cancelled {
                if active.removeValue(forKey: t.handle) != nil {
                    curl_multi_remove_handle(multi, t.handle)
                    finished(t.origin)
                } else {
                    waiting[t.origin]?.removeAll { $0 === t }
                }
                t.resume(.failure(TransportFailure(kind: .cancelled, reason: "the request was cancelled")))
            }
            admit()
            curl_multi_perform(multi, &running)
            var left: Int32 = 0
            while let message = curl_multi_info_read(multi, &left) {
                guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle,
                      let t = active.removeValue(forKey: handle) else { continue }
                let code = hd_msg_result(message)
                curl_multi_remove_handle(multi, handle)
                finished(t.origin)
                t.complete(code)
            }
            // Transfers that were waiting for those: added now, so the poll below returns at once.
            admit()
            // Sleeps until a socket is ready, libcurl's next timeout, or `curl_multi_wakeup`.
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
    }

    /// Hands libcurl the waiting transfers of each origin that has room, oldest first.
    private func admit() {
        for (origin, queue) in waiting where !queue.isEmpty {
            var queue = queue
            var count = runningPerOrigin[origin, default: 0]
            while let t = queue.first, count < max(1, t.request.maxConnections) {
                queue.removeFirst()
                // The transfer's clock starts now: its timeouts do not include the wait.
                active[t.handle] = t
                curl_multi_add_handle(multi, t.handle)
                count += 1
            }
            runningPerOrigin[origin] = count
            waiting[origin] = queue.isEmpty ? nil : queue
        }
    }

    private func finished(_ origin: String) {
        let n = runningPerOrigin[origin, default: 1] - 1
        runningPerOrigin[origin] = n > 0 ? n : nil
    }
}
