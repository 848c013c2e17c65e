import RecraftKit

#if canImport(Glibc)
import Glibc
#endif

/// The provider's task id, or NULL while the provider has not accepted the task yet (or
/// never did, or job is not a live handle). Borrowed; valid until the job is freed.
@c public func recraft_job_id(_ job: UnsafeRawPointer?) -> UnsafePointer<CChar>? {
    jobHandle(job)?.id
}

/// Stores the job's current state in *state_out without blocking: the state the
/// background engine last saw (it polls the provider on its own schedule).
/// Returns RECRAFT_ERR_INVALID_ARGUMENT for a NULL or freed job or a NULL state_out.
@c public func recraft_job_poll(_ job: OpaquePointer?, _ state_out: UnsafeMutablePointer<recraft_state>?) -> recraft_status {
    guarded { () throws(RecraftError) in
        let handle = try Handles.get(UnsafeRawPointer(job), as: JobHandle.self, "job")
        try output(state_out, "state_out").pointee = recraft_state(handle.job.state)
    }
}

/// Blocks until the job ends or timeout_ms passes (timeout_ms < 0: no limit but the
/// job's own deadline, job_timeout_ms), then stores the state in *state_out. Returns
/// RECRAFT_OK in both cases: a job that failed is RECRAFT_STATE_FAILED, with the reason
/// in recraft_job_error_code() and recraft_job_error_message(); after a timeout the job
/// goes on and can be waited on again. Safe to call from several threads at once.
/// Returns RECRAFT_ERR_INVALID_ARGUMENT for a NULL or freed job or a NULL state_out.
@c public func recraft_job_wait(_ job: OpaquePointer?, _ timeout_ms: Int64, _ state_out: UnsafeMutablePointer<recraft_state>?) -> recraft_status {
    guarded { () throws(RecraftError) in
        let handle = try Handles.get(UnsafeRawPointer(job), as: JobHandle.self, "job")
        let out = try output(state_out, "state_out")
        try handle.job.checkOwner()
        out.pointee = recraft_state(handle.job.waitBlocking(timeout: timeout_ms < 0 ? nil : .milliseconds(timeout_ms)))
    }
}

/// The number of results: 0 until the job has succeeded (or for a non-live handle).
@c public func recraft_job_result_count(_ job: UnsafeRawPointer?) -> UInt {
    UInt(jobHandle(job)?.results.count ?? 0)
}

/// Result index's URL (a data: URL when the provider sent the bytes inline), or NULL when
/// there is no such result. Borrowed; valid until the job is freed.
@c public func recraft_job_result_url(_ job: UnsafeRawPointer?, _ index: UInt) -> UnsafePointer<CChar>? {
    guard let results = jobHandle(job)?.results else { return nil }
    guard index < UInt(results.count) else {
        fail(.errNotReady, "the job has \(results.count) result(s); there is none at index \(index)")
        return nil
    }
    return UnsafePointer(results[Int(index)])
}

/// Downloads result index to path: a file path, or an existing directory to save into.
/// Blocks until done. The file appears whole or not at all. The API key is not sent to
/// the result host. Does not take ownership of path. Returns RECRAFT_ERR_INVALID_ARGUMENT
/// for a NULL or freed job or a NULL or empty path; RECRAFT_ERR_NOT_READY before the job
/// has succeeded or for an index past the results; the job's error code after it failed;
/// RECRAFT_ERR_IO when the target cannot be written (a fresh .NAME.recraft-XXXXXX beside
/// it is written first, then renamed); RECRAFT_ERR_NOT_FOUND when the result file is gone;
/// RECRAFT_ERR_TIMEOUT past download_timeout_ms or below 1 KiB/s for stall_timeout_ms;
/// RECRAFT_ERR_CANCELLED when recraft_job_cancel stopped it.
@c public func recraft_job_download(_ job: OpaquePointer?, _ index: UInt, _ path: UnsafePointer<CChar>?) -> recraft_status {
    guarded { () throws(RecraftError) in
        let handle = try Handles.get(UnsafeRawPointer(job), as: JobHandle.self, "job")
        let target = try argument(path, "path")
        guard !target.isEmpty else { throw RecraftError(.invalidArgument, "path is empty: pass a file or directory path") }
        try handle.job.checkOwner()
        _ = try handle.job.downloadBlocking(Int(min(index, UInt(Int.max))), to: target)
    }
}

