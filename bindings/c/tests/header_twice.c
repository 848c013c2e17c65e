/* The header compiles as C11 and C++17 with -Wall -Wextra -pedantic -Werror, included
 * twice in one translation unit, and agrees with the library it links against. */
#include "recraft.h"
#include "recraft.h" /* the include guard makes the second one a no-op */

#include <stdio.h>
#include <string.h>

#ifdef __cplusplus
#define STATIC_ASSERT(cond, message) static_assert(cond, message)
#else
#define STATIC_ASSERT(cond, message) _Static_assert(cond, message)
#endif

STATIC_ASSERT(sizeof(recraft_status) == 4, "recraft_status is an int32_t");
STATIC_ASSERT(sizeof(recraft_state) == 4, "recraft_state is an int32_t");
STATIC_ASSERT(RECRAFT_OK == 0 && RECRAFT_ERR_INVALID_ARGUMENT == 1 && RECRAFT_ERR_AUTHENTICATION == 5, "status codes");
STATIC_ASSERT(RECRAFT_ERR_INTERNAL == 18, "status codes are append-only");
STATIC_ASSERT(RECRAFT_STATE_PENDING == 0 && RECRAFT_STATE_CANCELLED == 4, "states");
STATIC_ASSERT(RECRAFT_VERSION_AT_LEAST(0, 0, 0), "version macro");
STATIC_ASSERT(RECRAFT_VERSION_AT_LEAST(RECRAFT_VERSION_MAJOR, RECRAFT_VERSION_MINOR, RECRAFT_VERSION_PATCH), "version macro");
STATIC_ASSERT(!RECRAFT_VERSION_AT_LEAST(RECRAFT_VERSION_MAJOR + 1, 0, 0), "version macro");
STATIC_ASSERT(!RECRAFT_VERSION_AT_LEAST(RECRAFT_VERSION_MAJOR, RECRAFT_VERSION_MINOR, RECRAFT_VERSION_PATCH + 1), "version macro");

int main(void)
{
    char header[64];
    snprintf(header, sizeof header, "%d.%d.%d", RECRAFT_VERSION_MAJOR, RECRAFT_VERSION_MINOR, RECRAFT_VERSION_PATCH);
    if (strcmp(header, recraft_version()) != 0) {
        fprintf(stderr, "header %s, library %s\n", header, recraft_version());
        return 1;
    }
    printf("header and library: %s\n", header);
    return 0;
}
