/* Shared by the C examples: report a failed call and exit; quote a string for JSON; make
 * the client the examples talk to. */
#ifndef RECRAFT_EXAMPLES_COMMON_H
#define RECRAFT_EXAMPLES_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recraft.h"

/* Prints what failed, the status's name and the library's last error message on this
 * thread, then exits with status 1. Call it right after the failing call. */
static inline void exit_with_error(const char *what, recraft_status status)
{
    fprintf(stderr, "error: %s: %s (%d): %s\n", what, recraft_status_name(status), (int)status,
            recraft_last_error_message());
    exit(1);
}

/* Writes s into out as a JSON string literal, quotes included, escaping what JSON
 * requires; returns 0, or -1 when it does not fit in size bytes. */
static inline int json_string(char *out, size_t size, const char *s)
{
    size_t n = 0;
    if (size < 3) return -1;
    out[n++] = '"';
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        char escaped[8];
        size_t len;
        if (c == '"' || c == '\\') {
            escaped[0] = '\\'; escaped[1] = (char)c; len = 2;
        } else if (c < 0x20) {
            len = (size_t)snprintf(escaped, sizeof escaped, "\\u%04x", c);
        } else {
            escaped[0] = (char)c; len = 1;
        }
        if (n + len + 2 > size) return -1;
        memcpy(out + n, escaped, len);
        n += len;
    }
    out[n++] = '"';
    out[n] = '\0';
    return 0;
}

/* The client the examples use: provider RECRAFT_PROVIDER (default "sandbox") at base_url,
 * with the key RECRAFT_API_KEY when set. Exits with status 2 when an argument is too long,
 * and through exit_with_error when the library refuses the configuration. */
static inline recraft_client *example_client(const char *base_url)
{
    const char *provider = getenv("RECRAFT_PROVIDER") ? getenv("RECRAFT_PROVIDER") : "sandbox";
    const char *api_key = getenv("RECRAFT_API_KEY") ? getenv("RECRAFT_API_KEY") : "";
    char url[2048], name[256], key[1024], config[4096];
    if (json_string(url, sizeof url, base_url) || json_string(name, sizeof name, provider) ||
        json_string(key, sizeof key, api_key)) {
        fprintf(stderr, "error: an argument is too long\n");
        exit(2);
    }
    snprintf(config, sizeof config, "{\"provider\": %s, \"base_url\": %s%s%s}", name, url,
             *api_key ? ", \"api_key\": " : "", *api_key ? key : "");
    recraft_client *client = NULL;
    recraft_status status = recraft_client_new(config, &client);
    if (status != RECRAFT_OK) exit_with_error("recraft_client_new", status);
    return client;
}

#endif
