/* The version macros work at compile time (in #if too) and agree with the library's
 * recraft_version() at run time, so a program can tell when header and library differ. */
#include <stdio.h>

#include "recraft.h"

#if !defined(RECRAFT_VERSION_MAJOR) || !defined(RECRAFT_VERSION_MINOR) || !defined(RECRAFT_VERSION_PATCH)
#error "the header must define RECRAFT_VERSION_MAJOR/MINOR/PATCH"
#endif
#if !RECRAFT_VERSION_AT_LEAST(0, 1, 0)
#error "RECRAFT_VERSION_AT_LEAST(0, 1, 0) is false in #if (this header is 0.1.0 or later)"
#endif
#if RECRAFT_VERSION_AT_LEAST(RECRAFT_VERSION_MAJOR + 1, 0, 0)
#error "RECRAFT_VERSION_AT_LEAST(next major, 0, 0) is true in #if"
#endif

static int failed;

static void check(int ok, const char *what)
{
    printf("%s - %s\n", ok ? "ok" : "not ok", what);
    if (!ok) failed++;
}

int main(void)
{
    const int M = RECRAFT_VERSION_MAJOR, m = RECRAFT_VERSION_MINOR, p = RECRAFT_VERSION_PATCH;
    int lib_major = -1, lib_minor = -1, lib_patch = -1;
    char extra = 0;
    const char *version = recraft_version();
    int fields = version ? sscanf(version, "%d.%d.%d%c", &lib_major, &lib_minor, &lib_patch, &extra) : 0;

    printf("header %d.%d.%d, library %s\n", M, m, p, version ? version : "(NULL)");
    check(fields == 3, "recraft_version() is exactly MAJOR.MINOR.PATCH");
    check(lib_major == M && lib_minor == m && lib_patch == p, "recraft_version() equals the header's macros");

    /* The macro at its edges: the version itself, one step either side of each part. */
    check(RECRAFT_VERSION_AT_LEAST(M, m, p), "AT_LEAST(this version)");
    check(!RECRAFT_VERSION_AT_LEAST(M, m, p + 1), "not AT_LEAST(next patch)");
    check(!RECRAFT_VERSION_AT_LEAST(M, m + 1, 0), "not AT_LEAST(next minor)");
    check(!RECRAFT_VERSION_AT_LEAST(M + 1, 0, 0), "not AT_LEAST(next major)");
    check(p == 0 || RECRAFT_VERSION_AT_LEAST(M, m, p - 1), "AT_LEAST(previous patch)");
    check(m == 0 || RECRAFT_VERSION_AT_LEAST(M, m - 1, 99), "AT_LEAST(previous minor, any patch)");
    check(M == 0 || RECRAFT_VERSION_AT_LEAST(M - 1, 99, 99), "AT_LEAST(previous major, any minor)");
    check(RECRAFT_VERSION_AT_LEAST(0, 0, 0), "AT_LEAST(0, 0, 0)");
    return failed ? 1 : 0;
}
