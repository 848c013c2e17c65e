import CCurl
import FoundationEssentials
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One easy handle and everything it owns, from setup to completion. Touched by the
/// caller until it is queued, then only by the transport's thread (but `cancelled`).
final class Transfer: @unchecked Sendable {
    let easy: UnsafeMutableRawPointer
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
    var continuation: CheckedContinuation<HTTPResponse, any Error>?
    /// Set from any thread; read by the progress callback on the transport's thread.
    let cancelled = Atomic<Bool>(false)
    /// The stall timer (libcurl's low-speed limit averages over whole seconds, so a
    /// silent server outlives a short limit): when a byte last moved, and the counts then.
    private var lastActivity = ContinuousClock.now
    private var lastCounts: (Int64, Int64) = (0, 0)
    private var replyStarted = false
    private(set) var stalled = false

    init(_ request: HTTPRequest, userAgent: String) throws(TransportError) {
        guard let easy = curl_easy_init() else {
            throw TransportError(kind: .other, message: "libcurl could not create a handle (out of memory?)", mayHaveBeenSent: false)
        }
        self.easy = easy
        self.request = request
        try configure(userAgent: userAgent)
    }

    deinit {
        curl_easy_cleanup(easy)
        curl_slist_free_all(headerList)
        if let mime { curl_mime_free(mime) }
        if fd >= 0 { close(fd) }
    }

    private func configure(userAgent: String) throws(TransportError) {
        let this = Unmanaged.passUnretained(self).toOpaque()
        rk_easy_setopt_string(easy, CURLOPT_URL, request.url)
        rk_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        rk_easy_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http,https")
        rk_easy_setopt_string(easy, CURLOPT_USERAGENT, userAgent)
        rk_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, Int(request.connectTimeout.milliseconds))
        if let timeout = request.timeout { rk_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, Int(timeout.milliseconds)) }
        rk_easy_setopt_off(easy, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(request.maxResponseBytes))
        if request.freshConnection { rk_easy_setopt_long(easy, CURLOPT_FRESH_CONNECT, 1) }
        if request.followRedirects {
            rk_easy_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 1)
            rk_easy_setopt_long(easy, CURLOPT_MAXREDIRS, 5)
            rk_easy_setopt_string(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
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
            if request.method == .post { rk_easy_setopt_long(easy, CURLOPT_POST, 1); rk_easy_setopt_long(easy, CURLOPT_POSTFIELDSIZE, 0) }
        case .bytes(let bytes, let contentType):
            headerList = curl_slist_append(headerList, "Content-Type: \(contentType)")
            rk_easy_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bytes.count))
            bytes.withUnsafeBytes { raw in
                _ = rk_easy_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!))
            }
        case .multipart(let parts):
            try attach(parts)
        }
        if let destination = request.destination {
            fd = open(destination, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            if fd < 0 {
                throw TransportError(kind: .file, message: "cannot write \(destination): \(String(cString: strerror(errno)))", mayHaveBeenSent: false)
            }
        }
    }

    private func attach(_ parts: [MultipartPart]) throws(TransportError) {
        mime = curl_mime_init(easy)
        for part in parts {
            let handle = curl_mime_addpart(mime)
            curl_mime_name(handle, part.name)
            switch part.content {
            case .text(let text):
                curl_mime_data(handle, text, text.utf8.count)
            case .file(let path, let fileName, let mimeType):
                guard curl_mime_filedata(handle, path) == CURLE_OK else {
                    throw TransportError(kind: .file, message: "cannot read \(path)", mayHaveBeenSent: false)
                }
                curl_mime_filename(handle, fileName)
                curl_mime_type(handle, mimeType)
            }
        }
        rk_easy_setopt_mime(easy, mime)
    }

    /// Called by libcurl about once a second, and on progress: aborts (non-zero) when the
    /// transfer was cancelled or has moved no byte for the stall timeout.
    fileprivate func progress(downloaded: Int64, uploaded: Int64) -> Int32 {
        if cancelled.load(ordering: .relaxed) { return 1 }
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

    /// Marks the transfer as started on the wire (the stall clock runs from here).
    func started() { lastActivity = .now }

    fileprivate func receive(_ chunk: UnsafeRawBufferPointer) -> Int {
        let total = (request.destination == nil ? body.count : bytesWritten) + chunk.count
        if total > request.maxResponseBytes { overflowed = true; return 0 }
        if fd >= 0 {
            var offset = 0
            while offset < chunk.count {
                let written = write(fd, chunk.baseAddress! + offset, chunk.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    fileError = String(cString: strerror(errno))
                    return 0
                }
                offset += written
            }
            bytesWritten += chunk.count
            // Start writeback while the file arrives, so the final fsync waits only for the tail.
            if bytesWritten - writebackStarted >= 1 << 20 {
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
        let text = String(decoding: line, as: UTF8.self)
        if text.hasPrefix("HTTP/") { headers = [:]; return }  // a new response (redirect, 100)
        guard let colon = text.firstIndex(of: ":") else { return }
        let name = text[..<colon].lowercased()
        let value = text[text.index(after: colon)...].trimmed
        headers[name] = value
    }

    /// Finishes the file, if any: flushed to disk so a crash after "done" loses nothing.
    /// `sync: false` on the transport's thread: an fsync there would stall every other
    /// transfer; `Client.fetch` syncs the file on the caller's side instead.
    func closeDestination(sync: Bool = true) -> Bool {
        guard fd >= 0 else { return true }
        let ok = sync ? fsync(fd) == 0 : true
        close(fd)
        fd = -1
        return ok
    }
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
private let transferProgress: rk_curl_xferinfo_callback = { user, _, downloaded, _, uploaded in
    guard let user else { return 0 }
    return Unmanaged<Transfer>.fromOpaque(user).takeUnretainedValue().progress(downloaded: Int64(downloaded), uploaded: Int64(uploaded))
}
