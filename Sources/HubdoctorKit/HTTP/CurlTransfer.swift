import CCurl
import Foundation

/// One easy handle and everything libcurl writes into while it runs. libcurl's callbacks are C
/// functions that capture nothing: they find this object through the `Unmanaged` pointer
/// passed as their user data. `CurlEngine` keeps the object alive until the transfer ends.
final class CurlTransfer: @unchecked Sendable {
    let request: HTTPClientRequest
    let handle: UnsafeMutableRawPointer
    /// `scheme://host:port`, what the engine limits connections by.
    let origin: String
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var body: [UInt8] = []
    private var truncated = false
    private var statusLine: String?
    private var headers: [(name: String, value: String)] = []
    private var continuation: CheckedContinuation<Result<HTTPClientResponse, TransportFailure>, Never>?
    /// Set from any thread by `CurlEngine.cancel`; read by the engine's thread.
    var cancelRequested = false

    init?(_ request: HTTPClientRequest) {
        CurlRuntime.ensureInitialized()
        guard let handle = curl_easy_init() else { return nil }
        self.request = request
        self.handle = handle
        // A unix socket is its own origin: the Docker engine's socket shares no connections or
        // limit with a service on http://localhost.
        origin = request.unixSocketPath.map { "unix://" + $0 } ?? HTTPClient.origin(of: request.url) ?? request.url
        self.errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        curl_easy_cleanup(handle)
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    func attach(_ continuation: CheckedContinuation<Result<HTTPClientResponse, TransportFailure>, Never>) {
        self.continuation = continuation
    }

    /// Applies the request to the handle. Returns a failure when libcurl refuses an option,
    /// which for a well-formed request means the URL.
    func configure() -> TransportFailure? {
        let owner = Unmanaged.passUnretained(self).toOpaque()
        var codes: [CURLcode] = [
            hd_setopt_string(handle, CURLOPT_URL, request.url),
            hd_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"),
            hd_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method),
            // Signals cannot be used from a multithreaded process; the threaded resolver times out without them.
            hd_setopt_long(handle, CURLOPT_NOSIGNAL, 1),
            // A redirect is evidence to report, and following one could carry the key to another origin.
            hd_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0),
            hd_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(request.connectTimeout)),
            hd_setopt_long(handle, CURLOPT_TIMEOUT_MS, Self.milliseconds(request.timeout)),
            hd_setopt_string(handle, CURLOPT_USERAGENT, "hubdoctor/\(Report.toolVersion)"),
            hd_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer),
            hd_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION) { buffer, size, count, owner in
                // libcurl passes back the WRITEDATA set below; without it, 0 stops the transfer.
                guard let owner else { return 0 }
                return Unmanaged<CurlTransfer>.fromOpaque(owner).takeUnretainedValue().receiveBody(buffer, size * count)
            },
            hd_setopt_pointer(handle, CURLOPT_WRITEDATA, owner),
            hd_setopt_data_callback(handle, CURLOPT_HEADERFUNCTION) { buffer, size, count, owner in
                guard let owner else { return 0 }
                return Unmanaged<CurlTransfer>.fromOpaque(owner).takeUnretainedValue().receiveHeader(buffer, size * count)
            },
            hd_setopt_pointer(handle, CURLOPT_HEADERDATA, owner),
        ]
        if request.method == "HEAD" { codes.append(hd_setopt_long(handle, CURLOPT_NOBODY, 1)) }
        if let ca = request.caFile { codes.append(hd_setopt_string(handle, CURLOPT_CAINFO, ca)) }
        if let cert = request.clientCertificate { codes.append(hd_setopt_string(handle, CURLOPT_SSLCERT, cert)) }
        if let key = request.clientKey { codes.append(hd_setopt_string(handle, CURLOPT_SSLKEY, key)) }
        if !request.verifyPeer {
            codes.append(hd_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 0))
            codes.append(hd_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 0))
        }
        if let socket = request.unixSocketPath { codes.append(hd_setopt_unix_socket_path(handle, socket)) }
        if request.connectOnly { codes.append(hd_setopt_long(handle, CURLOPT_CONNECT_ONLY, 1)) }
        for (name, value) in request.headers {
            headerList = curl_slist_append(headerList, "\(name): \(value)")
        }
        if let headerList { codes.append(hd_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList)) }
        if let bad = codes.first(where: { $0 != CURLE_OK }) {
            return failure(bad)
        }
        return nil
    }

    static func milliseconds(_ seconds: Double) -> Int {
        Int((seconds * 1000).rounded(.up))
    }

    private func receiveBody(_ buffer: UnsafeMutablePointer<CChar>?, _ length: Int) -> Int {
        guard let buffer, length > 0 else { return length }
        let room = request.bodyLimit - body.count
        let bytes = UnsafeRawBufferPointer(start: buffer, count: min(length, max(room, 0)))
        body.append(contentsOf: bytes)
        if length > room {
            truncated = true
            return 0 // makes libcurl stop reading: a huge body costs no more than the limit
        }
        return length
    }

    private func receiveHeader(_ buffer: UnsafeMutablePointer<CChar>?, _ length: Int) -> Int {
        guard let buffer else { return length }
        let line = String(decoding: UnsafeRawBufferPointer(start: buffer, count: length), as: UTF8.self)
            .trimmingCharacters(in: .newlines)
        if line.hasPrefix("HTTP/") {
            // A new response (after a 100 Continue) replaces the earlier one's headers.
            statusLine = line
            headers = []
        } else if let colon = line.firstIndex(of: ":") {
            let name = String(line[..<colon])
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers.append((name, value))
        }
        return length
    }

    /// Called on the engine's thread when libcurl is done with the handle.
    func complete(_ code: CURLcode) {
        let result: Result<HTTPClientResponse, TransportFailure>
        if code == CURLE_OK || (code == CURLE_WRITE_ERROR && truncated) {
            var status = 0
            hd_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
            var ip: UnsafePointer<CChar>?
            hd_getinfo_string(handle, CURLINFO_PRIMARY_IP, &ip)
            result = .success(HTTPClientResponse(status: status, headers: headers, body: body, bodyTruncated: truncated,
                                                 timings: timings(), remoteIP: ip.map { String(cString: $0) }))
        } else {
            result = .failure(failure(code))
        }
        resume(result)
    }

    func resume(_ result: Result<HTTPClientResponse, TransportFailure>) {
        continuation?.resume(returning: result)
        continuation = nil
    }

    func timings() -> HTTPEvidence.Timings {
        func micros(_ info: CURLINFO) -> Double {
            var v: curl_off_t = 0
            hd_getinfo_off_t(handle, info, &v)
            return Double(v)
        }
        let dns = micros(CURLINFO_NAMELOOKUP_TIME_T), connect = micros(CURLINFO_CONNECT_TIME_T)
        let tls = micros(CURLINFO_APPCONNECT_TIME_T), first = micros(CURLINFO_STARTTRANSFER_TIME_T)
        let total = micros(CURLINFO_TOTAL_TIME_T)
        // libcurl reports moments since the start; a reader wants how long each phase took.
        let ready = max(connect, tls)
        return HTTPEvidence.Timings(
            dnsMs: Self.ms(dns), connectMs: Self.ms(connect > 0 ? connect - dns : 0), tlsMs: Self.ms(tls > 0 ? tls - connect : 0),
            serverMs: Self.ms(first > 0 ? first - ready : 0), totalMs: Self.ms(total))
    }

    static func ms(_ micros: Double) -> Double { (micros / 10).rounded() / 100 }

    func failure(_ code: CURLcode) -> TransportFailure {
        var osErrno = 0
        hd_getinfo_long(handle, CURLINFO_OS_ERRNO, &osErrno)
        var verify = 0
        hd_getinfo_long(handle, CURLINFO_SSL_VERIFYRESULT, &verify)
        let detail = String(cString: errorBuffer)
        let text = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        var connectedAt: curl_off_t = 0
        hd_getinfo_off_t(handle, CURLINFO_CONNECT_TIME_T, &connectedAt)
        var resolvedAt: curl_off_t = 0
        hd_getinfo_off_t(handle, CURLINFO_NAMELOOKUP_TIME_T, &resolvedAt)
        let t = timings()
        let (kind, reason) = CurlFailureReading(code: code, osErrno: osErrno, verifyResult: verify, text: text,
                                                request: request, connected: connectedAt > 0, resolved: resolvedAt > 0,
                                                bodyBytes: body.count, cancelled: cancelRequested).explain()
        return TransportFailure(kind: kind, reason: reason, curlCode: Int(code.rawValue), curlText: text, timings: t)
    }
}
