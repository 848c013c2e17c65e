import Synchronization

/// A sliding-window limit: at most `count` grants in any `window`, shared by every job of
/// a client. kie drops (does not queue) requests over its limit, so the client must never
/// send them. Grants are reserved in call order, so waiters are served first come, first
/// served, and a waiter sleeps exactly until its slot.
final class RateLimiter: Sendable {
    let count: Int
    let window: Duration
    /// The times of the last `count` grants, oldest first (a ring).
    private let grants: Mutex<[ContinuousClock.Instant]>

    /// The window the limiter keeps, a little wider than the provider's: requests reach
    /// the provider a few milliseconds apart from when they were granted, and one that
    /// arrives early at the edge of a window would be dropped.
    let spacing: Duration

    init(count: Int, window: Duration) {
        self.count = max(1, count)
        self.window = window
        self.spacing = window + min(window * 0.03, .milliseconds(300))
        self.grants = Mutex([])
    }

    /// Reserves the next slot and returns when it is here.
    func acquire() async throws(RecraftError) {
        let slot = reserve(now: .now)
        guard slot > .now else { return }
        do { try await Task.sleep(until: slot, clock: .continuous) } catch {
            throw RecraftError(.cancelled, "cancelled while waiting for the rate limit")
        }
    }

    /// The instant the next grant may happen, recorded as taken.
    func reserve(now: ContinuousClock.Instant) -> ContinuousClock.Instant {
        grants.withLock { grants in
            var slot = now
            if grants.count >= count {
                slot = max(now, grants[grants.count - count] + spacing)
            }
            if let last = grants.last { slot = max(slot, last) }
            grants.append(slot)
            if grants.count > count { grants.removeFirst(grants.count - count) }
            return slot
        }
    }

    /// Parses "20/10s", "10/1s", "5/s", "300/1m"; nil for "off". Throws for anything else.
    static func parse(_ text: String, key: String) throws(RecraftError) -> RateLimiter? {
        let lower = text.lowercased().trimmed
        if lower == "off" || lower == "none" { return nil }
        let parts = lower.split(separator: "/")
        let units: [(String, Int)] = [("ms", 1), ("s", 1000), ("m", 60_000)]
        guard parts.count == 2, let count = Int(parts[0]), count > 0,
              let unit = units.first(where: { parts[1].hasSuffix($0.0) }) else {
            throw RecraftError(.invalidConfig, "\(key) \"\(text)\" is not a rate like \"20/10s\", \"5/s\" or \"off\"")
        }
        let amountText = parts[1].dropLast(unit.0.count)
        let amount = amountText.isEmpty ? 1 : Int(amountText) ?? 0
        guard amount > 0 else { throw RecraftError(.invalidConfig, "\(key) \"\(text)\" has no positive window") }
        return RateLimiter(count: count, window: .milliseconds(amount * unit.1))
    }
}
