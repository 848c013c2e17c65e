import CCurl
import FoundationEssentials
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The one transport: libcurl's multi interface driven by a single thread, so a
/// thousand requests in flight cost one thread and a thousand easy handles, not a
/// thousand threads. Callers `await perform(_:)` from any task.
// @unchecked: `multi` is used only on the loop thread, except curl_multi_wakeup, which is thread-safe.
final class CurlTransport: @unchecked Sendable {
    private struct Inbox {
        var added: [Transfer] = []
        /// Transfers whose task was cancelled: removed at the loop's next turn.
        var cancelled: [Transfer] = []
        var stopping = false
    }

    private let multi: UnsafeMutableRawPointer
    private let inbox = Mutex(Inbox())
    private let userAgent: String
    /// The process that made this transport: its thread and connections exist only there.
    let pid = getpid()

    init(userAgent: String) throws(RecraftError) {
        CurlGlobal.initialize()
        guard let multi = curl_multi_init() else {
            throw RecraftError(.internal, "libcurl could not create a multi handle (out of memory?)")
        }
        self.multi = multi
        self.userAgent = userAgent
        // Reuse connections across jobs; HTTP/1.1 pipelining is off, so cap per host.
        rk_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, 64)
        let loop = Unmanaged.passRetained(LoopBox(transport: self))
        // Registered before the thread exists: an exit that comes before the thread first
        // runs must still wait for it (it stops at once, seeing the process exiting).
        Lifetime.loopStarted(self)
        let started = startThread(name: "recraft-curl") {
            let transport = loop.takeRetainedValue().transport
            transport.run()
            Lifetime.loopEnded(transport)
        }
        if !started {
            loop.release()
            Lifetime.loopEnded(self)
            throw RecraftError(.internal, "could not start the transport thread (the process is out of threads)")
        }
    }

    /// Runs one request. Throws `TransportError` when no reply came.
    func perform(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
        guard getpid() == pid else {
            throw TransportError(
                kind: .other,
                message:
                    "this client was created in another process (before fork()), whose connections and thread this one does not have: create a new client in this process",
                mayHaveBeenSent: false)
        }
        let transfer = Transfer(request, userAgent: userAgent)
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<HTTPResponse, TransportError>, Never>) in
                transfer.continuation = continuation
                let accepted = inbox.withLock { inbox -> Bool in
                    guard !inbox.stopping else { return false }
                    inbox.added.append(transfer)
                    return true
                }
                if accepted {
                    curl_multi_wakeup(multi)
                } else if Lifetime.isExiting {
                    Lifetime.park(transfer)  // the process is exiting: this request never ends
                } else {
                    transfer.continuation = nil
                    continuation.resume(returning: .failure(TransportError(kind: .cancelled, message: "the client was closed", mayHaveBeenSent: false)))
                }
            }
        } onCancel: {
            transfer.cancelled.store(true, ordering: .relaxed)
            inbox.withLock { $0.cancelled.append(transfer) }
            curl_multi_wakeup(multi)
        }
        return try result.get()
    }

    /// Stops the loop; requests in flight fail as cancelled. Does not wait for the thread,
    /// which ends by itself: the last release of a client can happen on any thread.
    func shutdown() {
        let first = inbox.withLock { inbox -> Bool in
            defer { inbox.stopping = true }
            return !inbox.stopping
        }
        if first { curl_multi_wakeup(multi) }
    }

    // MARK: The loop (transport thread only)

    /// At most this many transfers are inside libcurl at once, as many as it may open
    /// connections to one host. The rest wait here, in order: inside libcurl a transfer
    /// waiting for a connection would already be running its timeout and stall clocks,
    /// so a big batch would time out in the queue on a busy machine.
    static let maxActive = 64

    // Loop thread only:
    /// Easy handles of finished transfers, reset, for the next ones (at most `maxActive`):
    /// saves curl_easy_init's allocations and their first-use growth per request.
    private var idleHandles: [UnsafeMutableRawPointer] = []
    /// Callers to resume at the end of the loop's turn, all together: one burst of
    /// wake-ups for the cooperative pool per turn, after libcurl's work, rather than one
    /// between each finished transfer and the next.
    private var ready: [(CheckedContinuation<Result<HTTPResponse, TransportError>, Never>, Result<HTTPResponse, TransportError>)] = []

    private func run() {
        var active: [UnsafeMutableRawPointer: Transfer] = [:]
        var waiting = Queue<Transfer>()
        while true {
            let (added, cancelled, stopping) = inbox.withLock { inbox in
                defer {
                    inbox.added.removeAll()
                    inbox.cancelled.removeAll()
                }
                return (inbox.added, inbox.cancelled, inbox.stopping)
            }
            waiting.append(contentsOf: added)
            // A cancelled transfer ends now, not at libcurl's next progress call (which a
            // slow sender may delay by a second or more).
            for transfer in cancelled {
                if let easy = transfer.easy, active[easy] === transfer {
                    active[easy] = nil
                    curl_multi_remove_handle(multi, easy)
                    finish(transfer, CURLE_ABORTED_BY_CALLBACK)
                } else if waiting.remove(transfer) {
                    finish(transfer, CURLE_ABORTED_BY_CALLBACK)  // never started: nothing was sent
                }
            }
            if stopping || Lifetime.isExiting { break }
            while active.count < Self.maxActive, let transfer = waiting.popFirst() {
                if transfer.cancelled.load(ordering: .relaxed) {
                    finish(transfer, CURLE_ABORTED_BY_CALLBACK)
                    continue
                }
                let easy: UnsafeMutableRawPointer
                do { easy = try transfer.prepare(reusing: idleHandles.popLast()) } catch {
                    fail(transfer, error)
                    continue
                }
                transfer.started()
                active[easy] = transfer
                curl_multi_add_handle(multi, easy)
            }
            var running: Int32 = 0
            curl_multi_perform(multi, &running)
            var left: Int32 = 0
            while let message = curl_multi_info_read(multi, &left) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
                let result = message.pointee.data.result
                curl_multi_remove_handle(multi, easy)
                if let transfer = active.removeValue(forKey: easy) { finish(transfer, result) }
            }
            resumeReady()
            // Sleeps until a socket is ready, a timer fires, or curl_multi_wakeup; at once
            // when a finished transfer made room for a waiting one.
            curl_multi_poll(multi, nil, 0, active.count < Self.maxActive && !waiting.isEmpty ? 0 : 1000, nil)
        }
        let exiting = Lifetime.isExiting
        for (easy, transfer) in active {
            curl_multi_remove_handle(multi, easy)
            transfer.release()
            // Nothing may run on after exit began (a job would journal a false end): keep
            // the request, never resumed, for the rest of the process.
            if exiting {
                Lifetime.park(transfer)
            } else {
                fail(transfer, TransportError(kind: .cancelled, message: "the client was closed", mayHaveBeenSent: true))
            }
        }
        for transfer in waiting.drain() {
            if exiting {
                Lifetime.park(transfer)
            } else {
                fail(transfer, TransportError(kind: .cancelled, message: "the client was closed", mayHaveBeenSent: false))
            }
        }
        active.removeAll()
        resumeReady()
        for easy in idleHandles { curl_easy_cleanup(easy) }
        idleHandles.removeAll()
        curl_multi_cleanup(multi)
    }

    private func fail(_ transfer: Transfer, _ error: TransportError) {
        recycle(transfer)
        if let continuation = transfer.continuation { ready.append((continuation, .failure(error))) }
        transfer.continuation = nil
    }

    private func resumeReady() {
        guard !ready.isEmpty else { return }
        for (continuation, outcome) in ready { continuation.resume(returning: outcome) }
        ready.removeAll(keepingCapacity: true)
    }

    /// Keeps the transfer's easy handle for the next one, or frees it when enough are kept.
    private func recycle(_ transfer: Transfer) {
        guard let easy = transfer.detachHandle() else { return }
        if idleHandles.count < Self.maxActive { idleHandles.append(easy) } else { curl_easy_cleanup(easy) }
    }

    /// Ends a transfer the loop took: reads what libcurl knows, frees the handle here, on
    /// the loop thread, then resumes the caller.
    private func finish(_ transfer: Transfer, _ result: CURLcode) {
        guard let continuation = transfer.continuation else { return recycle(transfer) }
        transfer.continuation = nil
        transfer.closeDestination()
        let outcome: Result<HTTPResponse, TransportError>
        if result == CURLE_OK, let easy = transfer.easy {
            var status = 0
            rk_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
            outcome = .success(
                HTTPResponse(
                    status: status, headers: transfer.headers, body: transfer.body,
                    bytesWritten: transfer.bytesWritten, redirectURL: transfer.redirectURL))
        } else {
            outcome = .failure(error(for: transfer, result))
        }
        recycle(transfer)
        ready.append((continuation, outcome))
    }

    private func error(for transfer: Transfer, _ result: CURLcode) -> TransportError {
        // Sent, as far as anyone can tell, once a connection existed: libcurl counts request
        // bytes only when a write completes, and a partial write may still have reached the
        // server. Only a failure to connect at all proves nothing went out.
        var requestBytes = 0
        var connectMicroseconds: curl_off_t = 0
        if let easy = transfer.easy {
            rk_easy_getinfo_long(easy, CURLINFO_REQUEST_SIZE, &requestBytes)
            rk_easy_getinfo_off(easy, CURLINFO_CONNECT_TIME_T, &connectMicroseconds)
        }
        let sent = requestBytes > 0 || connectMicroseconds > 0
        let host = URL(string: transfer.request.url)?.host ?? "the server"
        let detail = String(cString: curl_easy_strerror(result))
        if transfer.stalled {
            let seconds = Double(transfer.request.stallTimeout.milliseconds) / 1000
            return TransportError(kind: .stalled, message: "\(host) sent nothing for \(seconds) s (stall_timeout_ms)", mayHaveBeenSent: sent)
        }
        if result == CURLE_OPERATION_TIMEDOUT && transfer.request.minimumSpeed > 0 && transfer.tooSlow {
            let seconds = Double(transfer.request.stallTimeout.milliseconds) / 1000
            return TransportError(
                kind: .tooSlow,
                message: "\(host) sent less than \(transfer.request.minimumSpeed) bytes per second for \(seconds) s (stall_timeout_ms)", mayHaveBeenSent: sent)
        }
        if transfer.cancelled.load(ordering: .relaxed) {
            return TransportError(kind: .cancelled, message: "the request was cancelled", mayHaveBeenSent: sent)
        }
        if transfer.overflowed || result == CURLE_FILESIZE_EXCEEDED {
            return TransportError(
                kind: .tooLarge,
                message:
                    "the reply from \(host) is larger than the \(transfer.request.maxResponseBytes)-byte limit; raise max_response_bytes or max_download_bytes if it is expected",
                mayHaveBeenSent: true)
        }
        if let fileError = transfer.fileError {
            return TransportError(kind: .file, message: "could not write the download: \(fileError)", mayHaveBeenSent: true)
        }
        switch result {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return TransportError(
                kind: .connect, message: "could not connect to \(host) (\(detail)); check the base URL and the network", mayHaveBeenSent: false)
        case CURLE_OPERATION_TIMEDOUT:
            return TransportError(kind: .timeout, message: "\(host) did not answer in time (\(detail))", mayHaveBeenSent: sent)
        default:
            return TransportError(kind: .other, message: "the request to \(host) failed: \(detail)", mayHaveBeenSent: sent)
        }
    }
}

