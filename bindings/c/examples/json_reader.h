/*
 * Just enough of a JSON reader for the examples to walk the library's JSON replies
 * (recraft_journal_list): find a key in an object, step through an array, copy a
 * string out. It trusts its input to be valid JSON, as the library's is. A real
 * program would use its JSON library (cJSON, jansson, ...) instead.
 */
#ifndef RECRAFT_EXAMPLES_JSON_READER_H
#define RECRAFT_EXAMPLES_JSON_READER_H

#include <stddef.h>
#include <string.h>

static inline const char *json_skip_space(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    return p;
}

/* p at any value: returns the first character after it. */
static inline const char *json_skip_value(const char *p)
{
    int depth = 0;
    p = json_skip_space(p);
    do {
        if (*p == '"') {
            for (p++; *p && *p != '"'; p++)
                if (*p == '\\' && p[1]) p++;
            if (*p) p++;
        } else if (*p == '{' || *p == '[') {
            depth++, p++;
        } else if (*p == '}' || *p == ']') {
            depth--, p++;
        } else if (depth > 0) {
            p++; /* commas, colons, spaces, scalars inside a container */
        } else {
            while (*p && !strchr(",}] \t\r\n", *p)) p++; /* a scalar on its own */
        }
    } while (depth > 0 && *p);
    return p;
}

/* object at '{': returns where the value of key starts, or NULL without that key. */
static inline const char *json_object_get(const char *object, const char *key)
{
    size_t key_len = strlen(key);
    const char *p = json_skip_space(object);
    if (*p++ != '{') return NULL;
    for (;;) {
        p = json_skip_space(p);
        if (*p != '"') return NULL; /* '}': not found */
        const char *name = p + 1, *name_end = json_skip_value(p) - 1;
        p = json_skip_space(json_skip_space(name_end + 1) + 1); /* past the ':' */
        if ((size_t)(name_end - name) == key_len && memcmp(name, key, key_len) == 0) return p;
        p = json_skip_space(json_skip_value(p));
        if (*p == ',') p++;
    }
}

/* array at '[' (or the position after an element): returns the next element, or NULL
 * at the end. Walk with: for (e = json_array_next(a, 1); e; e = json_array_next(e, 0)). */
static inline const char *json_array_next(const char *p, int first)
{
    p = json_skip_space(p);
    if (first) {
        if (*p != '[') return NULL;
        p++;
    } else {
        p = json_skip_space(json_skip_value(p));
        if (*p == ',') p++;
    }
    p = json_skip_space(p);
    return (*p == ']' || *p == '\0') ? NULL : p;
}

/* value at a string: copies it, unescaped, to out; returns 0, or -1 when the value is not
 * a string (null, say) or does not fit. \u escapes outside ASCII become '?'. */
static inline int json_string_value(const char *value, char *out, size_t size)
{
    const char *p = json_skip_space(value);
    size_t n = 0;
    if (*p++ != '"') return -1;
    for (; *p && *p != '"'; p++) {
        char c = *p;
        if (c == '\\') {
            c = *++p;
            if (c == 'n') c = '\n';
            else if (c == 't') c = '\t';
            else if (c == 'r') c = '\r';
            else if (c == 'b') c = '\b';
            else if (c == 'f') c = '\f';
            else if (c == 'u') {
                unsigned code = 0;
                for (int i = 0; i < 4 && p[1]; i++) {
                    char h = *++p;
                    code = code * 16 + (unsigned)(h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
                }
                c = code < 0x80 ? (char)code : '?';
            }
        }
        if (n + 1 >= size) return -1;
        out[n++] = c;
    }
    out[n] = '\0';
    return 0;
}

#endif
