import Dispatch
import FoundationEssentials
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A durable record of every submission, so that a program that crashed or was killed can
/// re-attach to every job it had in flight and never pay twice. JSON Lines, appended and
/// fsync'ed event by event: `submit` before anything is sent, `sending` just before the
/// billed request goes out, `accepted` with the task id when it comes back, `finished` at
/// the end. Never holds the API key.
public final class Journal: Sendable {
    let path: String
    private let fd: Mutex<Int32>
    /// Writes happen here, in order, off Swift's cooperative pool: an fsync blocks its
    /// thread for milliseconds, and that pool has only as many threads as cores.
    private let queue = DispatchQueue(label: "recraft-journal")

    // `read(path:)` is the public face: what a journal holds, for a restarted program.

    init(path: String) throws(RecraftError) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw RecraftError(.io, "cannot open the journal \(path): \(String(cString: strerror(errno))); check journal_path")
        }
        self.path = path
        self.fd = Mutex(fd)
    }

    deinit { fd.withLock { _ = close($0) } }

    /// Appends one event and flushes it to disk before returning.
    func record(_ event: [String: JSONValue]) async throws(RecraftError) {
        let failure: RecraftError? = await withCheckedContinuation { continuation in
            queue.async {
                do throws(RecraftError) {
                    try self.append(event)
                    continuation.resume(returning: nil)
                } catch {
                    continuation.resume(returning: error)
                }
            }
        }
        if let failure { throw failure }
    }

    /// Appends one event without waiting for it (in order with every other event), then
    /// calls `then` on the journal's queue, written or not.
    func recordLater(_ event: [String: JSONValue], then: @escaping @Sendable () -> Void = {}) {
        queue.async {
            try? self.append(event)
            then()
        }
    }

    private func append(_ event: [String: JSONValue]) throws(RecraftError) {
        var event = event
        event["v"] = .number(1)
        event["time"] = .number((Date().timeIntervalSince1970 * 1000).rounded())
        let line = Array((JSONValue.object(event).serialized() + "\n").utf8)
        let failure: String? = fd.withLock { fd in
            if let error = writeAll(fd, line) { return String(cString: strerror(error)) }
            return fsync(fd) == 0 ? nil : String(cString: strerror(errno))
        }
        if let failure {
            throw RecraftError(.io, "cannot write the journal \(path): \(failure)")
        }
    }

    /// Every job the journal at `path` knows, folded from its events, and a note for each
    /// line that could not be read (a crash can truncate the last one).
    public static func read(path: String) throws(RecraftError) -> (entries: [JournalEntry], problems: [String]) {
        let data = try readFile(path)
        var order: [String] = []
        var entries: [String: JournalEntry] = [:]
        var refByTask: [String: String] = [:]
        var problems: [String] = []
        for (number, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            guard let event = JSONValue.parse(line), var ref = event["ref"]?.string, let kind = event["event"]?.string else {
                problems.append("line \(number + 1): not a journal event (truncated by a crash?); skipped")
                continue
            }
            // A job reopened by task id (after a restart) writes under its own ref; fold it
            // into the entry that first recorded that task.
            if let task = event["task_id"]?.string {
                if let first = refByTask[task] { ref = first } else { refByTask[task] = ref }
            }
            if entries[ref] == nil {
                order.append(ref)
                entries[ref] = JournalEntry(ref: ref)
            }
            entries[ref]?.apply(kind, event)
        }
        return (order.compactMap { entries[$0] }, problems)
    }
}

/// The whole file, with plain POSIX reads (Data(contentsOf:) leaks a buffer on empty files).
private func readFile(_ path: String) throws(RecraftError) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw RecraftError(.io, "cannot read the journal \(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 << 10)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EINTR { continue }
            throw RecraftError(.io, "cannot read the journal \(path): \(String(cString: strerror(errno)))")
        }
        if count == 0 { return bytes }
        bytes += chunk[0..<count]
    }
}

/// One job as the journal tells it.
public struct JournalEntry: Sendable, Equatable {
    /// Where the job stands, from what the journal saw last.
    public enum Status: String, Sendable {
        /// Recorded, but the billed request never went out: safe to submit again.
        case notSent = "not_sent"
        /// The billed request went out and no reply was recorded: the task may exist.
        case uncertain
        /// The provider accepted it and it had not ended: re-attach by task id.
        case inFlight = "in_flight"
        case succeeded, failed, cancelled
    }

    public let ref: String
    public var status: Status = .notSent
    public var provider: String?
    public var operation: String?
    public var image: String?
    /// The base URL, options and callback URL it was submitted with.
    public var baseURL: String?
    public var options: [String: JSONValue] = [:]
    public var callbackURL: String?
    public var taskId: String?
    public var results: [String] = []
    public var error: String?
    /// The account's scope in the shared store (nil for a JSONL journal's entry).
    public var scope: String?
    /// Owned by a worker that is still alive (its lease runs): leave it to that worker.
    public var live = false

    mutating func apply(_ kind: String, _ event: JSONValue) {
        switch kind {
        case "submit":
            provider = event["provider"]?.string
            operation = event["operation"]?.string
            image = event["image"]?.string
            baseURL = event["base_url"]?.string
            options = event["options"]?.object ?? [:]
            callbackURL = event["callback_url"]?.string
        case "sending":
            if status == .notSent { status = .uncertain }
        case "accepted":
            taskId = event["task_id"]?.string ?? taskId
            operation = event["operation"]?.string ?? operation
            if !isTerminal { status = .inFlight }
        case "finished":
            status = event["state"]?.string.flatMap(Status.init(rawValue:)) ?? .failed
            results = event["results"]?.array?.compactMap(\.string) ?? []
            error = event["error"]?.string
            let code = event["error_code"]?.int.map { RecraftError.Code(rawValue: Int32(clamping: $0)) }
            if code == .submitUncertain {
                status = .uncertain
            } else if taskId != nil, status != .succeeded, let code, code != .jobFailed, code != .notFound {
                // The provider has the task and did not say it failed (a local timeout or
                // cancel, an outage, a refused key): it is still collectable by id.
                status = .inFlight
            }
        default:
            break
        }
    }

    public var isTerminal: Bool { status == .succeeded || status == .failed || status == .cancelled }

    /// The entry as JSON, for the C API and the bindings.
    public var json: JSONValue {
        .object([
            "ref": .string(ref),
            "status": .string(status.rawValue),
            "provider": provider.map(JSONValue.string) ?? .null,
            "operation": operation.map(JSONValue.string) ?? .null,
            "image": image.map(JSONValue.string) ?? .null,
            "base_url": baseURL.map(JSONValue.string) ?? .null,
            "options": .object(options),
            "callback_url": callbackURL.map(JSONValue.string) ?? .null,
            "task_id": taskId.map(JSONValue.string) ?? .null,
            "results": .array(results.map(JSONValue.string)),
            "error": error.map(JSONValue.string) ?? .null,
            "live": .bool(live)
        ])
    }
}
