// Typed wrappers for libcurl's variadic calls, which Swift cannot call directly.
// Each wrapper fixes the type of the third argument, as curl's docs require per option.
#ifndef RECRAFT_CCURL_SHIM_H
#define RECRAFT_CCURL_SHIM_H

#include <curl/curl.h>
#include <stddef.h>

typedef size_t (*rk_curl_data_callback)(char *data, size_t size, size_t nmemb, void *userdata);
typedef int (*rk_curl_xferinfo_callback)(void *userdata, curl_off_t dltotal, curl_off_t dlnow,
                                          curl_off_t ultotal, curl_off_t ulnow);

static inline CURLcode rk_easy_setopt_long(CURL *h, CURLoption opt, long value) {
    return curl_easy_setopt(h, opt, value);
}
static inline CURLcode rk_easy_setopt_off(CURL *h, CURLoption opt, curl_off_t value) {
    return curl_easy_setopt(h, opt, value);
}
static inline CURLcode rk_easy_setopt_string(CURL *h, CURLoption opt, const char *value) {
    return curl_easy_setopt(h, opt, value);
}
static inline CURLcode rk_easy_setopt_pointer(CURL *h, CURLoption opt, void *value) {
    return curl_easy_setopt(h, opt, value);
}
static inline CURLcode rk_easy_setopt_slist(CURL *h, CURLoption opt, struct curl_slist *value) {
    return curl_easy_setopt(h, opt, value);
}
static inline CURLcode rk_easy_setopt_mime(CURL *h, curl_mime *value) {
    return curl_easy_setopt(h, CURLOPT_MIMEPOST, value);
}
static inline CURLcode rk_easy_setopt_data_callback(CURL *h, CURLoption opt, rk_curl_data_callback value) {
    return curl_easy_setopt(h, opt, value);
}
static inline CURLcode rk_easy_setopt_xferinfo_callback(CURL *h, rk_curl_xferinfo_callback value) {
    return curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, value);
}
static inline CURLcode rk_easy_getinfo_long(CURL *h, CURLINFO info, long *out) {
    return curl_easy_getinfo(h, info, out);
}
static inline CURLcode rk_easy_getinfo_pointer(CURL *h, CURLINFO info, void **out) {
    return curl_easy_getinfo(h, info, out);
}
static inline CURLcode rk_easy_getinfo_off(CURL *h, CURLINFO info, curl_off_t *out) {
    return curl_easy_getinfo(h, info, out);
}
static inline CURLMcode rk_multi_setopt_long(CURLM *m, CURLMoption opt, long value) {
    return curl_multi_setopt(m, opt, value);
}

#include <sys/syscall.h>
#include <unistd.h>
/* Starts writeback of a byte range of a file (sync_file_range(..., SYNC_FILE_RANGE_WRITE));
 * glibc declares sync_file_range only under _GNU_SOURCE. */
static inline int rk_sync_file_range_write(int fd, long long offset, long long count) {
    return (int)syscall(SYS_sync_file_range, fd, offset, count, 2 /* SYNC_FILE_RANGE_WRITE */);
}

/* memfd_create(name, MFD_CLOEXEC) and eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC): glibc
 * declares them only under _GNU_SOURCE (and Swift's Glibc module without it). */
static inline int rk_memfd_create(const char *name) {
    return (int)syscall(SYS_memfd_create, name, 1U /* MFD_CLOEXEC */);
}
static inline int rk_eventfd_nonblocking(void) {
    return (int)syscall(SYS_eventfd2, 0U, 04000 | 02000000 /* EFD_NONBLOCK | EFD_CLOEXEC */);
}

#endif
