import FoundationEssentials

#if canImport(Glibc)
import Glibc
#endif

/// The shared engine for many machines: PostgreSQL through libpq, which is loaded with
/// dlopen the first time a `postgresql://` store is used, so librecraft.so does not
/// depend on it (its DT_NEEDED list is checked by the C tests).
final class PostgresConnection: SQLConnection {
    private var conn: OpaquePointer?
    private let libpq: LibPQ
    let displayName: String

    init(url: String) throws(StoreFailure) {
        libpq = try LibPQ.load()
        displayName = Self.display(url)
        guard let conn = libpq.connectdb(url) else {
            throw StoreFailure(message: "cannot connect to the store \(displayName): libpq is out of memory", connectionLost: true)
        }
        guard libpq.status(conn) == 0 else {
            let message = Self.text(libpq.errorMessage(conn))
            libpq.finish(conn)
            throw StoreFailure(message: "cannot connect to the store \(displayName): \(message)", connectionLost: true)
        }
        self.conn = conn
        // Quiet the NOTICEs of CREATE … IF NOT EXISTS; they go to stderr otherwise.
        _ = try? execute("SET client_min_messages = warning", [])
    }

    deinit { close() }

    func close() {
        if let conn { libpq.finish(conn) }
        conn = nil
    }

    /// Forgets the connection without closing it: after fork() the parent still uses the
    /// socket, and PQfinish would send it a Terminate message.
    func abandon() { conn = nil }

    /// The connection's socket, for waiting on notifications.
    var socket: Int32 { conn.map { libpq.socket($0) } ?? -1 }

    @discardableResult
    func execute(_ sql: String, _ parameters: [SQLValue]) throws(StoreFailure) -> SQLResult {
        guard let conn else { throw StoreFailure(message: "the store \(displayName) is not connected", connectionLost: true) }
        let numbered = Self.numbered(sql)
        // Typed parameters (int8, text) spare the server guessing a type from context; a
        // NULL is left untyped (0), since "text" refused it for a BIGINT column (a job's
        // end with no error code: the write failed and the row stayed in flight).
        let types: [UInt32] = parameters.map {
            switch $0 {
            case .int: 20
            case .text: 25
            case .null: 0
            }
        }
        let texts: [String?] = parameters.map(\.text)
        var cStrings: [UnsafeMutablePointer<CChar>?] = texts.map { $0.flatMap { strdup($0) } }
        defer { cStrings.forEach { free($0) } }
        let result: OpaquePointer? = types.withUnsafeBufferPointer { typePointer in
            cStrings.withUnsafeMutableBufferPointer { values in
                guard let base = values.baseAddress, !values.isEmpty else {
                    return libpq.execParams(conn, numbered, 0, nil, nil, nil, nil, 0)
                }
                return base.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: values.count) { pointer in
                    libpq.execParams(conn, numbered, Int32(values.count), typePointer.baseAddress, pointer, nil, nil, 0)
                }
            }
        }
        guard let result else { throw lost(Self.text(libpq.errorMessage(conn))) }
        defer { libpq.clear(result) }
        let status = libpq.resultStatus(result)
        // PGRES_COMMAND_OK (1) and PGRES_TUPLES_OK (2).
        guard status == 1 || status == 2 else {
            let state = Self.text(libpq.resultErrorField(result, 67))  // 67 is 'C': the SQLSTATE
            let message = Self.text(libpq.resultErrorMessage(result)).trimmed
            if libpq.status(conn) != 0 || state.hasPrefix("08") || state.hasPrefix("57P") { throw lost(message) }
            throw StoreFailure(message: "the store \(displayName) answered: \(message)", connectionLost: false, busy: state == "40001" || state == "40P01")
        }
        var output = SQLResult()
        let rows = libpq.ntuples(result)
        let columns = libpq.nfields(result)
        if rows > 0 {
            output.rows.reserveCapacity(Int(rows))
            for row in 0..<rows {
                var values: [SQLValue] = []
                for column in 0..<columns {
                    if libpq.getisnull(result, row, column) != 0 {
                        values.append(.null)
                    } else {
                        values.append(.text(Self.text(libpq.getvalue(result, row, column))))
                    }
                }
                output.rows.append(values)
            }
        }
        output.changes = Int(Self.text(libpq.cmdTuples(result))) ?? 0
        return output
    }

    func begin(lock: String?) throws(StoreFailure) {
        try execute("BEGIN", [])
        guard let lock else { return }
        do {
            try execute("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", [.text(lock)])
        } catch {
            rollback()
            throw error
        }
    }

    func commit() throws(StoreFailure) { try execute("COMMIT", []) }
    func rollback() { _ = try? execute("ROLLBACK", []) }

    /// Reads what the server has sent and returns the payloads of pending notifications.
    /// Throws when the connection is gone.
    func notifications() throws(StoreFailure) -> [String] {
        guard let conn else { throw StoreFailure(message: "the store \(displayName) is not connected", connectionLost: true) }
        guard libpq.consumeInput(conn) == 1 else { throw lost(Self.text(libpq.errorMessage(conn))) }
        var payloads: [String] = []
        while let raw = libpq.notifies(conn) {
            // PGnotify: { char *relname; int be_pid; char *extra; … }
            let notify = raw.assumingMemoryBound(to: LibPQ.Notify.self)
            payloads.append(notify.pointee.extra.map { String(cString: $0) } ?? "")
            libpq.freemem(raw)
        }
        return payloads
    }

    private func lost(_ message: String) -> StoreFailure {
        StoreFailure(message: "lost the store \(displayName): \(message.trimmed)", connectionLost: true)
    }

    private static func text(_ pointer: UnsafePointer<CChar>?) -> String {
        pointer.map { String(cString: $0) } ?? ""
    }

    /// `?` placeholders as PostgreSQL's `$1`, `$2`, … (the store's SQL has no `?` in literals).
    static func numbered(_ sql: String) -> String {
        var output = ""
        var number = 0
        var quoted = false
        for character in sql {
            if character == "'" { quoted.toggle() }
            if character == "?" && !quoted {
                number += 1
                output += "$\(number)"
            } else {
                output.append(character)
            }
        }
        return output
    }

    /// The URL without its password, for messages.
    static func display(_ url: String) -> String {
        if url.contains("password=") { return "postgresql://… (password hidden)" }
        guard let scheme = url.firstRange(of: "://"), let at = url[scheme.upperBound...].firstIndex(of: "@") else { return url }
        let credentials = url[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }
}

