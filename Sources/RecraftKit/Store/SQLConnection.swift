/// What the store needs of a database engine: run one statement with parameters, in or
/// out of a transaction. SQLite and PostgreSQL both implement it, and the store's SQL is
/// written once for both: `?` placeholders (PostgreSQL's connection numbers them),
/// BIGINT and TEXT columns, `INSERT … ON CONFLICT`, `RETURNING`, and the `recraft_now()`
/// clock, which each engine provides (see `StoreSchema`).
protocol SQLConnection: AnyObject {
    /// Runs one statement; returns its rows (every column as text or integer) and how
    /// many rows it changed.
    @discardableResult
    func execute(_ sql: String, _ parameters: [SQLValue]) throws(StoreFailure) -> SQLResult

    /// Starts a write transaction that no other writer of `lock`'s rows can interleave
    /// with: SQLite's BEGIN IMMEDIATE (one writer per file), PostgreSQL's BEGIN plus an
    /// advisory lock on the key (one writer per account; nil: row locks only).
    func begin(lock: String?) throws(StoreFailure)
    func commit() throws(StoreFailure)
    /// Never fails: a broken connection is dropped instead.
    func rollback()

    /// Where the database is, for messages: a path, or a URL without its password.
    var displayName: String { get }

    /// Puts every transaction this connection committed so far on disk, before a billed
    /// request goes out (`Store.ledgerSending`). Commits are not all synced one by one
    /// (see `SQLiteConnection`), so that the queued records of many jobs share one sync.
    func makeDurable() throws(StoreFailure)
}

extension SQLConnection {
    /// PostgreSQL's COMMIT is durable already (synchronous_commit): nothing to do.
    func makeDurable() throws(StoreFailure) {}
}

enum SQLValue: Sendable, Equatable {
    case null
    case int(Int64)
    case text(String)

    var int: Int64? {
        switch self {
        case .int(let value): value
        case .text(let text): Int64(text)
        case .null: nil
        }
    }

    var text: String? {
        switch self {
        case .text(let text): text
        case .int(let value): String(value)
        case .null: nil
        }
    }

    init(_ text: String?) { self = text.map(SQLValue.text) ?? .null }
    init(_ value: Int64?) { self = value.map(SQLValue.int) ?? .null }
}

struct SQLResult {
    var rows: [[SQLValue]] = []
    var changes = 0
}

/// A database error, as the store's callers see it: whether the connection (or the
/// server) is gone, which makes the store reconnect, or the statement itself failed.
struct StoreFailure: Error, Sendable {
    var message: String
    /// The connection is unusable (server down, restarted, socket closed): reconnect.
    var connectionLost: Bool
    /// Another writer held the lock past the busy timeout: try again.
    var busy = false
    /// libsqlite3 or libpq could not be loaded: no retry will help.
    var missingLibrary = false
}

extension SQLConnection {
    /// Runs `body` in a write transaction on `lock`, committing when it returns and
    /// rolling back when it throws.
    func transaction<T>(lock: String, _ body: () throws(StoreFailure) -> T) throws(StoreFailure) -> T {
        try begin(lock: lock)
        do {
            let value = try body()
            try commit()
            return value
        } catch {
            rollback()
            throw error
        }
    }
}
