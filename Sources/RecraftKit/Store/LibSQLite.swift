import CSQLite

#if canImport(Glibc)
import Glibc
#endif

/// SQLite's functions, loaded with dlopen("libsqlite3.so.0") on first use: librecraft.so's
/// DT_NEEDED list stays libcurl and libc (the C tests check it), and Debian's static
/// libsqlite3.a is not position-independent, so it cannot be linked in. The header
/// (CSQLite) gives the types and constants only.
struct LibSQLite: @unchecked Sendable {
    typealias OpenV2 = @convention(c) (UnsafePointer<CChar>?, UnsafeMutablePointer<OpaquePointer?>?, Int32, UnsafePointer<CChar>?) -> Int32
    typealias CloseV2 = @convention(c) (OpaquePointer?) -> Int32
    typealias Errmsg = @convention(c) (OpaquePointer?) -> UnsafePointer<CChar>?
    typealias BusyTimeout = @convention(c) (OpaquePointer?, Int32) -> Int32
    typealias ExtendedResultCodes = @convention(c) (OpaquePointer?, Int32) -> Int32
    typealias CreateFunctionV2 =
        @convention(c) (
            OpaquePointer?, UnsafePointer<CChar>?, Int32, Int32, UnsafeMutableRawPointer?,
            (@convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void)?,
            (@convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void)?, (@convention(c) (OpaquePointer?) -> Void)?,
            (@convention(c) (UnsafeMutableRawPointer?) -> Void)?
        ) -> Int32
    typealias PrepareV2 =
        @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int32, UnsafeMutablePointer<OpaquePointer?>?, UnsafeMutablePointer<UnsafePointer<CChar>?>?) ->
        Int32
    typealias Finalize = @convention(c) (OpaquePointer?) -> Int32
    typealias Reset = @convention(c) (OpaquePointer?) -> Int32
    typealias ClearBindings = @convention(c) (OpaquePointer?) -> Int32
    typealias BindNull = @convention(c) (OpaquePointer?, Int32) -> Int32
    typealias BindInt64 = @convention(c) (OpaquePointer?, Int32, Int64) -> Int32
    typealias BindText = @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, Int32, (@convention(c) (UnsafeMutableRawPointer?) -> Void)?) -> Int32
    typealias Step = @convention(c) (OpaquePointer?) -> Int32
    typealias ColumnCount = @convention(c) (OpaquePointer?) -> Int32
    typealias ColumnType = @convention(c) (OpaquePointer?, Int32) -> Int32
    typealias ColumnInt64 = @convention(c) (OpaquePointer?, Int32) -> Int64
    typealias ColumnText = @convention(c) (OpaquePointer?, Int32) -> UnsafePointer<UInt8>?
    typealias Changes = @convention(c) (OpaquePointer?) -> Int32
    typealias TotalChanges = @convention(c) (OpaquePointer?) -> Int32
    typealias ResultInt64 = @convention(c) (OpaquePointer?, Int64) -> Void

    let openV2: OpenV2
    let closeV2: CloseV2
    let errmsg: Errmsg
    let busyTimeout: BusyTimeout
    let extendedResultCodes: ExtendedResultCodes
    let createFunctionV2: CreateFunctionV2
    let prepareV2: PrepareV2
    let finalize: Finalize
    let reset: Reset
    let clearBindings: ClearBindings
    let bindNull: BindNull
    let bindInt64: BindInt64
    let bindText: BindText
    let step: Step
    let columnCount: ColumnCount
    let columnType: ColumnType
    let columnInt64: ColumnInt64
    let columnText: ColumnText
    let changes: Changes
    let totalChanges: TotalChanges
    let resultInt64: ResultInt64

    /// SQLITE_TRANSIENT: SQLite copies the bound text before the call returns.
    static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: (@convention(c) (UnsafeMutableRawPointer?) -> Void).self)

    private static let loaded: Result<LibSQLite, StoreFailure> = {
        let names: [String] = ["libsqlite3.so.0", "libsqlite3.so"]
        guard let handle = names.lazy.compactMap({ dlopen($0, RTLD_NOW | RTLD_LOCAL) }).first else {
            let reason = dlerror().map { String(cString: $0) } ?? "not found"
            return .failure(
                StoreFailure(
                    message: "the SQLite store needs libsqlite3 (\(reason)): install it (Debian: apt-get install libsqlite3-0), or set store to \"memory\"",
                    connectionLost: true, missingLibrary: true))
        }
        func symbol<T>(_ name: String, _ type: T.Type) -> T? { dlsym(handle, name).map { unsafeBitCast($0, to: type) } }
        guard let openV2 = symbol("sqlite3_open_v2", OpenV2.self),
            let closeV2 = symbol("sqlite3_close_v2", CloseV2.self),
            let errmsg = symbol("sqlite3_errmsg", Errmsg.self),
            let busyTimeout = symbol("sqlite3_busy_timeout", BusyTimeout.self),
            let extendedResultCodes = symbol("sqlite3_extended_result_codes", ExtendedResultCodes.self),
            let createFunctionV2 = symbol("sqlite3_create_function_v2", CreateFunctionV2.self),
            let prepareV2 = symbol("sqlite3_prepare_v2", PrepareV2.self),
            let finalize = symbol("sqlite3_finalize", Finalize.self),
            let reset = symbol("sqlite3_reset", Reset.self),
            let clearBindings = symbol("sqlite3_clear_bindings", ClearBindings.self),
            let bindNull = symbol("sqlite3_bind_null", BindNull.self),
            let bindInt64 = symbol("sqlite3_bind_int64", BindInt64.self),
            let bindText = symbol("sqlite3_bind_text", BindText.self),
            let step = symbol("sqlite3_step", Step.self),
            let columnCount = symbol("sqlite3_column_count", ColumnCount.self),
            let columnType = symbol("sqlite3_column_type", ColumnType.self),
            let columnInt64 = symbol("sqlite3_column_int64", ColumnInt64.self),
            let columnText = symbol("sqlite3_column_text", ColumnText.self),
            let changes = symbol("sqlite3_changes", Changes.self),
            let totalChanges = symbol("sqlite3_total_changes", TotalChanges.self),
            let resultInt64 = symbol("sqlite3_result_int64", ResultInt64.self)
        else {
            return .failure(StoreFailure(message: "the libsqlite3 found lacks functions RecraftKit needs: install SQLite 3.35 or newer", connectionLost: true))
        }
        return .success(
            LibSQLite(
                openV2: openV2, closeV2: closeV2, errmsg: errmsg, busyTimeout: busyTimeout, extendedResultCodes: extendedResultCodes,
                createFunctionV2: createFunctionV2, prepareV2: prepareV2, finalize: finalize, reset: reset, clearBindings: clearBindings,
                bindNull: bindNull, bindInt64: bindInt64, bindText: bindText, step: step, columnCount: columnCount, columnType: columnType,
                columnInt64: columnInt64, columnText: columnText, changes: changes, totalChanges: totalChanges,
                resultInt64: resultInt64))
    }()

    static func load() throws(StoreFailure) -> LibSQLite { try loaded.get() }
}
