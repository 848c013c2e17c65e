import Synchronization

/// When to poll next. A value type, tested alone.
///
/// Cold, each wait is 22 % of the time the task has run so far (within
/// `initial`…`maximum`), so a result is noticed less than 25 % of the task's duration
/// late even with the ±5 % jitter and the poll's own round trip (a quarter, exactly, let
/// about one job in a hundred go over 25 % in a simulation of it), with few polls on long
/// tasks. Once the client has seen enough tasks of the same operation
/// (`DurationStats`), the first poll goes out when half of them had ended, then every tenth
/// of the typical duration until nearly all would have: two polls per task or fewer and a
/// lag near 7 %. (A first poll at the 40th percentile gave a median of three polls in a
/// fifth to a half of simulated batches of 40, and in one bench run: 40 samples place a
/// percentile only within ±8 %.) fal polls every 0.1 s and Replicate every 0.5 s
/// whatever the task; both waste requests on long tasks and lag on short ones.
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

    /// The share of the elapsed time a cold wait lasts.
    static let coldFactor = 0.22

    /// The wait before the next poll, for a task that has run `elapsed` so far.
    func next(elapsed: Duration, jitter: Double = Double.random(in: 0.95...1.05)) -> Duration {
        if let expected {
            if elapsed < expected.median { return expected.median - elapsed }
            if elapsed < expected.upper { return max(.milliseconds(20), expected.median * 0.1) * jitter }
        }
        return min(maximum, max(initial, elapsed * Self.coldFactor)) * jitter
    }
}

/// How long tasks of each operation took at this client's provider, from the last 64
/// that succeeded; what `PollSchedule` learns from.
final class DurationStats: Sendable {
    struct Summary: Sendable, Equatable {
        /// The median (when to poll first) and the 95th percentile (when to stop
        /// polling every tenth of the median).
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
        return Summary(median: quantile(0.5), upper: quantile(0.95))
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
