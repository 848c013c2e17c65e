import CSQLite

#if canImport(Glibc)
import Glibc
#endif

/// The embedded engine: one SQLite file in WAL mode, shared by every process of the
/// machine (never over a network filesystem: WAL needs one host's shared memory).
///
/// Every write transaction is BEGIN IMMEDIATE, because a deferred transaction that
/// upgrades to a write fails at once with SQLITE_BUSY whatever the busy timeout.
/// synchronous=NORMAL, with the WAL synced by `makeDurable` where durability is needed:
/// the ledger's "sending" record must be on disk before a billed request goes out, and a
/// sync of the WAL makes every commit before it durable, so the "sending" records of the
/// jobs queued at once share one fdatasync, and the ledger's other records (claim,
/// accepted, finished) and the rate limiter's slots need none of their own. With FULL,
/// each of a job's four ledger commits waited for its own fsync on the store's one
/// queue, which doubled the wall time of 200 jobs (bench/ANALYSIS.md). What NORMAL may
/// lose is only what a power cut or kernel crash takes before the next sync (a process
/// crash loses nothing): a claim (nothing was sent), a task id (the job stays "sending"
/// and is never resent) or an end (its task is polled again); and slots, after which the
/// store waits a window (`Store.epochMs`, by boot id).
final class SQLiteConnection: SQLConnection {
    private var db: OpaquePointer?
    /// The WAL file (nil for ":memory:"), its descriptor once opened, and the connection's
    /// change count at the last sync: none yet (-1), so that a connection made again after
    /// a lost one syncs what the lost one committed.
    private let walPath: String?
    private var walFD: Int32 = -1
    private var syncedChanges: Int32 = -1
    private var statements: [String: OpaquePointer] = [:]
    private let lib: LibSQLite
    let displayName: String

    /// How long a writer waits for another process's transaction before giving up.
    static let busyTimeoutMs: Int32 = 10_000

    /// Opens (creating if needed, private to the user) the store file at `path`, or a
    /// private in-memory database for ":memory:".
    init(path: String) throws(StoreFailure) {
        displayName = path
        walPath = path == ":memory:" ? nil : path + "-wal"
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
            try execute("PRAGMA synchronous=NORMAL", [])
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    /// Closes the database. Not after fork(): closing in a child can drop the parent's
    /// POSIX locks on the file, so a forked child abandons the parent's connection instead.
    func close() {
        if walFD >= 0 { Glibc.close(walFD) }
        walFD = -1
        for statement in statements.values { _ = lib.finalize(statement) }
        statements = [:]
        if let db { _ = lib.closeV2(db) }
        db = nil
    }

    /// Forgets the connection without closing it (in a forked child; see `close`).
    func abandon() {
        if walFD >= 0 { Glibc.close(walFD) }  // our own descriptor: SQLite's locks are not on it
        walFD = -1
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

    /// fdatasync of the WAL, where committed transactions are (an fsync acts on the file,
    /// whichever descriptor wrote it); none when nothing changed here since the last one.
    /// The WAL's header is synced by SQLite itself whenever the WAL restarts.
    func makeDurable() throws(StoreFailure) {
        guard let db, let walPath else { return }
        let changes = lib.totalChanges(db)
        guard changes != syncedChanges else { return }
        var file = stat()
        var open = stat()
        // Opened once; again if SQLite made a new WAL file (it keeps one while connected).
        if walFD < 0 || stat(walPath, &file) != 0 || fstat(walFD, &open) != 0 || file.st_ino != open.st_ino {
            if walFD >= 0 { Glibc.close(walFD) }
            walFD = Glibc.open(walPath, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
            // No WAL after a write: SQLite could not use WAL here and commits into the file itself.
            if walFD < 0 && errno == ENOENT { walFD = Glibc.open(displayName, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) }
        }
        guard walFD >= 0, fdatasync(walFD) == 0 else {
            throw StoreFailure(message: "cannot sync the store \(displayName): \(String(cString: strerror(errno)))", connectionLost: true)
        }
        syncedChanges = changes
    }
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