/// libpq's functions, looked up once per process.
struct LibPQ: @unchecked Sendable {
    struct Notify {
        var relname: UnsafeMutablePointer<CChar>?
        var bePid: Int32
        var extra: UnsafeMutablePointer<CChar>?
    }

    let connectdb: @convention(c) (UnsafePointer<CChar>?) -> OpaquePointer?
    let status: @convention(c) (OpaquePointer?) -> Int32
    let errorMessage: @convention(c) (OpaquePointer?) -> UnsafePointer<CChar>?
    let finish: @convention(c) (OpaquePointer?) -> Void
    let execParams:
        @convention(c) (
            OpaquePointer?, UnsafePointer<CChar>?, Int32, UnsafePointer<UInt32>?, UnsafePointer<UnsafePointer<CChar>?>?,
            UnsafePointer<Int32>?, UnsafePointer<Int32>?, Int32
        ) -> OpaquePointer?
    let resultStatus: @convention(c) (OpaquePointer?) -> Int32
    let resultErrorMessage: @convention(c) (OpaquePointer?) -> UnsafePointer<CChar>?
    let resultErrorField: @convention(c) (OpaquePointer?, Int32) -> UnsafePointer<CChar>?
    let ntuples: @convention(c) (OpaquePointer?) -> Int32
    let nfields: @convention(c) (OpaquePointer?) -> Int32
    let getvalue: @convention(c) (OpaquePointer?, Int32, Int32) -> UnsafePointer<CChar>?
    let getisnull: @convention(c) (OpaquePointer?, Int32, Int32) -> Int32
    let cmdTuples: @convention(c) (OpaquePointer?) -> UnsafePointer<CChar>?
    let clear: @convention(c) (OpaquePointer?) -> Void
    let socket: @convention(c) (OpaquePointer?) -> Int32
    let consumeInput: @convention(c) (OpaquePointer?) -> Int32
    let notifies: @convention(c) (OpaquePointer?) -> UnsafeMutableRawPointer?
    let freemem: @convention(c) (UnsafeMutableRawPointer?) -> Void

