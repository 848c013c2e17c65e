// SQLite for the shared store (Debian's libsqlite3-dev). SQLITE_TRANSIENT is a macro
// that casts -1 to a function pointer, which Swift cannot import: these wrappers pass it.
#ifndef RECRAFT_CSQLITE_SHIM_H
#define RECRAFT_CSQLITE_SHIM_H

#include <sqlite3.h>

static inline int rk_sqlite_bind_text(sqlite3_stmt *statement, int index, const char *text, int length) {
    return sqlite3_bind_text(statement, index, text, length, SQLITE_TRANSIENT);
}

#endif
