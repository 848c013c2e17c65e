import RecraftKit

#if canImport(Glibc)
import Glibc
#endif

nonisolated(unsafe) let emptyMessage: UnsafeMutablePointer<CChar> = strdup("")
private nonisolated(unsafe) let versionString: UnsafeMutablePointer<CChar> = strdup(RecraftKitVersion.version)
/// Indexed by status value: "ok", then every code of `RecraftError.Code.all`.
private nonisolated(unsafe) let statusNames: [UnsafeMutablePointer<CChar>] =
    (0...(RecraftError.Code.all.map(\.rawValue).max() ?? 0)).map { raw in
        strdup(raw == 0 ? "ok" : RecraftError.Code(rawValue: raw).description)
    }
private nonisolated(unsafe) let unknownStatus: UnsafeMutablePointer<CChar> = strdup("unknown status")

/// The message of the last failed call on this thread; "" if none failed yet. Never NULL.
/// Borrowed; valid until the next failing call on this thread.
@c public func recraft_last_error_message() -> UnsafePointer<CChar> {
    UnsafePointer(LastError.current.message)
}

/// The code of the last failed call on this thread; RECRAFT_OK if none failed yet.
@c public func recraft_last_error_code() -> recraft_status {
    LastError.current.code
}

/// Frees a string the library returned as char *. Accepts NULL.
@c public func recraft_string_free(_ s: UnsafeMutablePointer<CChar>?) {
    free(s)
}

/// The library's version, "MAJOR.MINOR.PATCH"; compare with RECRAFT_VERSION_* to tell
/// whether the header and the library agree. Static; never freed.
@c public func recraft_version() -> UnsafePointer<CChar> {
    UnsafePointer(versionString)
}

/// A short English name for a status code ("invalid argument"); "unknown status" for a
/// value this version does not know. Static; never freed.
/// (An int32_t, not recraft_status: any value a caller passes must be safe.)
@c public func recraft_status_name(_ status: Int32) -> UnsafePointer<CChar> {
    let raw = Int(status)
    return UnsafePointer(statusNames.indices.contains(raw) ? statusNames[raw] : unknownStatus)
}
