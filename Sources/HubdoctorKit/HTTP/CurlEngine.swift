import CCurl
import Foundation

/// Runs every transfer of the process on one libcurl multi handle, driven by one thread of its
/// own. Blocking `curl_easy_perform` calls would each hold one of Swift's few cooperative
/// threads (two on a two-core machine), so twenty concurrent probes would run two at a time;
/// here they all run at once and also share libcurl's DNS and connection caches.
final class CurlEngine: @unchecked Sendable {
    static let shared = CurlEngine()

    private let multi: UnsafeMutableRawPointer
    private let lock = NSLock()
    private var incoming: [CurlTransfer] = []
    /// Owned by the engine thread only.
    private var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]

    private init() {
        CurlRuntime.ensureInitialized()
        guard let multi = curl_multi_init() else { fatalError("curl_multi_init failed: out of memory") }
        self.multi = multi
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
            // Both decided under the lock: a cancel that lands after it is seen on the next turn,
            // when the transfer is already active.
            let cancelled = active.values.filter(\.cancelRequested) + new.filter(\.cancelRequested)
            let toAdd = new.filter { !$0.cancelRequested }
            lock.unlock()
            for t in toAdd {
                active[t.handle] = t
                curl_multi_add_handle(multi, t.handle)
            }
            for t in cancelled {
                if active.removeValue(forKey: t.handle) != nil { curl_multi_remove_handle(multi, t.handle) }
                t.resume(.failure(TransportFailure(kind: .cancelled, reason: "the request was cancelled")))
            }
            curl_multi_perform(multi, &running)
            var left: Int32 = 0
            while let message = curl_multi_info_read(multi, &left) {
                guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle,
                      let t = active.removeValue(forKey: handle) else { continue }
                let code = hd_msg_result(message)
                curl_multi_remove_handle(multi, handle)
                t.complete(code)
            }
            // Sleeps until a socket is ready, libcurl's next timeout, or `curl_multi_wakeup`.
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
    }
}