/// The job as a JSON object: id, operation, state, provider_state, results, error
/// {code, name, message, http_status, provider_code}, polls. NULL for a non-live handle.
/// Caller owns; free with recraft_string_free.
@c public func recraft_job_json(_ job: UnsafeRawPointer?) -> UnsafeMutablePointer<CChar>? {
    guard let handle = jobHandle(job) else { return nil }
    return strdup(handle.job.snapshotJSON().replacingNUL())
}

/// Why the job failed or was cancelled: its error code, RECRAFT_OK while it has none.
/// For a NULL or freed job: RECRAFT_ERR_INVALID_ARGUMENT, with the last error set (check
/// recraft_last_error_message to tell it from a job that failed with that code).
@c public func recraft_job_error_code(_ job: UnsafeRawPointer?) -> recraft_status {
    guard let handle = jobHandle(job) else { return .errInvalidArgument }
    return handle.job.error.map { recraft_status($0.code) } ?? .ok
}

/// Why the job failed or was cancelled, in words; "" while it has no error, and "" with
/// the last error set for a NULL or freed job. Borrowed; valid until the job is freed.
@c public func recraft_job_error_message(_ job: UnsafeRawPointer?) -> UnsafePointer<CChar> {
    jobHandle(job)?.errorMessage ?? UnsafePointer(emptyMessage)
}

/// Cancels the job locally, from any thread: waiters return at once with
/// RECRAFT_STATE_CANCELLED. Neither kie nor Recraft can cancel a task, so one the
/// provider accepted may still run; it can be reopened by id. Cancelling a job that has
/// ended returns RECRAFT_OK and changes nothing. Returns RECRAFT_ERR_INVALID_ARGUMENT for
/// a NULL or freed job.
@c public func recraft_job_cancel(_ job: OpaquePointer?) -> recraft_status {
    guarded { () throws(RecraftError) in
        try Handles.get(UnsafeRawPointer(job), as: JobHandle.self, "job").job.cancel()
    }
}

/// Frees a job handle; its completion callback, if it has not run, will not. A job still
/// running is cancelled locally (its task id, if it has
/// one, can be reopened later with recraft_job_open). Accepts NULL; a second free of
/// the same handle is ignored.
@c public func recraft_job_free(_ job: OpaquePointer?) {
    // Marked freed before the handle dies, waiting for a callback that is running.
    guard let handle = (try? Handles.get(UnsafeRawPointer(job), as: JobHandle.self, "job")) else { return }
    handle.markFreed()
    handle.leaveEvents(UInt(bitPattern: UnsafeRawPointer(job)))
    guard Handles.release(UnsafeRawPointer(job), as: JobHandle.self) != nil else { return }
    if !handle.job.state.isTerminal { handle.job.cancel() }
}

/// The job behind a handle for the functions that return a value rather than a status:
/// nil, with the last error set, for NULL or a handle that is not live.
private func jobHandle(_ job: UnsafeRawPointer?) -> JobHandle? {
    do { return try Handles.get(job, as: JobHandle.self, "job") } catch {
        fail(error)
        return nil
    }
}

/// Calls callback(job, state, user_data) once when the job ends, with its final state
/// (at once, but still on the library thread, if it already has). Callbacks run on one
/// library thread, one at a time, never on the caller's thread; a callback may call any
/// recraft_ function, including recraft_job_download, but must not free the job it is
/// given (free it later, on your own thread). A job freed before it ends gets no callback.
/// Set at most one callback per job: a second
/// call gives RECRAFT_ERR_INVALID_ARGUMENT, as do a NULL callback and a NULL or freed job.
/// Does not take ownership of user_data.
@c public func recraft_job_on_complete(
    _ job: OpaquePointer?, _ callback: (@convention(c) (OpaquePointer?, recraft_state, UnsafeMutableRawPointer?) -> Void)?,
    _ user_data: UnsafeMutableRawPointer?
) -> recraft_status {
    guarded { () throws(RecraftError) in
        let handle = try Handles.get(UnsafeRawPointer(job), as: JobHandle.self, "job")
        guard let callback else { throw RecraftError(.invalidArgument, "callback is NULL") }
        guard handle.claimCallback() else {
            throw RecraftError(.invalidArgument, "this job already has a completion callback; set one per job")
        }
        let context = CallbackContext(job: job, user_data: user_data)
        handle.job.onEnd { state in
            handle.callbackLock.withLock {
                guard !handle.isFreed else { return }
                callback(context.job, recraft_state(state), context.user_data)
            }
        }
    }
}

/// The raw pointers a C callback gets back, carried to the callback thread untouched.
private struct CallbackContext: @unchecked Sendable {
    let job: OpaquePointer?
    let user_data: UnsafeMutableRawPointer?
}
