import Dispatch
import FoundationEssentials

#if canImport(Glibc)
import Glibc
#endif

extension Job {
    /// Result `index` as bytes, for callers that keep images in memory. A result sent
    /// inline is returned as it is; one at a URL is fetched like `download` (same link
    /// refresh, redirect checks, size limit max_download_bytes, deadline, cancel), through
    /// a private folder (0700) under TMPDIR that is removed before this returns.
    public func downloadBytes(_ index: Int = 0) async throws(RecraftError) -> [UInt8] {
        if case .inline(let bytes, _) = try result(at: index) { return bytes }
        return try await tracked { [self] () async throws(RecraftError) -> [UInt8] in
            let folder = try PrivateFolder()
            let file = try await download(index, to: folder.file)
            return try PrivateFolder.read(file, limit: client.configuration.maxDownloadBytes)
        }
    }

    /// Blocking `downloadBytes`, for the C API. Must not be called from a Swift concurrency thread.
    public func downloadBytesBlocking(_ index: Int = 0) throws(RecraftError) -> [UInt8] {
        try Lifetime.checkPool()
        let box = ResultBox<[UInt8]>()
        let done = DispatchSemaphore(value: 0)
        Task { [self] in
            do throws(RecraftError) { box.value = .success(try await downloadBytes(index)) } catch { box.value = .failure(error) }
            done.signal()
        }
        done.wait()
        return try box.get()
    }
}

/// A fresh folder only this user can enter for one result file, removed when released.
final class PrivateFolder: Sendable {
    let path: String

    init() throws(RecraftError) {
        let base = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(base)/recraft-result-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw RecraftError(.io, "cannot create a private folder in \(base): \(String(cString: strerror(errno))); set TMPDIR to a writable folder")
        }
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The one file `downloadBytes` puts here (a failed download removes its partial file).
    var file: String { path + "/result" }

    deinit {
        unlink(file)
        rmdir(path)
    }

    /// The whole file, at most `limit` bytes.
    static func read(_ path: String, limit: Int) throws(RecraftError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw RecraftError(.io, "cannot read the downloaded result: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size >= 0, Int(info.st_size) <= limit else {
            throw RecraftError(.io, "the downloaded result is larger than max_download_bytes (\(limit))")
        }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var filled = 0
        while filled < bytes.count {
            let got = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { throw RecraftError(.io, "cannot read the downloaded result: it ended early") }
            filled += got
        }
        return bytes
    }
}
