#ifndef HUBDOCTOR_CCURL_SHIM_H
#define HUBDOCTOR_CCURL_SHIM_H

/* Swift cannot call the variadic curl_easy_setopt and curl_easy_getinfo, so each argument kind
 * gets one typed helper. The typecheck macros are off: these helpers are the type check. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

typedef size_t (*hd_data_callback)(char *buffer, size_t size, size_t count, void *owner);

static inline CURLcode hd_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode hd_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode hd_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode hd_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode hd_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

/* CURLOPT_UNIX_SOCKET_PATH: the connection goes to this AF_UNIX socket instead of the URL's
 * host and port (the Docker Engine API at unix:///var/run/docker.sock). The URL still gives the
 * path and the Host header. */
static inline CURLcode hd_setopt_unix_socket_path(CURL *handle, const char *path) {
    return curl_easy_setopt(handle, CURLOPT_UNIX_SOCKET_PATH, path);
}

/* For CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION, which share one signature. */
static inline CURLcode hd_setopt_data_callback(CURL *handle, CURLoption option, hd_data_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

static inline CURLcode hd_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode hd_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode hd_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode hd_getinfo_string(CURL *handle, CURLINFO info, const char **value) {
    return curl_easy_getinfo(handle, info, value);
}

/* curl_multi_setopt is variadic too: one helper for the long-valued options
 * (CURLMOPT_MAX_HOST_CONNECTIONS, CURLMOPT_MAXCONNECTS). */
static inline CURLMcode hd_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

/* CURLMsg keeps its result in a union; reading it here spares Swift the union layout. */
static inline CURLcode hd_msg_result(const CURLMsg *message) {
    return message->data.result;
}

#endif
