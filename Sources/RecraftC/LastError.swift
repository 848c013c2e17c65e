import RecraftKit

#if canImport(Glibc)
import Glibc
#endif

/// The thread-local last error (libgit2's model): set by every failing call, read with
/// recraft_last_error_message() / recraft_last_error_code(), never NULL.
final class LastError {
    var code: recraft_status = .ok
    private(set) var message: UnsafeMutablePointer<CChar>

    init() { message = strdup("") }
    deinit { free(message) }

    func set(_ code: recraft_status, _ text: String) {
        self.code = code
        free(message)
        // An interior NUL would cut the message short; it cannot come from our own text.
        message = strdup(text.replacingNUL())
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { raw in
            if let raw { Unmanaged<LastError>.fromOpaque(raw).release() }
        }
        return key
    }()

    /// This thread's slot, created on first use.
    static var current: LastError {
        if let raw = pthread_getspecific(key) { return Unmanaged<LastError>.fromOpaque(raw).takeUnretainedValue() }
        let slot = LastError()
        pthread_setspecific(key, Unmanaged.passRetained(slot).toOpaque())
        return slot
    }
}

extension String {
    /// Bytes, not Characters: comparing Characters segments graphemes, which made this
    /// check cost 57 K instructions a call (callgrind, one per job in the benchmark).
    func replacingNUL() -> String { utf8.contains(0) ? String(decoding: utf8.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self) : self }
}

/// Records `error` as this thread's last error and returns its status.
@discardableResult
func fail(_ error: RecraftError) -> recraft_status {
    let status = recraft_status(error.code)
    LastError.current.set(status, error.message)
    return status
}

@discardableResult
func fail(_ status: recraft_status, _ message: String) -> recraft_status {
    LastError.current.set(status, message)
    return status
}

/// Runs an export's body and turns a thrown error into its status code.
func guarded(_ body: () throws(RecraftError) -> Void) -> recraft_status {
    do {
        try body()
        return .ok
    } catch { return fail(error) }
}

/// A C string argument as a Swift string: NULL and invalid UTF-8 are errors that name it.
func argument(_ pointer: UnsafePointer<CChar>?, _ name: String) throws(RecraftError) -> String {
    guard let pointer else { throw RecraftError(.invalidArgument, "\(name) is NULL") }
    guard let text = String(validatingCString: pointer) else {
        throw RecraftError(.invalidArgument, "\(name) is not valid UTF-8")
    }
    return text
}

/// Checks an out-parameter pointer.
func output<T>(_ pointer: UnsafeMutablePointer<T>?, _ name: String) throws(RecraftError) -> UnsafeMutablePointer<T> {
    guard let pointer else { throw RecraftError(.invalidArgument, "\(name) is NULL: pass the address of a variable to receive the result") }
    return pointer
}
