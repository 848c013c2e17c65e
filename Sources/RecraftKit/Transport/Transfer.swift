import CCurl
import FoundationEssentials
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One request and, while it runs, the easy handle and everything it owns. Made by the
/// caller; from `prepare` to `release` touched only by the transport's thread (but
/// `cancelled`), so that libcurl, and the OpenSSL under it, is called from that thread
/// alone and the exit handler can stop every use of it (see `Lifetime`).
final class Transfer: @unchecked Sendable {
    /// Set by `prepare`, nil again after `release` or `detachHandle`.
    private(set) var easy: UnsafeMutableRawPointer?
    private let userAgent: String
    let request: HTTPRequest
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var mime: OpaquePointer?
    private var fd: Int32 = -1
    private(set) var body: [UInt8] = []
    private(set) var bytesWritten = 0
    private var writebackStarted = 0
    private(set) var headers: [String: String] = [:]
    private(set) var overflowed = false
    private(set) var fileError: String?
    var continuation: CheckedContinuation<Result<HTTPResponse, TransportError>, Never>?
    /// Set from any thread; read by the progress callback on the transport's thread.
    let cancelled = Atomic<Bool>(false)
    /// The stall timer (libcurl's low-speed limit averages over whole seconds, so a
    /// silent server outlives a short limit): when a byte last moved, and the counts then.
    private var lastActivity = ContinuousClock.now
    private var lastCounts: (Int64, Int64) = (0, 0)
    private var replyStarted = false
    /// Whether `request.onSent` was called.
    private var sentReported = false
    private(set) var stalled = false

    init(_ request: HTTPRequest, userAgent: String) {
        self.request = request
        self.userAgent = userAgent
    }

    deinit {
        release()
        if fd >= 0 { close(fd) }
    }

    /// Configures an easy handle: `reusing` (a reset one the transport kept) or a new one;
    /// on the transport's thread, when the loop takes the transfer (so thousands queued
    /// cost no handles).
    func prepare(reusing handle: UnsafeMutableRawPointer?) throws(TransportError) -> UnsafeMutableRawPointer {
        guard let easy = handle ?? curl_easy_init() else {
            throw TransportError(kind: .other, message: "libcurl could not create a handle (out of memory?)", mayHaveBeenSent: false)
        }
        self.easy = easy
        try configure(easy)
        return easy
    }

    /// Frees libcurl's objects; on the transport's thread once the transfer is done (or at
    /// exit, before OpenSSL's exit handler runs). Idempotent.
    func release() {
        guard let easy else { return }
        curl_easy_cleanup(easy)
        curl_slist_free_all(headerList)
        if let mime { curl_mime_free(mime) }
        self.easy = nil
        headerList = nil
        mime = nil
    }

    /// Gives the easy handle back, reset to libcurl's defaults, for another transfer, and
    /// frees the rest; nil when there is none. The reset comes first, so that the handle
    /// never points at this transfer or at the freed header list and form. Connections are
    /// the multi handle's, so a reused handle carries none of this transfer's state: a
    /// billed request still asks for its fresh connection (`freshConnection`).
    func detachHandle() -> UnsafeMutableRawPointer? {
        guard let easy else { return nil }
        curl_easy_reset(easy)
        curl_slist_free_all(headerList)
        if let mime { curl_mime_free(mime) }
        self.easy = nil
        headerList = nil
        mime = nil
        return easy
    }

