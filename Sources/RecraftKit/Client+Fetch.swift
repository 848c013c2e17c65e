import Dispatch
import FoundationEssentials

#if canImport(Glibc)
import Glibc
#endif

extension Client {
    /// GETs a file (a result, or an input a provider wants as bytes) into `partial`, which
    /// the caller created (`PartialFile`). No Authorization header: file hosts are not the
    /// provider's API and never see the key. Redirects (5 at most) are followed here, each
    /// hop checked by `URLPolicy` first, so a redirect cannot lead to plain http.
    /// Bounded by `Deadline.current`, `timeout` and the minimum speed. `durable`: the file
    /// is on disk when this returns (a result to keep, not a temporary input).
    func fetch(_ url: String, to partial: String, durable: Bool) async throws(RecraftError) {
        do throws(RecraftError) {
            var location = url
            for hop in 0...Self.maxRedirects {
                try URLPolicy.check(
                    location, allowInsecure: configuration.allowInsecureHTTP,
                    what: hop == 0 ? "the file URL" : "the redirect from \(url)", code: .protocolError)
                let response = try await fetchOnce(location, to: partial, writeback: durable)
                if (300..<400).contains(response.status), let next = response.redirectURL {
                    guard hop < Self.maxRedirects else {
                        throw RecraftError(.protocolError, "\(url) redirects more than \(Self.maxRedirects) times", httpStatus: response.status)
                    }
                    location = next
                    continue
                }
                guard (200..<300).contains(response.status) else {
                    throw RecraftError(.notFound, "the file host answered HTTP \(response.status) for \(url)", httpStatus: response.status)
                }
                break
            }
            if durable { try await flush(partial) }
        } catch {
            unlink(partial)
            throw error
        }
    }

    static let maxRedirects = 5

    private func fetchOnce(_ url: String, to partial: String, writeback: Bool) async throws(RecraftError) -> HTTPResponse {
        try await retrying(.download) { () async throws(RecraftError) -> HTTPResponse in
            var request = HTTPRequest(.get, url)  // no Authorization: never send the key to a file host
            request.connectTimeout = configuration.connectTimeout
            request.timeout = try Deadline.capped(configuration.downloadTimeout)
            request.stallTimeout = configuration.stallTimeout
            request.minimumSpeed = Deadline.minimumSpeed
            request.maxResponseBytes = configuration.maxDownloadBytes
            request.destination = partial
            request.writeback = writeback
            request.onProgress = TransferProgress.hook(for: .download, body: .none)
            let response: HTTPResponse
            do throws(TransportError) { response = try await performLogged(request, kind: .download) } catch {
                throw RetryPolicy.classify(error, kind: .download)
            }
            if HTTPStatus.isTransient(response.status) {
                var error = RecraftError(.providerUnavailable, "the file host answered HTTP \(response.status)", httpStatus: response.status)
                error.retryAfter = RetryAfter.parse(response.headers["retry-after"])
                throw error
            }
            return response
        }
    }

    /// Flushes a finished download to disk, so a crash after "done" loses nothing: not on
    /// the transport's thread (it would stall every transfer) nor on the cooperative pool.
    private func flush(_ partial: String) async throws(RecraftError) {
        let synced = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let fd = Glibc.open(partial, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)
                let ok = fd >= 0 && PartialFile.makeDurable(fd)
                if fd >= 0 { close(fd) }
                continuation.resume(returning: ok)
            }
        }
        guard synced else { throw RecraftError(.io, "could not flush the downloaded file to disk") }
        filesSynced.add(1, ordering: .relaxed)
    }

    /// Downloads an input image given as a URL to a temporary file, for providers that
    /// take bytes only. The caller removes the file.
    func fetchInput(_ url: String) async throws(RecraftError) -> String {
        let path = try PartialFile.create(template: "/tmp/recraft-input-XXXXXX")
        let fetched = await Deadline.$current.withValue(Deadline.current ?? .now + configuration.downloadTimeout) {
            () async -> Result<Void, RecraftError> in
            // A temporary copy, removed after the job: no wait for the disk.
            do throws(RecraftError) { return .success(try await fetch(url, to: path, durable: false)) } catch { return .failure(error) }
        }
        do throws(RecraftError) {
            try fetched.get()
        } catch {
            unlink(path)
            throw RecraftError(error.code, "cannot fetch the input image: \(error.message)", httpStatus: error.httpStatus)
        }
        return path
    }
}

/// Files that receive a download before it is renamed into place: created exclusively
/// under a fresh random name, never through a symlink, so two downloads to one target
/// cannot share one and a planted link cannot redirect the write.
enum PartialFile {
    /// A new empty file beside `target`, e.g. `photo.png` → `.photo.png.recraft-Ab12Cd`.
    static func create(beside target: String) throws(RecraftError) -> String {
        let slash = target.lastIndex(of: "/")
        let folder = slash.map { String(target[...$0]) } ?? ""
        let name = slash.map { String(target[target.index(after: $0)...]) } ?? target
        return try create(template: "\(folder).\(name).recraft-XXXXXX")
    }

    /// mkstemp: O_CREAT | O_EXCL with a random suffix for the X's.
    static func create(template: String) throws(RecraftError) -> String {
        var bytes = Array(template.utf8CString)
        let fd = bytes.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw RecraftError(.io, "cannot create a file beside \(template.dropLast(6)): \(String(cString: strerror(errno)))")
        }
        // Results are ordinary files: give them the permissions a plain create would.
        fchmod(fd, 0o644 & ~processUmask)
        close(fd)
        return String(decoding: bytes.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// The process's umask, read without changing it (umask(2) can only set it, and setting
/// it even briefly would race with other threads creating files).
private let processUmask: mode_t = {
    guard let status = try? String(decoding: PartialFile.readSmall("/proc/self/status"), as: UTF8.self),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Umask:") }),
        let value = mode_t(line.dropFirst(6).trimmed, radix: 8)
    else { return 0o022 }
    return value
}()

extension PartialFile {
    /// Puts a finished partial file's bytes on disk before it is renamed into place, so
    /// that a crash leaves the whole file or none. fdatasync, not fsync: the data and the
    /// size are what "whole" needs, the times are not (bench/run's sync section measures
    /// both). Writeback already started as the file arrived (`Transfer.receive`), so this
    /// waits for the tail only.
    static func makeDurable(_ fd: Int32) -> Bool {
        fdatasync(fd) == 0
    }

    /// Opens a partial file to write it from the start: -1 and `errno` on failure. Never
    /// through a symlink planted since it was created. Not with O_TRUNC: on ext4,
    /// truncating a file, even an empty one, marks it as "replaced by truncation", and its
    /// close() then allocates every block and starts the writeback of the whole file
    /// (auto_da_alloc): 5 to 7 ms at the close of an 11 MB result on this machine's disk,
    /// against 0.01 ms (bench/ANALYSIS.md, downloads). curl never pays it: a file that
    /// open() creates is not truncated. Only a file that already holds bytes (a
    /// redirect's body, a transfer being retried) is truncated here.
    static func openForWriting(_ path: String) -> Int32 {
        let fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return fd }
        var info = stat()
        if fstat(fd, &info) != 0 || (info.st_size != 0 && ftruncate(fd, 0) != 0) {
            let error = errno
            close(fd)
            errno = error
            return -1
        }
        return fd
    }

    /// A small file's bytes (a /proc file: size unknown in advance).
    static func readSmall(_ path: String) throws(RecraftError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw RecraftError(.io, "cannot read \(path)") }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 8192)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        return count > 0 ? Array(buffer.prefix(count)) : []
    }
}