    private static let loaded: Result<LibPQ, StoreFailure> = {
        let names = ["libpq.so.5", "libpq.so"]
        guard let handle = names.lazy.compactMap({ dlopen($0, RTLD_NOW | RTLD_LOCAL) }).first else {
            let reason = dlerror().map { String(cString: $0) } ?? "not found"
            return .failure(
                StoreFailure(
                    message: "a postgresql:// store needs libpq (\(reason)): install it (Debian: apt-get install libpq5)",
                    connectionLost: true))
        }
        func symbol<T>(_ name: String, as type: T.Type) -> T? {
            guard let pointer = dlsym(handle, name) else { return nil }
            return unsafeBitCast(pointer, to: type)
        }
        guard let connectdb = symbol("PQconnectdb", as: (@convention(c) (UnsafePointer<CChar>?) -> OpaquePointer?).self),
            let status = symbol("PQstatus", as: (@convention(c) (OpaquePointer?) -> Int32).self),
            let errorMessage = symbol("PQerrorMessage", as: (@convention(c) (OpaquePointer?) -> UnsafePointer<CChar>?).self),
            let finish = symbol("PQfinish", as: (@convention(c) (OpaquePointer?) -> Void).self),
            let execParams = symbol(
                "PQexecParams",
                as: (@convention(c) (
                    OpaquePointer?, UnsafePointer<CChar>?, Int32, UnsafePointer<UInt32>?, UnsafePointer<UnsafePointer<CChar>?>?,
                    UnsafePointer<Int32>?, UnsafePointer<Int32>?, Int32
                ) -> OpaquePointer?).self),
            let resultStatus = symbol("PQresultStatus", as: (@convention(c) (OpaquePointer?) -> Int32).self),
            let resultErrorMessage = symbol("PQresultErrorMessage", as: (@convention(c) (OpaquePointer?) -> UnsafePointer<CChar>?).self),
            let resultErrorField = symbol("PQresultErrorField", as: (@convention(c) (OpaquePointer?, Int32) -> UnsafePointer<CChar>?).self),
            let ntuples = symbol("PQntuples", as: (@convention(c) (OpaquePointer?) -> Int32).self),
            let nfields = symbol("PQnfields", as: (@convention(c) (OpaquePointer?) -> Int32).self),
            let getvalue = symbol("PQgetvalue", as: (@convention(c) (OpaquePointer?, Int32, Int32) -> UnsafePointer<CChar>?).self),
            let getisnull = symbol("PQgetisnull", as: (@convention(c) (OpaquePointer?, Int32, Int32) -> Int32).self),
            let cmdTuples = symbol("PQcmdTuples", as: (@convention(c) (OpaquePointer?) -> UnsafePointer<CChar>?).self),
            let clear = symbol("PQclear", as: (@convention(c) (OpaquePointer?) -> Void).self),
            let socket = symbol("PQsocket", as: (@convention(c) (OpaquePointer?) -> Int32).self),
            let consumeInput = symbol("PQconsumeInput", as: (@convention(c) (OpaquePointer?) -> Int32).self),
            let notifies = symbol("PQnotifies", as: (@convention(c) (OpaquePointer?) -> UnsafeMutableRawPointer?).self),
            let freemem = symbol("PQfreemem", as: (@convention(c) (UnsafeMutableRawPointer?) -> Void).self)
        else {
            return .failure(StoreFailure(message: "the libpq found is missing functions RecraftKit needs: install libpq5 15 or newer", connectionLost: true))
        }
        return .success(
            LibPQ(
                connectdb: connectdb, status: status, errorMessage: errorMessage, finish: finish, execParams: execParams,
                resultStatus: resultStatus, resultErrorMessage: resultErrorMessage, resultErrorField: resultErrorField,
                ntuples: ntuples, nfields: nfields, getvalue: getvalue, getisnull: getisnull, cmdTuples: cmdTuples, clear: clear,
                socket: socket, consumeInput: consumeInput, notifies: notifies, freemem: freemem))
    }()

    static func load() throws(StoreFailure) -> LibPQ { try loaded.get() }
}
