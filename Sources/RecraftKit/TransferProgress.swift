import Dispatch

/// Which way a transfer's bytes go, as the C API's progress callback numbers it.
public enum TransferDirection: Int32, Sendable {
    /// The input image, to the upload API or in a multipart request.
    case upload = 0
    /// A result file.
    case download = 1
}

/// Carries a job's progress handler (`Job.setProgressHandler`) to the requests made on its
/// behalf: the job's tasks (its driver, its downloads) run with `job` set, and `Client.call`
/// and `Client.fetch` hook their transfers to it (`HTTPRequest.onProgress`).
enum TransferProgress {
    @TaskLocal static var job: WeakJob?

    /// The hook for a request of `kind` of the current job (nil when there is no job, or the
    /// request moves no file), reading the job's handler at each call, so one set after the
    /// transfer began still hears of it.
    static func hook(for kind: RequestKind, body: HTTPRequest.Body) -> HTTPRequest.ProgressHook? {
        guard let current = job, current.job != nil else { return nil }
        let direction: TransferDirection
        switch (kind, body) {
        case (.upload, _), (.submit, .multipart): direction = .upload
        case (.download, _): direction = .download
        default: return nil
        }
        return { uploaded, uploadTotal, downloaded, downloadTotal in
            guard let job = current.job, let handler = job.core.withLock({ $0.progress }) else { return false }
            let (done, total) = direction == .upload ? (uploaded, uploadTotal) : (downloaded, downloadTotal)
            guard handler(direction, done, total) else { return false }
            // The transfer stops at once. A stopped upload cancels the job (off the
            // transport's thread); a stopped download fails alone, and may be tried again.
            if direction == .upload { DispatchQueue.global().async { job.cancel() } }
            return true
        }
    }
}
