import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The state that several processes (and machines) on one account share: the rate
/// limiter's slots, the job ledger, callback outcomes and the upload cache. One
/// interface, one schema, two engines (`SQLiteConnection`, `PostgresConnection`).
///
/// Every statement runs on the store's own thread (`StoreThread`), off Swift's cooperative
/// pool (SQLite's fsync and a PostgreSQL round trip block their thread). The connection is
/// made on first use, again after it is lost, and anew in a forked child, which never
/// touches its parent's (see `SQLiteConnection.close`).
final class Store: @unchecked Sendable {
    let location: StoreLocation
    private let worker = StoreThread(idleEveryMs: Int64(Store.heartbeatInterval))

    // Only on the worker thread:
    private var connection: (any SQLConnection)?
    private let pendingWrites = Mutex<[PendingWrite]>([])
    /// Wakes the clients watching for callback outcomes (see `CallbackSignal`).
    let callbackSignal = CallbackSignal()
    private var connectedPid: pid_t = 0
    /// This process's name in recraft_owners (new after fork).
    private var ownerId = ""
    /// No slot is granted before this store time (a store that lost its slot log, by a
    /// reboot or a server restart, waits one window before granting).
    private var epochMs: Int64 = 0

    /// How often a process says it is alive, and after how long without a word its slots
    /// and jobs are taken for a dead process's.
    static let heartbeatInterval = 1000
    static let ownerStaleMs: Int64 = 5000
    /// How long a claimed job stays its worker's without renewal.
    static let leaseMs: Int64 = 30_000

    private init(location: StoreLocation) {
        self.location = location
        worker.idle = { [weak self] in self?.beat() }
    }

    private static let shared = Mutex<[StoreLocation: Store]>([:])

    /// The process's store at `location`: one connection per file or database, whatever
    /// the number of clients. "memory" is private to each client.
    static func at(_ location: StoreLocation) -> Store {
        if location == .memory { return Store(location: .memory) }
        return shared.withLock { stores in
            if let store = stores[location] { return store }
            let store = Store(location: location)
            stores[location] = store
            return store
        }
    }

    /// The owner id of this process, connecting if needed.
    func owner() throws(RecraftError) -> String {
        try sync { _, owner in owner }
    }

