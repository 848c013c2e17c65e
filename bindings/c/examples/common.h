/* Shared by the C examples: report a failed call and exit. */
#ifndef RECRAFT_EXAMPLES_COMMON_H
#define RECRAFT_EXAMPLES_COMMON_H

#include <stdio.h>
#include <stdlib.h>

#include "recraft.h"

/* Prints what failed, the status's name and the library's last error message on this
 * thread, then exits with status 1. Call it right after the failing call. */
static void exit_with_error(const char *what, recraft_status status)
{
    fprintf(stderr, "error: %s: %s (%d): %s\n", what, recraft_status_name(status), (int)status,
            recraft_last_error_message());
    exit(1);
}

#endif
