import Dispatch
import FoundationEssentials

#if canImport(Glibc)
import Glibc
#endif

extension Job {
    /// Saves result `index` to `path` (a file, or an existing directory to save into).
    /// Written to a fresh temporary file beside it and renamed, so `path` never holds half
    /// a file. The request carries no API key: result hosts are not the provider's API.
    /// Ends within `download_timeout_ms`; `cancel()` stops it.
    @discardableResult
    public func download(_ index: Int = 0, to path: String) async throws(RecraftError) -> String {
        try await tracked { [self] () async throws(RecraftError) -> String in try await save(index, to: path) }
    }

    /// Runs `body` as one of the job's downloads: within `download_timeout_ms`, stopped by
    /// `cancel()`, its errors redacted, its transfers reported to the progress handler.
    func tracked<T: Sendable>(_ body: @escaping @Sendable () async throws(RecraftError) -> T) async throws(RecraftError) -> T {
        try Lifetime.checkPool()
        let work = Task { [self] () async -> Result<T, RecraftError> in
            await TransferProgress.$job.withValue(WeakJob(self)) {
                await Deadline.$current.withValue(.now + client.configuration.downloadTimeout) { () async -> Result<T, RecraftError> in
                    do throws(RecraftError) { return .success(try await body()) } catch { return .failure(client.redacted(error)) }
                }
            }
        }
        let slot = core.withLock { core -> Int? in
            guard !core.machine.cancelRequested else { return nil }
            core.nextDownload += 1
            core.downloads[core.nextDownload] = { work.cancel() }
            return core.nextDownload
        }
        guard let slot else {
            work.cancel()
            throw RecraftError(.cancelled, "the job was cancelled: nothing is downloaded")
        }
        defer { _ = core.withLock { $0.downloads.removeValue(forKey: slot) } }
        let result = await withTaskCancellationHandler {
            await work.value
        } onCancel: {
            work.cancel()
        }
        return try result.get()
    }

    private func save(_ index: Int, to path: String) async throws(RecraftError) -> String {
        let result = try result(at: index)
        let target = targetPath(path, index: index)
        var partial = try PartialFile.create(beside: target)
        do throws(RecraftError) {
            switch result {
            case .url(let url):
                do throws(RecraftError) { partial = try await fetchResult(url, into: partial, target: target) } catch {
                    if error.code == .cancelled { throw RecraftError(.cancelled, "the download was cancelled") }
                    throw error
                }
            case .inline(let bytes, _):
                try write(bytes, to: partial)
            }
            guard rename(partial, target) == 0 else {
                throw RecraftError(.io, "cannot move the download into \(target): \(String(cString: strerror(errno)))")
            }
            return target
        } catch {
            unlink(partial)
            throw error
        }
    }

    /// Blocking `download`, for the C API. Must not be called from a Swift concurrency thread.
    public func downloadBlocking(_ index: Int = 0, to path: String) throws(RecraftError) -> String {
        try Lifetime.checkPool()
        let box = ResultBox<String>()
        let done = DispatchSemaphore(value: 0)
        Task { [self] in
            do throws(RecraftError) { box.value = .success(try await download(index, to: path)) } catch { box.value = .failure(error) }
            done.signal()
        }
        done.wait()
        return try box.get()
    }

    func result(at index: Int) throws(RecraftError) -> JobResult {
        let (state, results, error) = core.withLock { ($0.machine.state, $0.machine.results, $0.machine.error) }
        switch state {
        case .succeeded:
            guard results.indices.contains(index) else {
                throw RecraftError(.notReady, "the job has \(results.count) result(s); index \(index) is out of range")
            }
            return results[index]
        case .failed, .cancelled:
            throw RecraftError(
                error?.code ?? .jobFailed, "the job \(state) so there is nothing to download: \(error?.message ?? "no reason given")",
                httpStatus: error?.httpStatus, providerCode: error?.providerCode)
        case .pending, .running:
            throw RecraftError(.notReady, "the job is still \(state): wait for it to succeed before downloading")
        }
    }

    /// `path`, or the file `fileName(index)` names (as the CLI and Python name it) when
    /// `path` is an existing folder.
    private func targetPath(_ path: String, index: Int) -> String {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else { return path }
        return (path.hasSuffix("/") ? path : path + "/") + fileName(index)
    }

    private func write(_ bytes: [UInt8], to partial: String) throws(RecraftError) {
        let fd = PartialFile.openForWriting(partial)
        guard fd >= 0 else { throw RecraftError(.io, "cannot write \(partial): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        if let error = writeAll(fd, bytes) {
            throw RecraftError(.io, "cannot write \(partial): \(String(cString: strerror(error)))")
        }
        if client.configuration.durableDownloads, PartialFile.makeDurable(fd) { client.filesSynced.add(1, ordering: .relaxed) }
    }
}

/// Carries a result out of a Task to a blocked thread.
final class ResultBox<T: Sendable>: @unchecked Sendable {
    var value: Result<T, RecraftError>?
    func get() throws(RecraftError) -> T {
        switch value {
        case .success(let value)?: return value
        case .failure(let error)?: throw error
        case nil: throw RecraftError(.internal, "a blocking call returned without a result")
        }
    }
}
