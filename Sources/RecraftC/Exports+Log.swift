import RecraftKit

/// Sets the process-wide log callback: callback(level, message, user_data) gets every line
/// at level or more important: 0 error, 1 warning, 2 info (each job's state changes, each
/// retry with its reason and wait), 3 debug (each request: method, host, path, status,
/// duration), 4 trace (each request's headers). The API key, the webhook secret,
/// credential header values and the query strings of URLs (signed result URLs carry their
/// token there) never appear in a message. message is borrowed: valid during the call
/// only. Callbacks run on one library log thread, one at a time, in order, never on the
/// thread that logged: a slow callback delays other log lines, never a job (past 10000
/// waiting lines, lines are dropped and a warning says how many). A callback may call any
/// recraft_ function but recraft_set_log_callback. callback NULL turns the callback off.
/// Without a callback, RECRAFT_LOG=debug (or error, warning, info, trace) in the
/// environment writes the log to stderr; a callback takes it over. Does not take ownership of user_data. Returns
/// RECRAFT_ERR_INVALID_ARGUMENT for a level outside 0...4.
@c public func recraft_set_log_callback(
    _ level: Int32, _ callback: (@convention(c) (Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void)?,
    _ user_data: UnsafeMutableRawPointer?
) -> recraft_status {
    guarded { () throws(RecraftError) in
        guard let wanted = LogLevel(rawValue: level) else {
            throw RecraftError(.invalidArgument, "log level \(level) is out of range: pass 0 (error) to 4 (trace)")
        }
        guard let callback else { return Log.setHandler(level: wanted, nil) }
        let context = LogContext(user_data: user_data)
        Log.setHandler(level: wanted) { level, message in
            message.replacingNUL().withCString { callback(level.rawValue, $0, context.user_data) }
        }
    }
}

/// The C caller's pointer, carried to the log thread untouched.
private struct LogContext: @unchecked Sendable {
    let user_data: UnsafeMutableRawPointer?
}