    private func configure(_ easy: UnsafeMutableRawPointer) throws(TransportError) {
        let this = Unmanaged.passUnretained(self).toOpaque()
        rk_easy_setopt_string(easy, CURLOPT_URL, request.url)
        rk_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        rk_easy_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http,https")
        rk_easy_setopt_string(easy, CURLOPT_DEFAULT_PROTOCOL, "https")  // never guess a scheme
        rk_easy_setopt_string(easy, CURLOPT_USERAGENT, userAgent)
        rk_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, Int(request.connectTimeout.milliseconds))
        if let timeout = request.timeout { rk_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, Int(timeout.milliseconds)) }
        rk_easy_setopt_off(easy, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(request.maxResponseBytes))
        if request.freshConnection { rk_easy_setopt_long(easy, CURLOPT_FRESH_CONNECT, 1) }
        if let bundle = CABundle.path { rk_easy_setopt_string(easy, CURLOPT_CAINFO, bundle) }
        // Redirects are never followed here: `Client.fetch` checks each hop against
        // `URLPolicy` first. A transfer slower than this on average over the stall timeout fails.
        if request.minimumSpeed > 0 {
            rk_easy_setopt_long(easy, CURLOPT_LOW_SPEED_LIMIT, request.minimumSpeed)
            rk_easy_setopt_long(easy, CURLOPT_LOW_SPEED_TIME, Int(max(1, request.stallTimeout.milliseconds / 1000)))
        }
        rk_easy_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION, transferWrite)
        rk_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, this)
        rk_easy_setopt_data_callback(easy, CURLOPT_HEADERFUNCTION, transferHeader)
        rk_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, this)
        rk_easy_setopt_long(easy, CURLOPT_NOPROGRESS, 0)
        rk_easy_setopt_xferinfo_callback(easy, transferProgress)
        rk_easy_setopt_pointer(easy, CURLOPT_XFERINFODATA, this)

        for header in request.headers {
            headerList = curl_slist_append(headerList, "\(header.name): \(header.value)")
        }
        // libcurl adds "Expect: 100-continue" to large POSTs; it costs a round trip.
        headerList = curl_slist_append(headerList, "Expect:")
        rk_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList)

        switch request.body {
        case .none:
            if request.method == .post {
                rk_easy_setopt_long(easy, CURLOPT_POST, 1)
                rk_easy_setopt_long(easy, CURLOPT_POSTFIELDSIZE, 0)
            }
        case .bytes(let bytes, let contentType):
            headerList = curl_slist_append(headerList, "Content-Type: \(contentType)")
            rk_easy_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bytes.count))
            bytes.withUnsafeBytes { raw in
                _ = rk_easy_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!))
            }
        case .multipart(let parts):
            try attach(parts, to: easy)
        }
        if let destination = request.destination {
            // The caller created it exclusively (`PartialFile`).
            fd = PartialFile.openForWriting(destination)
            if fd < 0 {
                throw TransportError(kind: .file, message: "cannot write \(destination): \(String(cString: strerror(errno)))", mayHaveBeenSent: false)
            }
        }
    }

    private func attach(_ parts: [MultipartPart], to easy: UnsafeMutableRawPointer) throws(TransportError) {
        mime = curl_mime_init(easy)
        for part in parts {
            let handle = curl_mime_addpart(mime)
            curl_mime_name(handle, part.name)
            switch part.content {
            case .text(let text):
                curl_mime_data(handle, text, text.utf8.count)
            case .file(let file, let fileName, let digest):
                // Read through the descriptor that was checked, not by reopening the path.
                let reader = Unmanaged.passRetained(FileReader(file, digest: digest)).toOpaque()
                guard curl_mime_data_cb(handle, curl_off_t(file.size), fileRead, fileSeek, fileReaderFree, reader) == CURLE_OK else {
                    Unmanaged<FileReader>.fromOpaque(reader).release()
                    throw TransportError(kind: .file, message: "cannot attach \(file.path) to the request", mayHaveBeenSent: false)
                }
                curl_mime_filename(handle, fileName)
                curl_mime_type(handle, file.mimeType)
            }
        }
        rk_easy_setopt_mime(easy, mime)
    }

    /// Called by libcurl about once a second, and on progress: aborts (non-zero) when the
    /// transfer was cancelled or has moved no byte for the stall timeout.
    fileprivate func progress(downloaded: Int64, downloadTotal: Int64, uploaded: Int64, uploadTotal: Int64) -> Int32 {
        if cancelled.load(ordering: .relaxed) { return 1 }
        if let onProgress = request.onProgress, (downloaded, uploaded) != lastCounts || !progressReported {
            progressReported = true
            if onProgress(uploaded, uploadTotal, downloaded, downloadTotal) {
                cancelled.store(true, ordering: .relaxed)
                return 1
            }
        }
        if let onSent = request.onSent, !sentReported, uploadTotal > 0, uploaded >= uploadTotal, let easy {
            sentReported = true
            var connectMicroseconds: curl_off_t = 0
            rk_easy_getinfo_off(easy, CURLINFO_CONNECT_TIME_T, &connectMicroseconds)
            onSent(.microseconds(Int64(connectMicroseconds)))
        }
        let now = ContinuousClock.now
        if (downloaded, uploaded) != lastCounts {
            lastCounts = (downloaded, uploaded)
            lastActivity = now
            return 0
        }
        guard request.stallBeforeReply || replyStarted else { return 0 }
        if now - lastActivity >= request.stallTimeout {
            stalled = true
            return 1
        }
        return 0
    }

    /// Whether `request.onProgress` heard of the transfer yet (it hears once at the start).
    private var progressReported = false

    /// Marks the transfer as started on the wire (the stall clock runs from here).
    func started() {
        lastActivity = .now
        startedAt = lastActivity
    }

    private var startedAt = ContinuousClock.now

    /// After CURLE_OPERATION_TIMEDOUT: true when the low-speed limit, not `timeout`, ended it.
    var tooSlow: Bool {
        guard let timeout = request.timeout else { return true }
        return ContinuousClock.now - startedAt < timeout - .milliseconds(50)
    }

    fileprivate func receive(_ chunk: UnsafeRawBufferPointer) -> Int {
        let total = (request.destination == nil ? body.count : bytesWritten) + chunk.count
        if total > request.maxResponseBytes {
            overflowed = true
            return 0
        }
        if fd >= 0 {
            if let error = writeAll(fd, chunk) {
                fileError = String(cString: strerror(error))
                return 0
            }
            bytesWritten += chunk.count
            // Start writeback while the file arrives, so the final fsync waits only for the tail.
            if request.writeback, bytesWritten - writebackStarted >= 1 << 20 {
                _ = rk_sync_file_range_write(fd, Int64(writebackStarted), Int64(bytesWritten - writebackStarted))
                writebackStarted = bytesWritten
            }
        } else {
            body.append(contentsOf: chunk)
        }
        return chunk.count
    }

    fileprivate func receiveHeader(_ line: UnsafeRawBufferPointer) {
        replyStarted = true
        lastActivity = .now
        if line.starts(with: Self.statusLinePrefix) {
            headers = [:]
            return
        }  // a new response (redirect, 100)
        guard let (name, value) = Self.headerField(bytes: line) else { return }
        headers[name] = value
    }

    private static let statusLinePrefix = Array("HTTP/".utf8)

    /// One header line as (lower-case name, trimmed value); nil for a line with no colon.
    static func headerField(_ line: String) -> (name: String, value: String)? {
        var line = line
        return line.withUTF8 { headerField(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// The same on the line's bytes, as libcurl hands them over. Byte by byte, ASCII only
    /// (names are tokens; values lose the spaces, tabs and line end around them): the
    /// String version, with Unicode lowercasing and trimming, was an eighth of a job's
    /// instructions (callgrind, bench/ANALYSIS.md).
    static func headerField(bytes line: UnsafeRawBufferPointer) -> (name: String, value: String)? {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        let name = String(unsafeUninitializedCapacity: colon) { buffer in
            for index in 0..<colon {
                let byte = line[index]
                buffer[index] = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
            }
            return colon
        }
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        var start = colon + 1
        var end = line.count
        while start < end, isSpace(line[start]) { start += 1 }
        while end > start, isSpace(line[end - 1]) { end -= 1 }
        return (name, String(decoding: UnsafeRawBufferPointer(rebasing: line[start..<end]), as: UTF8.self))
    }

    /// Closes the file, if any. Not synced here: an fsync on the transport's thread would
    /// stall every other transfer; `Client.fetch` syncs the file on the caller's side.
    func closeDestination() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
    }

    /// Where a 3xx reply points (resolved against the request's URL), if it is one.
    var redirectURL: String? {
        var pointer: UnsafeMutableRawPointer?
        guard let easy, rk_easy_getinfo_pointer(easy, CURLINFO_REDIRECT_URL, &pointer) == CURLE_OK, let pointer else { return nil }
        return String(cString: pointer.assumingMemoryBound(to: CChar.self))
    }
}

/// Feeds a multipart file part from an `InputFile`, at its own offset.
private final class FileReader {
    let file: InputFile
    let digest: UploadDigest?
    var offset = 0
    init(_ file: InputFile, digest: UploadDigest?) { (self.file, self.digest) = (file, digest) }
}

private let fileRead: curl_read_callback = { buffer, size, count, user in
    guard let buffer, let user else { return Int(CURL_READFUNC_ABORT) }
    let reader = Unmanaged<FileReader>.fromOpaque(user).takeUnretainedValue()
    let (wanted, overflow) = size.multipliedReportingOverflow(by: count)
    let left = reader.file.size - reader.offset
    guard !overflow, left >= 0 else { return Int(CURL_READFUNC_ABORT) }
    guard left > 0 else { return 0 }
    while true {
        let got = pread(reader.file.fd, buffer, min(wanted, left), off_t(reader.offset))
        if got < 0 && errno == EINTR { continue }
        // A file that shrank since it was checked cannot be sent whole: abort, don't pad.
        guard got > 0 else { return Int(CURL_READFUNC_ABORT) }
        reader.digest?.consume(UnsafeRawBufferPointer(start: buffer, count: got), at: reader.offset)
        reader.offset += got
        return got
    }
}

private let fileSeek: curl_seek_callback = { user, offset, origin in
    guard let user, origin == SEEK_SET else { return CURL_SEEKFUNC_FAIL }
    let reader = Unmanaged<FileReader>.fromOpaque(user).takeUnretainedValue()
    guard offset >= 0, offset <= reader.file.size else { return CURL_SEEKFUNC_FAIL }
    reader.offset = Int(offset)
    reader.digest?.seek(to: reader.offset)
    return CURL_SEEKFUNC_OK
}

private let fileReaderFree: curl_free_callback = { user in
    guard let user else { return }
    Unmanaged<FileReader>.fromOpaque(user).release()
}

private let transferWrite: rk_curl_data_callback = { data, size, count, user in
    guard let user, let data else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(user).takeUnretainedValue()
    return transfer.receive(UnsafeRawBufferPointer(start: data, count: size * count))
}

private let transferHeader: rk_curl_data_callback = { data, size, count, user in
    guard let user, let data else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(user).takeUnretainedValue()
    transfer.receiveHeader(UnsafeRawBufferPointer(start: data, count: size * count))
    return size * count
}

/// Aborts a cancelled transfer: returning non-zero makes libcurl stop it.
private let transferProgress: rk_curl_xferinfo_callback = { user, downloadTotal, downloaded, uploadTotal, uploaded in
    guard let user else { return 0 }
    return Unmanaged<Transfer>.fromOpaque(user).takeUnretainedValue().progress(
        downloaded: Int64(downloaded), downloadTotal: Int64(downloadTotal), uploaded: Int64(uploaded), uploadTotal: Int64(uploadTotal))
}
