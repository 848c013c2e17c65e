import Synchronization

/// A sliding-window limit: at most `count` requests reach the provider in any `window`,
/// shared by every job of a client. kie drops (does not queue) requests over its limit,
/// so the client must never send them.
///
/// The provider counts a request when it reads it, which a busy server does a while after
/// we wrote it, but always before it replies. So a new request may go only a `window` (and
/// a margin) after the reply to the request `count` places before it. Until that reply is
/// in, the limiter waits for it, checking at least every 50 ms; the one cost is that
/// Recraft's synchronous requests, which reply once the image is done, hold their slot
/// for their whole run.
final class RateLimiter: Sendable {
    let count: Int
    let window: Duration

    struct Ticket: Sendable { let id: UInt64 }

    enum Take {
        case granted(Ticket)
        case wait(ContinuousClock.Instant)
    }

    private struct Grant {
        let id: UInt64
        let start: ContinuousClock.Instant
        var end: ContinuousClock.Instant?
    }

    private struct State {
        /// The last `count` grants, oldest first.
        var grants: [Grant] = []
        var nextId: UInt64 = 0
    }

    private let state = Mutex(State())

    /// The window plus a margin for a provider slow to read what it was sent.
    let spacing: Duration

    init(count: Int, window: Duration) {
        self.count = max(1, count)
        self.window = window
        self.spacing = window + max(.milliseconds(50), min(window * 0.03, .milliseconds(300)))
    }

    /// Waits for this request's turn and takes it. Call `finished` when its reply came.
    /// Gives up (timeout) rather than wait past `deadline`.
    func acquire(before deadline: ContinuousClock.Instant? = nil) async throws(RecraftError) -> Ticket {
        while true {
            switch take(now: .now) {
            case .granted(let ticket):
                return ticket
            case .wait(let until):
                if let deadline, until > deadline {
                    throw RecraftError(.timeout, "the rate limit's next free slot comes after the job's deadline (job_timeout_ms); the request was not sent")
                }
                do { try await Task.sleep(until: until, clock: .continuous) } catch {
                    throw RecraftError(.cancelled, "cancelled while waiting for the rate limit")
                }
            }
        }
    }

    /// Grants a slot if one is free at `now`, else says when to look again.
    func take(now: ContinuousClock.Instant) -> Take {
        state.withLock { state in
            if state.grants.count >= count {
                let constraint = state.grants[state.grants.count - count]
                guard let end = constraint.end else { return .wait(now + .milliseconds(50)) }
                if end + spacing > now { return .wait(end + spacing) }
            }
            state.nextId += 1
            state.grants.append(Grant(id: state.nextId, start: now))
            if state.grants.count > count { state.grants.removeFirst(state.grants.count - count) }
            return .granted(Ticket(id: state.nextId))
        }
    }

    /// Records that the reply to `ticket` came back (or the request failed) at `now`.
    func finished(_ ticket: Ticket, now: ContinuousClock.Instant = .now) {
        state.withLock { state in
            guard let index = state.grants.firstIndex(where: { $0.id == ticket.id }) else { return }
            state.grants[index].end = now
        }
    }

    static let longestWindow = 24 * 3600 * 1000
    static let largestCount = 1_000_000

    /// Parses "20/10s", "10/1s", "5/s", "300/1m"; nil for "off". Throws for anything else.
    static func parse(_ text: String, key: String) throws(RecraftError) -> RateLimiter? {
        let lower = text.lowercased().trimmed
        if lower == "off" || lower == "none" { return nil }
        let parts = lower.split(separator: "/")
        let units: [(String, Int)] = [("ms", 1), ("s", 1000), ("m", 60_000)]
        guard parts.count == 2, let count = Int(parts[0]), count > 0,
            let unit = units.first(where: { parts[1].hasSuffix($0.0) })
        else {
            throw RecraftError(.invalidConfig, "\(key) \"\(text)\" is not a rate like \"20/10s\", \"5/s\" or \"off\"")
        }
        let amountText = parts[1].dropLast(unit.0.count)
        let amount = amountText.isEmpty ? 1 : Int(amountText) ?? 0
        guard amount > 0 else { throw RecraftError(.invalidConfig, "\(key) \"\(text)\" has no positive window") }
        // A config is outside input: bound both numbers instead of trusting them.
        let (milliseconds, overflow) = amount.multipliedReportingOverflow(by: unit.1)
        guard !overflow, milliseconds <= Self.longestWindow, count <= Self.largestCount else {
            throw RecraftError(
                .invalidConfig,
                "\(key) \"\(text)\" is out of range: at most \(Self.largestCount) requests per window of at most 1 day")
        }
        return RateLimiter(count: count, window: .milliseconds(milliseconds))
    }
}
