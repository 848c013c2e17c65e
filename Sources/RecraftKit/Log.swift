import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// How much a log line matters; the numbers are the C API's (`recraft_set_log_callback`)
/// and what the Python bindings map to `logging` levels.
public enum LogLevel: Int32, Sendable, Comparable, CaseIterable {
    case error = 0
    case warning = 1
    case info = 2
    case debug = 3
    /// Every request's headers, the credentials among them redacted.
    case trace = 4

    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }

    /// `debug`, `info`, ... (and `warn`, `1`/`true`/`on` for debug), as RECRAFT_LOG takes them.
    public init?(name: String) {
        switch name.lowercased() {
        case "error": self = .error
        case "warning", "warn": self = .warning
        case "info": self = .info
        case "debug", "1", "true", "yes", "on": self = .debug
        case "trace": self = .trace
        default: return nil
        }
    }

    public var name: String {
        switch self {
        case .error: "error"
        case .warning: "warning"
        case .info: "info"
        case .debug: "debug"
        case .trace: "trace"
        }
    }
}

/// The library's log: each request (method, host, path, status, duration), each retry
/// with its reason and wait, each state change of a job.
///
/// One listener: a handler set in code (the C callback, the Python bindings, the CLI's
/// `--verbose`), else stderr when `RECRAFT_LOG=debug` (or `info`, ...) is in the
/// environment. Lines are built only when someone listens at their level (one atomic
/// load otherwise), and are delivered on a log thread of their own, in order: the thread
/// that logs (the transport's among them) never waits for a listener. At most
/// `maxPending` lines wait; beyond that lines are dropped and the next one delivered says
/// how many. What is logged has passed `Client.log`'s redaction first.
public enum Log {
    public typealias Handler = @Sendable (LogLevel, String) -> Void

    /// Lines waiting for the log thread, beyond which new ones are dropped.
    static let maxPending = 10_000

    private struct Listeners {
        var handler: (level: LogLevel, handle: Handler)?
        var stderrLevel: LogLevel?
    }

    private static let listeners = Mutex(Listeners())
    /// The most detailed level anyone listens at; -1 for nobody. Read without a lock.
    private static let threshold = Atomic<Int32>(-1)
    private static let pending = Atomic<Int>(0)
    private static let dropped = Atomic<Int>(0)
    private static let queue = DispatchQueue(label: "recraft-log")

    /// RECRAFT_LOG, read once, before the first line is considered.
    private static let environment: Bool = {
        guard let raw = getenv("RECRAFT_LOG") else { return false }
        let text = String(cString: raw).trimmed
        guard !text.isEmpty else { return false }
        guard let level = LogLevel(name: text) else {
            let note = "recraft: RECRAFT_LOG=\(text) is not one of error, warning, info, debug, trace; ignored\n"
            writeStderr(note)
            return false
        }
        listeners.withLock { listeners in
            listeners.stderrLevel = level
            update(listeners)
        }
        return true
    }()

    /// Sets (or, with nil, removes) the handler that gets every line at `level` or more
    /// important. Replaces the previous one; lines already queued go to the new one.
    public static func setHandler(level: LogLevel, _ handler: Handler?) {
        _ = environment
        listeners.withLock { listeners in
            listeners.handler = handler.map { (level, $0) }
            update(listeners)
        }
    }

    private static func update(_ listeners: Listeners) {
        let levels = listeners.handler.map { [$0.level] } ?? [listeners.stderrLevel].compactMap { $0 }
        threshold.store(levels.max()?.rawValue ?? -1, ordering: .releasing)
    }

    /// True when a line at `level` would be delivered: check it before building one.
    @inline(__always)
    public static func enabled(_ level: LogLevel) -> Bool {
        _ = environment
        return level.rawValue <= threshold.load(ordering: .relaxed)
    }

    /// Queues a line for the listeners; never blocks, never fails. `message` must be redacted.
    public static func emit(_ level: LogLevel, _ message: String) {
        guard enabled(level) else { return }
        guard pending.add(1, ordering: .relaxed).newValue <= maxPending else {
            pending.subtract(1, ordering: .relaxed)
            dropped.add(1, ordering: .relaxed)
            return
        }
        queue.async {
            defer { pending.subtract(1, ordering: .relaxed) }
            // Once exit began, the listener (a Python interpreter, say) may be gone.
            guard !Lifetime.isExiting else { return }
            let lost = dropped.exchange(0, ordering: .relaxed)
            if lost > 0 { deliver(.warning, "\(lost) log line(s) were dropped: the log listener is slower than the library") }
            deliver(level, message)
        }
    }

    private static func deliver(_ level: LogLevel, _ message: String) {
        let (handler, stderrLevel) = listeners.withLock { ($0.handler, $0.stderrLevel) }
        if let handler, level <= handler.level { handler.handle(level, message) }
        // A handler takes the log over (the Python bindings print RECRAFT_LOG's lines through logging).
        if handler == nil, let stderrLevel, level <= stderrLevel {
            writeStderr("recraft \(level.name): \(message)\n")
        }
    }

    private static func writeStderr(_ text: String) {
        _ = writeAll(2, Array(text.utf8))
    }

    /// Waits until every line queued so far was delivered (tests, and a CLI before it exits).
    public static func flush() {
        queue.sync {}
    }
}
