import RecraftKit

/// Blocks until one of the n jobs in jobs has ended (as recraft_job_wait means it: its end
/// is journaled) or timeout_ms passes (0: check and return at once; < 0: no limit but the
/// jobs' own deadlines), then stores in *index_out the lowest index of a job that has
/// ended. NULL entries are skipped, so a caller may set the slot of a job it is done with
/// to NULL and call again with the same array. Several threads may wait on the same jobs.
/// Does not take ownership of jobs or of the handles in it. Returns RECRAFT_ERR_TIMEOUT
/// (*index_out untouched) when none ended in time: the jobs go on and can be waited on
/// again; RECRAFT_ERR_INVALID_ARGUMENT for a NULL jobs or index_out, n of 0, only NULL
/// entries, or an entry that is not a live job; RECRAFT_ERR_UNSUPPORTED for a job of
/// another process (before fork()).
@c public func recraft_wait_any(
    _ jobs: UnsafePointer<OpaquePointer?>?, _ n: UInt, _ timeout_ms: Int64, _ index_out: UnsafeMutablePointer<UInt>?
) -> recraft_status {
    guarded { () throws(RecraftError) in
        let out = try output(index_out, "index_out")
        guard let jobs else { throw RecraftError(.invalidArgument, "jobs is NULL: pass an array of n job handles") }
        guard n > 0, n <= UInt(Int.max / MemoryLayout<OpaquePointer?>.stride) else {
            throw RecraftError(.invalidArgument, "n is \(n): pass the number of entries in jobs (at least 1)")
        }
        var watched: [(index: UInt, job: Job)] = []
        for index in 0..<Int(n) {
            guard let pointer = jobs[index] else { continue }
            let handle = try Handles.get(UnsafeRawPointer(pointer), as: JobHandle.self, "jobs[\(index)]")
            try handle.job.checkOwner()
            watched.append((UInt(index), handle.job))
        }
        guard !watched.isEmpty else {
            throw RecraftError(.invalidArgument, "every entry of jobs is NULL: pass at least one job handle")
        }
        let timeout: Duration? = timeout_ms < 0 ? nil : .milliseconds(timeout_ms)
        guard let found = EndSignal.wait(timeout: timeout, { watched.first(where: { $0.job.hasEnded })?.index }) else {
            throw RecraftError(.timeout, "none of the \(watched.count) job(s) ended within \(timeout_ms) ms; they go on: wait again")
        }
        out.pointee = found
    }
}

/// A file descriptor that is readable while jobs of this client (submitted or opened
/// through it) have ended and not yet been taken with recraft_client_take_finished: put it
/// in your poll()/epoll/libuv loop, and when it is readable take the finished jobs. It
/// stays readable until every finished job is taken (level-triggered); a job freed before
/// it is taken is never reported. The descriptor is the client's (an eventfd): do not
/// read, write or close it; it is valid until the client and all its jobs are freed.
/// Returns RECRAFT_ERR_INVALID_ARGUMENT for a NULL or freed client or a NULL fd_out,
/// RECRAFT_ERR_IO when the process is out of descriptors.
@c public func recraft_client_event_fd(_ client: OpaquePointer?, _ fd_out: UnsafeMutablePointer<Int32>?) -> recraft_status {
    guarded { () throws(RecraftError) in
        let handle = try Handles.get(UnsafeRawPointer(client), as: ClientHandle.self, "client")
        let out = try output(fd_out, "fd_out")
        out.pointee = try handle.events.descriptor()
    }
}

/// Takes up to capacity of the client's jobs that have ended, oldest end first, into
/// jobs_out, and their number into *count_out (0 when none has; not an error). Each job
/// is reported once. The pointers are the handles recraft_submit / recraft_job_open gave
/// (the caller's, as before: free each with recraft_job_free when done with it). Does not
/// block. Returns RECRAFT_ERR_INVALID_ARGUMENT for a NULL or freed client, a NULL
/// jobs_out or count_out, or a capacity of 0.
@c public func recraft_client_take_finished(
    _ client: OpaquePointer?, _ jobs_out: UnsafeMutablePointer<OpaquePointer?>?, _ capacity: UInt,
    _ count_out: UnsafeMutablePointer<UInt>?
) -> recraft_status {
    guarded { () throws(RecraftError) in
        let handle = try Handles.get(UnsafeRawPointer(client), as: ClientHandle.self, "client")
        let jobs = try output(jobs_out, "jobs_out")
        let count = try output(count_out, "count_out")
        guard capacity > 0 else { throw RecraftError(.invalidArgument, "capacity is 0: pass the number of entries jobs_out holds") }
        let taken = handle.events.take(Int(min(capacity, UInt(Int.max))))
        for (index, address) in taken.enumerated() { jobs[index] = OpaquePointer(bitPattern: address) }
        count.pointee = UInt(taken.count)
    }
}
