/// The store's tables, the same in SQLite and PostgreSQL. Every row is scoped by account
/// (`scope`: a hash of provider, base URL and API key, or the user's `store_scope`); the
/// key itself is never stored.
///
/// Times are milliseconds on the store's own clock, `recraft_now()`: PostgreSQL's
/// clock_timestamp(), or, for SQLite, CLOCK_BOOTTIME of the one machine that may use
/// the file (with `boot_id` in recraft_meta, since that clock restarts at boot). So the
/// clocks of the workers themselves never matter. Upload expiry is wall-clock time
/// instead, since it is the provider's.
enum StoreSchema {
    static let version = 1

    static let tables = [
        "CREATE TABLE IF NOT EXISTS recraft_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS recraft_counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL)",
        // One row per process using the store; its heartbeat frees what a killed one held.
        """
        CREATE TABLE IF NOT EXISTS recraft_owners (
            owner TEXT PRIMARY KEY, host TEXT NOT NULL, pid BIGINT NOT NULL, heartbeat BIGINT NOT NULL)
        """,
        // The rate limiter's log: a slot counts from its grant until its end (the reply,
        // or the request fully sent plus a margin) plus the rule's window.
        """
        CREATE TABLE IF NOT EXISTS recraft_slots (
            scope TEXT NOT NULL, kind TEXT NOT NULL, ticket BIGINT NOT NULL, owner TEXT NOT NULL,
            granted_at BIGINT NOT NULL, ended_at BIGINT, hold_until BIGINT NOT NULL,
            PRIMARY KEY (scope, kind, ticket))
        """,
        // Processes waiting for a slot, served oldest first.
        """
        CREATE TABLE IF NOT EXISTS recraft_waiters (
            scope TEXT NOT NULL, kind TEXT NOT NULL, ticket BIGINT NOT NULL, owner TEXT NOT NULL,
            PRIMARY KEY (scope, kind, ticket))
        """,
        // The job ledger: every state the JSONL journal records, plus owner and lease.
        """
        CREATE TABLE IF NOT EXISTS recraft_jobs (
            scope TEXT NOT NULL, ref TEXT NOT NULL, provider TEXT, base_url TEXT, operation TEXT, image TEXT,
            options TEXT, callback_url TEXT, state TEXT NOT NULL, attempts BIGINT NOT NULL,
            owner TEXT, lease_until BIGINT NOT NULL, task_id TEXT, results TEXT, error TEXT, error_code BIGINT,
            created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
            PRIMARY KEY (scope, ref))
        """,
        "CREATE INDEX IF NOT EXISTS recraft_jobs_task ON recraft_jobs (scope, task_id)",
        // The heartbeat's lease renewal finds a process's own rows here, not by scanning the
        // ledger (a full scan every second: 37 % of a 2,000-job run on a store of 130,000
        // rows). Ended rows have no owner, so the index holds only the jobs in flight.
        "CREATE INDEX IF NOT EXISTS recraft_jobs_owner ON recraft_jobs (owner) WHERE owner IS NOT NULL",
        // What callbacks said, for the worker that waits on the task, wherever it is.
        """
        CREATE TABLE IF NOT EXISTS recraft_callbacks (
            scope TEXT NOT NULL, task_id TEXT NOT NULL, seq BIGINT NOT NULL, outcome TEXT NOT NULL,
            received_at BIGINT NOT NULL, PRIMARY KEY (scope, task_id))
        """,
        "CREATE INDEX IF NOT EXISTS recraft_callbacks_seq ON recraft_callbacks (scope, seq)",
        // Uploaded inputs by content hash (never by name: kie overwrites same-named files).
        """
        CREATE TABLE IF NOT EXISTS recraft_uploads (
            scope TEXT NOT NULL, sha256 TEXT NOT NULL, host TEXT NOT NULL, url TEXT NOT NULL,
            expires_at BIGINT NOT NULL, PRIMARY KEY (scope, sha256, host))
        """,
        // The sizes of those uploads: a file of another size cannot be in the cache, so it
        // is uploaded without being hashed first (its hash is taken as it is sent). A
        // table of its own, so that a store made by an earlier version needs no migration.
        """
        CREATE TABLE IF NOT EXISTS recraft_upload_sizes (
            scope TEXT NOT NULL, host TEXT NOT NULL, size BIGINT NOT NULL, expires_at BIGINT NOT NULL,
            PRIMARY KEY (scope, host, size))
        """
    ]

    /// PostgreSQL's side of `recraft_now()` (SQLite's is a function the connection registers).
    static let postgresClock = """
        CREATE OR REPLACE FUNCTION recraft_now() RETURNS BIGINT LANGUAGE sql VOLATILE
        AS 'SELECT CAST(floor(extract(epoch FROM clock_timestamp()) * 1000) AS BIGINT)'
        """

    /// The lock every schema change and the epoch check take.
    static let lock = "recraft-schema"
}
