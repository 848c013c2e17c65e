/* Shared by the C examples: report a failed call and exit; quote a string for JSON. */
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

#endif
