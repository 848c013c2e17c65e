import RecraftKit

/// Sets (callback NULL: removes) the job's transfer progress callback:
/// callback(job, direction, done, total, user_data) as the input's upload (direction 0)
/// and each result's download (direction 1) move, with bytes done and total (0 while the
/// total is unknown). Returning non-zero cancels the job, as libcurl's XFERINFOFUNCTION
/// does: an upload stops and the job ends RECRAFT_STATE_CANCELLED; a download stops and
/// fails with RECRAFT_ERR_CANCELLED (the job stays succeeded: a later download may try
/// again). It runs on the library's transport thread, which
/// moves every transfer: keep it short, and call no blocking function (recraft_job_wait,
/// recraft_job_download*) from it. An upload starts right after recraft_submit returns,
/// so its first calls may come before this is set. Not called once the job is freed.
/// Does not take ownership of user_data. Returns RECRAFT_ERR_INVALID_ARGUMENT for a NULL
/// or freed job.
@c public func recraft_job_set_progress_callback(
    _ job: OpaquePointer?,
    _ callback: (@convention(c) (OpaquePointer?, Int32, Int64, Int64, UnsafeMutableRawPointer?) -> Int32)?,
    _ user_data: UnsafeMutableRawPointer?
) -> recraft_status {
    guarded { () throws(RecraftError) in
        let handle = try Handles.get(UnsafeRawPointer(job), as: JobHandle.self, "job")
        guard let callback else { return handle.job.setProgressHandler(nil) }
        let context = ProgressContext(job: job, user_data: user_data)
        handle.job.setProgressHandler { [weak handle] direction, done, total in
            guard let handle else { return false }
            return handle.progressLock.withLock {
                guard !handle.isFreed else { return false }
                return callback(context.job, direction.rawValue, done, total, context.user_data) != 0
            }
        }
    }
}

/// The raw pointers the progress callback gets back, carried to the transport thread.
private struct ProgressContext: @unchecked Sendable {
    let job: OpaquePointer?
    let user_data: UnsafeMutableRawPointer?
}
