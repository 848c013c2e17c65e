import Synchronization

/// When to poll next. A value type, tested alone.
///
/// Cold, each wait is a quarter of the time the task has run so far (within
/// `initial`…`maximum`), so a result is noticed at most about 25 % of the task's duration
/// late, with few polls on long tasks. Once the client has seen enough tasks of the same
/// operation (`DurationStats`), the first poll goes out when 40 % of them had ended, then
/// every tenth of the typical duration until nearly all would have: about two polls per
/// task and a lag near 5 %. fal polls every 0.1 s and Replicate every 0.5 s whatever
/// the task; both waste requests on long tasks and lag on short ones.
struct PollSchedule: Sendable {
    let initial: Duration
    let maximum: Duration
    /// Percentiles of recent durations of this operation, when there are enough.
    let expected: DurationStats.Summary?

    init(initial: Duration, maximum: Duration, expected: DurationStats.Summary? = nil) {
        self.initial = initial
        self.maximum = max(initial, maximum)
        self.expected = expected
    }

    /// The wait before the next poll, for a task that has run `elapsed` so far.
    func next(elapsed: Duration, jitter: Double = Double.random(in: 0.95...1.05)) -> Duration {
        if let expected {
            if elapsed < expected.lower { return expected.lower - elapsed }
            if elapsed < expected.upper { return max(.milliseconds(20), expected.median * 0.1) * jitter }
        }
        return min(maximum, max(initial, elapsed * 0.25)) * jitter
    }
}

/// How long tasks of each operation took at this client's provider, from the last 64
/// that succeeded; what `PollSchedule` learns from.
final class DurationStats: Sendable {
    struct Summary: Sendable, Equatable {
        /// The 40th percentile (when to poll first), the median and the 95th percentile.
        let lower: Duration
        let median: Duration
        let upper: Duration
    }

    static let needed = 20
    private let samples = Mutex<[Operation: [Duration]]>([:])

    func record(_ duration: Duration, for operation: Operation) {
        samples.withLock { samples in
            samples[operation, default: []].append(duration)
            if samples[operation]!.count > 64 { samples[operation]!.removeFirst() }
        }
    }

    func summary(for operation: Operation) -> Summary? {
        let sorted = samples.withLock { $0[operation] ?? [] }.sorted()
        guard sorted.count >= Self.needed else { return nil }
        func quantile(_ q: Double) -> Duration { sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * q))] }
        return Summary(lower: quantile(0.4), median: quantile(0.5), upper: quantile(0.95))
    }
}

/// Exponential backoff with full jitter (AWS's recommendation): a random wait between
/// zero and base·2^attempt, capped. Spreads retries of many clients apart.
func retryDelay(
    attempt: Int, base: Duration = .milliseconds(250), cap: Duration = .seconds(10),
    random: Double = Double.random(in: 0...1)
) -> Duration {
    let ceiling = min(cap, base * Double(1 << min(attempt, 16)))
    return ceiling * random
}