    /// Runs `body` with the connection on the store's thread, without blocking the caller's thread.
    @discardableResult
    func run<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection, String) throws(StoreFailure) -> T) async throws(RecraftError) -> T {
        let result: Result<T, RecraftError> = await withCheckedContinuation { continuation in
            worker.submit {
                do throws(RecraftError) {
                    continuation.resume(returning: .success(try self.attempt(body)))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }

    /// `run`, blocking the calling thread (for the synchronous API: journal reads, callbacks).
    @discardableResult
    func sync<T>(_ body: (any SQLConnection, String) throws(StoreFailure) -> T) throws(RecraftError) -> T {
        let result = worker.sync { () -> Result<T, RecraftError> in
            do throws(RecraftError) { return .success(try attempt(body)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Runs a write in the next group commit: every write queued while the store is busy
    /// goes into one transaction (one write's failure is its own: `flushWrites`), and
    /// all of them return once it is committed, with one fsync (SQLite) or round trip
    /// (PostgreSQL) for the lot. So a thousand jobs starting at once do not wait for a
    /// thousand fsyncs in a row, and each still returns only when its row is durable.
    @discardableResult
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection, String) throws(StoreFailure) -> T) async throws(RecraftError) -> T {
        let box = WriteBox<T>()
        let failure: RecraftError? = await withCheckedContinuation { continuation in
            let write = PendingWrite(
                body: { connection, owner throws(StoreFailure) in box.value = try body(connection, owner) },
                done: { continuation.resume(returning: $0) })
            let first = pendingWrites.withLock { pending -> Bool in
                pending.append(write)
                return pending.count == 1
            }
            if first { worker.submit { self.flushWrites() } }
        }
        if let failure { throw failure }
        guard let value = box.value else { throw RecraftError(.internal, "a store write returned nothing") }
        return value
    }

    /// Writes queued for the next group commit (for tests).
    var pendingWriteCount: Int { pendingWrites.withLock { $0.count } }

    /// On the worker: commits every pending write in one transaction.
    private func flushWrites() {
        let batch = pendingWrites.withLock { pending -> [PendingWrite] in
            defer { pending = [] }
            return pending
        }
        guard !batch.isEmpty else { return }
        var failed: [Int: StoreFailure] = [:]
        do throws(RecraftError) {
            try attempt { connection, owner throws(StoreFailure) in
                // First without a savepoint per write (two statements each, a few percent
                // of a job's instructions); writes rarely fail, and when one does, the
                // batch runs again from the start with a savepoint each, so that only
                // that write fails. Rerunning a write is safe: `attempt` does it too.
                failed = [:]
                if try Self.commit(batch, savepoints: false, connection, owner, failed: &failed) { return }
                failed = [:]
                _ = try Self.commit(batch, savepoints: true, connection, owner, failed: &failed)
            }
            for (index, write) in batch.enumerated() {
                write.done(failed[index].map { RecraftError(.storeUnavailable, "the shared store refused a write (\($0.message)); check the store") })
            }
        } catch {
            for write in batch { write.done(error) }
        }
    }

    /// One transaction over `batch`. With savepoints, a write that fails is rolled back
    /// alone and noted in `failed`; without, the first failure rolls everything back and
    /// the answer is false (nothing committed).
    private static func commit(
        _ batch: [PendingWrite], savepoints: Bool, _ connection: any SQLConnection, _ owner: String, failed: inout [Int: StoreFailure]
    ) throws(StoreFailure) -> Bool {
        try connection.begin(lock: nil)
        do throws(StoreFailure) {
            for (index, write) in batch.enumerated() {
                if savepoints { try connection.execute("SAVEPOINT recraft_write", []) }
                do throws(StoreFailure) {
                    try write.body(connection, owner)
                } catch  where !error.connectionLost {
                    guard savepoints else {
                        connection.rollback()
                        return false
                    }
                    failed[index] = error
                    try connection.execute("ROLLBACK TO SAVEPOINT recraft_write", [])
                }
                if savepoints { try connection.execute("RELEASE SAVEPOINT recraft_write", []) }
            }
            try connection.commit()
            return true
        } catch {
            connection.rollback()
            throw error
        }
    }

    /// Queues `body` and returns at once; a failure is dropped (for writes whose loss only
    /// costs time, such as a slot's end: the slot then ends at its hold limit).
    func later(_ body: @escaping @Sendable (any SQLConnection, String) throws(StoreFailure) -> Void) {
        worker.submit { _ = try? self.attempt(body) }
    }

    /// One try, and one more on a fresh connection when the first found it lost or busy.
    private func attempt<T>(_ body: (any SQLConnection, String) throws(StoreFailure) -> T) throws(RecraftError) -> T {
        var lastFailure: StoreFailure?
        for _ in 0..<2 {
            do {
                let connection = try connected()
                return try body(connection, ownerId)
            } catch {
                lastFailure = error
                if error.connectionLost { drop() } else if !error.busy { break }
            }
        }
        let message = lastFailure?.message ?? "unknown failure"
        throw RecraftError(
            .storeUnavailable,
            "the shared store is unavailable (\(message)); no billed request was sent: check the store (`store`, RECRAFT_STORE) and retry")
    }

    private func drop() {
        if let sqlite = connection as? SQLiteConnection { sqlite.close() }
        if let postgres = connection as? PostgresConnection { postgres.close() }
        connection = nil
    }

    /// The connection, made (or made again) when there is none or the process forked.
    private func connected() throws(StoreFailure) -> any SQLConnection {
        let pid = getpid()
        if let connection, connectedPid == pid { return connection }
        if connection != nil {
            // A forked child: the parent's connection and heartbeat timer are not ours.
            (connection as? SQLiteConnection)?.abandon()
            (connection as? PostgresConnection)?.abandon()
            connection = nil
        }
        let fresh: any SQLConnection
        switch location {
        case .memory: fresh = try SQLiteConnection(path: ":memory:")
        case .sqlite(let path):
            try Self.makeDirectory(for: path)
            fresh = try SQLiteConnection(path: path)
        case .postgresql(let url): fresh = try PostgresConnection(url: url)
        }
        try prepare(fresh)
        connection = fresh
        connectedPid = pid
        return fresh
    }

    /// Creates the tables if needed, checks the epoch and registers this process.
    private func prepare(_ connection: any SQLConnection) throws(StoreFailure) {
        let owner = "\(Self.hostName()):\(getpid()):\(Self.randomHex())"
        let isPostgres = connection is PostgresConnection
        epochMs = try connection.transaction(lock: StoreSchema.lock) { () throws(StoreFailure) -> Int64 in
            if isPostgres { try connection.execute(StoreSchema.postgresClock, []) }
            for statement in StoreSchema.tables { try connection.execute(statement, []) }
            try connection.execute(
                "INSERT INTO recraft_meta (key, value) VALUES ('schema', ?) ON CONFLICT (key) DO NOTHING", [.text(String(StoreSchema.version))])
            try Self.prune(connection)
            let epoch: Int64
            if isPostgres {
                // A server restart may have lost the last moments of the slot log.
                let started = try connection.execute(
                    "SELECT CAST(floor(extract(epoch FROM pg_postmaster_start_time()) * 1000) AS BIGINT)", [])
                epoch = started.rows.first?.first?.int ?? 0
            } else {
                epoch = try sqliteEpoch(connection)
            }
            // After the epoch check, which may wipe the owners of another boot.
            try connection.execute(
                "INSERT INTO recraft_owners (owner, host, pid, heartbeat) VALUES (?, ?, ?, recraft_now())",
                [.text(owner), .text(Self.hostName()), .int(Int64(getpid()))])
            return epoch
        }
        ownerId = owner
    }

    /// Keeps the store small: ended jobs for 30 days (resume and `recraft jobs` read them),
    /// callback outcomes for a day, owners gone for an hour. At most once an hour per store,
    /// not at every connect: the job DELETE scans the ledger (130,000 rows took 0.9 M
    /// instructions a process start, every CLI command paying it).
    private static func prune(_ connection: any SQLConnection) throws(StoreFailure) {
        let now = wallMs()
        let last = try connection.execute("SELECT value FROM recraft_meta WHERE key = 'pruned_at'", []).rows.first?.first?.int ?? 0
        guard now - last >= 3600 * 1000 || now < last else { return }
        try connection.execute(
            "DELETE FROM recraft_jobs WHERE state IN ('succeeded', 'failed', 'cancelled', 'replaced') AND updated_at < ?",
            [.int(now - 30 * 24 * 3600 * 1000)])
        try connection.execute("DELETE FROM recraft_callbacks WHERE received_at < recraft_now() - ?", [.int(24 * 3600 * 1000)])
        try connection.execute("DELETE FROM recraft_owners WHERE heartbeat < recraft_now() - ?", [.int(3600 * 1000)])
        try connection.execute(
            "INSERT INTO recraft_meta (key, value) VALUES ('pruned_at', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [.text(String(now))])
    }

    /// For SQLite: the boot id the slots were counted under. After a reboot the clock
    /// restarted, so the old slots, waiters and owners mean nothing: they are dropped,
    /// leases end, and grants wait one window from now.
    private func sqliteEpoch(_ connection: any SQLConnection) throws(StoreFailure) -> Int64 {
        let boot = SQLiteConnection.bootId()
        let stored = try connection.execute("SELECT value FROM recraft_meta WHERE key = 'boot_id'", []).rows.first?.first?.text
        if stored == boot {
            return try connection.execute("SELECT value FROM recraft_meta WHERE key = 'epoch'", []).rows.first?.first?.int ?? 0
        }
        let epoch: Int64
        if stored == nil {
            epoch = 0  // a new store: nothing was counted in it yet
        } else {
            epoch = SQLiteConnection.clockMs()
            for table in ["recraft_slots", "recraft_waiters", "recraft_callbacks"] { try connection.execute("DELETE FROM \(table)", []) }
            try connection.execute("DELETE FROM recraft_owners", [])
            try connection.execute("UPDATE recraft_jobs SET lease_until = 0", [])
        }
        for (key, value) in [("boot_id", boot), ("epoch", String(epoch))] {
            try connection.execute(
                "INSERT INTO recraft_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [.text(key), .text(value)])
        }
        return epoch
    }

    /// The store time before which no slot is granted (on the worker only).
    var epoch: Int64 { epochMs }

    /// Every second, on the worker: this process is alive, and its jobs' leases are renewed.
    private func beat() {
        guard let connection, connectedPid == getpid() else { return }
        let owner = ownerId
        do throws(StoreFailure) {
            try connection.execute("UPDATE recraft_owners SET heartbeat = recraft_now() WHERE owner = ?", [.text(owner)])
            // A lease is renewed once half of it is left, not every beat: a row rewritten
            // every second per job in flight cost more than the jobs' own ledger writes,
            // and a live worker's lease never gets below half (15 s) this way.
            try connection.execute(
                """
                UPDATE recraft_jobs SET lease_until = recraft_now() + ?
                WHERE owner = ? AND state IN ('claimed', 'sending', 'accepted') AND lease_until < recraft_now() + ?
                """, [.int(Self.leaseMs), .text(owner), .int(Self.leaseMs / 2)])
        } catch {
            if error.connectionLost { drop() }
        }
    }

    /// Runs `body` again while the store is unavailable, backing off, until `deadline`;
    /// then throws its last error (store_unavailable: nothing was sent).
    func persistent<T: Sendable>(until deadline: ContinuousClock.Instant, _ body: () async throws(RecraftError) -> T) async throws(RecraftError) -> T {
        var failures = 0
        while true {
            do {
                return try await body()
            } catch  where error.code == .storeUnavailable {
                failures += 1
                let backoff = Duration.milliseconds(min(1000, 50 << min(failures, 5)))
                guard ContinuousClock.now + backoff < deadline, !Task.isCancelled else { throw error }
                try? await Task.sleep(for: backoff)
            }
        }
    }

    /// Takes the next number of a counter (tickets, callback sequence), in a transaction.
    static func next(_ counter: String, _ connection: any SQLConnection) throws(StoreFailure) -> Int64 {
        try connection.execute("INSERT INTO recraft_counters (name, value) VALUES (?, 0) ON CONFLICT (name) DO NOTHING", [.text(counter)])
        let row = try connection.execute("UPDATE recraft_counters SET value = value + 1 WHERE name = ? RETURNING value", [.text(counter)])
        guard let value = row.rows.first?.first?.int else {
            throw StoreFailure(message: "the counter \(counter) returned no value", connectionLost: false)
        }
        return value
    }

    static func now(_ connection: any SQLConnection) throws(StoreFailure) -> Int64 {
        guard let value = try connection.execute("SELECT recraft_now()", []).rows.first?.first?.int else {
            throw StoreFailure(message: "recraft_now() returned nothing", connectionLost: false)
        }
        return value
    }

    private static func makeDirectory(for path: String) throws(StoreFailure) {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return }
        let directory = String(path[..<slash])
        var prefix = directory.hasPrefix("/") ? "" : "."
        for component in directory.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
                throw StoreFailure(
                    message: "cannot create the store's folder \(prefix): \(String(cString: strerror(errno))); set store (RECRAFT_STORE) elsewhere",
                    connectionLost: true)
            }
        }
    }

    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "host" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func randomHex() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(generator.next() as UInt64, radix: 16)
    }
}

private struct PendingWrite: Sendable {
    let body: @Sendable (any SQLConnection, String) throws(StoreFailure) -> Void
    let done: @Sendable (RecraftError?) -> Void
}

/// A write's result, set on the store's thread before the write is reported done.
private final class WriteBox<T>: @unchecked Sendable {
    var value: T?
}
