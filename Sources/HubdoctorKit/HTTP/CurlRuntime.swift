import CCurl

/// libcurl's process-wide set-up. `curl_global_init` is not thread-safe and must run once,
/// before any handle exists; a static `let` gives exactly that.
enum CurlRuntime {
    private static let initialized: CURLcode = curl_global_init(Int(CURL_GLOBAL_ALL))

    static func ensureInitialized() {
        precondition(initialized == CURLE_OK, "curl_global_init failed")
    }
}