/// libcurl's global init is not thread-safe before 7.84; do it once, under Swift's
/// thread-safe lazy global initialisation.
enum CurlGlobal {
    private static let done: Bool = {
        let ok = curl_global_init(Int(CURL_GLOBAL_ALL)) == CURLE_OK
        // After curl_global_init, so that our exit handler runs before OpenSSL's.
        Lifetime.install()
        return ok
    }()
    static func initialize() { _ = done }
}

private final class LoopBox: @unchecked Sendable {
    let transport: CurlTransport
    init(transport: CurlTransport) { self.transport = transport }
}

/// A first-in, first-out queue: an array read from a moving head, compacted as it drains.
struct Queue<Element> {
    private var items: [Element] = []
    private var head = 0

    var isEmpty: Bool { head == items.count }

    mutating func append(contentsOf new: [Element]) { items += new }

    mutating func popFirst() -> Element? {
        guard head < items.count else { return nil }
        defer {
            head += 1
            if head == items.count {
                items.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 1024 && head * 2 >= items.count {
                items.removeFirst(head)
                head = 0
            }
        }
        return items[head]
    }

    /// Takes `element` out wherever it waits; false when it is not here.
    mutating func remove(_ element: Element) -> Bool where Element: AnyObject {
        guard let index = items[head...].firstIndex(where: { $0 === element }) else { return false }
        items.remove(at: index)
        return true
    }

    /// Every element left, in order, emptying the queue.
    mutating func drain() -> [Element] {
        defer {
            items = []
            head = 0
        }
        return Array(items[head...])
    }
}
