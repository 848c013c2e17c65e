// SQLite's types and constants for the shared store. Only the header: the library is
// loaded at run time (LibSQLite.swift), so librecraft.so does not link it.
#ifndef RECRAFT_CSQLITE_SHIM_H
#define RECRAFT_CSQLITE_SHIM_H

#include <sqlite3.h>

#endif
