import CSQLite

#if canImport(Glibc)
import Glibc
#endif

/// The embedded engine: one SQLite file in WAL mode, shared by every process of the
/// machine (never over a network filesystem: WAL needs one host's shared memory).
///
/// Every write transaction is BEGIN IMMEDIATE, because a deferred transaction that
/// upgrades to a write fails at once with SQLITE_BUSY whatever the busy timeout.
/// synchronous=FULL: the ledger's "sending" record must be on disk before a billed
/// request goes out.
final class SQLiteConnection: SQLConnection {
    private var db: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]
    private let lib: LibSQLite
    let displayName: String

    /// How long a writer waits for another process's transaction before giving up.
    static let busyTimeoutMs: Int32 = 10_000

    /// Opens (creating if needed, private to the user) the store file at `path`, or a
    /// private in-memory database for ":memory:".
    init(path: String) throws(StoreFailure) {
        displayName = path
        lib = try LibSQLite.load()
        if path != ":memory:" {
            // Created 0600 before SQLite sees it: the ledger lists what the user submitted.
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
            guard fd >= 0 else {
                throw StoreFailure(message: "cannot open the store \(path): \(String(cString: strerror(errno)))", connectionLost: true)
            }
            Glibc.close(fd)
        }
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        guard lib.openV2(path, &handle, flags, nil) == SQLITE_OK, let handle else {
            let message = handle.flatMap { lib.errmsg($0) }.map { String(cString: $0) } ?? "out of memory"
            _ = lib.closeV2(handle)
            throw StoreFailure(message: "cannot open the store \(path): \(message)", connectionLost: true)
        }
        db = handle
        _ = lib.busyTimeout(handle, Self.busyTimeoutMs)
        _ = lib.extendedResultCodes(handle, 1)
        // recraft_now(): the store's clock, the same for every process of this boot.
        _ = lib.createFunctionV2(handle, "recraft_now", 0, SQLITE_UTF8, nil, sqliteNow, nil, nil, nil)
        do {
            if path != ":memory:" { try execute("PRAGMA journal_mode=WAL", []) }
            try execute("PRAGMA synchronous=FULL", [])
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    /// Closes the database. Not after fork(): closing in a child can drop the parent's
    /// POSIX locks on the file, so a forked child abandons the parent's connection instead.
    func close() {
        for statement in statements.values { _ = lib.finalize(statement) }
        statements = [:]
        if let db { _ = lib.closeV2(db) }
        db = nil
    }

    /// Forgets the connection without closing it (in a forked child; see `close`).
    func abandon() {
        statements = [:]
        db = nil
    }

    @discardableResult
    func execute(_ sql: String, _ parameters: [SQLValue]) throws(StoreFailure) -> SQLResult {
        guard let db else { throw StoreFailure(message: "the store \(displayName) is closed", connectionLost: true) }
        let statement = try prepared(sql, db)
        defer {
            _ = lib.reset(statement)
            _ = lib.clearBindings(statement)
        }
        for (offset, parameter) in parameters.enumerated() {
            let index = Int32(offset + 1)
            switch parameter {
            case .null: _ = lib.bindNull(statement, index)
            case .int(let value): _ = lib.bindInt64(statement, index, value)
            case .text(let text): _ = lib.bindText(statement, index, text, -1, LibSQLite.transient)
            }
        }
        var result = SQLResult()
        while true {
            let code = lib.step(statement)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else { throw failure(code, db) }
            var row: [SQLValue] = []
            for column in 0..<lib.columnCount(statement) {
                switch lib.columnType(statement, column) {
                case SQLITE_NULL: row.append(.null)
                case SQLITE_INTEGER: row.append(.int(lib.columnInt64(statement, column)))
                default: row.append(.text(lib.columnText(statement, column).map { String(cString: $0) } ?? ""))
                }
            }
            result.rows.append(row)
        }
        result.changes = Int(lib.changes(db))
        return result
    }

    func begin(lock: String?) throws(StoreFailure) { try execute("BEGIN IMMEDIATE", []) }
    func commit() throws(StoreFailure) { try execute("COMMIT", []) }
    func rollback() { _ = try? execute("ROLLBACK", []) }

    private func prepared(_ sql: String, _ db: OpaquePointer) throws(StoreFailure) -> OpaquePointer {
        if let statement = statements[sql] { return statement }
        var statement: OpaquePointer?
        let code = lib.prepareV2(db, sql, -1, &statement, nil)
        guard code == SQLITE_OK, let statement else { throw failure(code, db) }
        statements[sql] = statement
        return statement
    }

    private func failure(_ code: Int32, _ db: OpaquePointer) -> StoreFailure {
        let primary = code & 0xFF
        let message = "the store \(displayName) answered: \(lib.errmsg(db).map { String(cString: $0) } ?? "error \(code)")"
        let lost =
            primary == SQLITE_IOERR || primary == SQLITE_CORRUPT || primary == SQLITE_CANTOPEN || primary == SQLITE_NOTADB
            || primary == SQLITE_FULL || primary == SQLITE_READONLY
        return StoreFailure(message: message, connectionLost: lost, busy: primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
    }

    /// Milliseconds since boot (CLOCK_BOOTTIME: it counts through suspend, and every
    /// process of the machine reads the same one). With the boot id it is the clock of
    /// the embedded store.
    static func clockMs() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_BOOTTIME, &time)
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
    }

    /// This boot's id: the monotonic clock restarts at boot, so slots from another boot mean nothing.
    static func bootId() -> String {
        let fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return "unknown" }
        defer { Glibc.close(fd) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return "unknown" }
        return String(decoding: buffer[0..<count], as: UTF8.self).trimmed
    }
}

private let sqliteNow: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = { context, _, _ in
    (try? LibSQLite.load())?.resultInt64(context, SQLiteConnection.clockMs())
}
