/// When to poll next: fast at first, then backing off to a cap, with a little jitter so
/// that a batch submitted together does not poll in lockstep. A value type, tested alone.
struct PollSchedule: Sendable {
    let initial: Duration
    let maximum: Duration
    let factor: Double
    private(set) var current: Duration

    init(initial: Duration, maximum: Duration, factor: Double = 1.5) {
        self.initial = initial
        self.maximum = max(initial, maximum)
        self.factor = factor
        self.current = initial
    }

    /// The wait before the next poll (±10 % jitter), and the schedule moved on.
    mutating func next(jitter: Double = Double.random(in: 0.9...1.1)) -> Duration {
        let wait = current * jitter
        current = min(maximum, current * factor)
        return wait
    }
}

/// Exponential backoff with full jitter (AWS's recommendation): a random wait between
/// zero and base·2^attempt, capped. Spreads retries of many clients apart.
func retryDelay(attempt: Int, base: Duration = .milliseconds(250), cap: Duration = .seconds(10),
                random: Double = Double.random(in: 0...1)) -> Duration {
    let ceiling = min(cap, base * Double(1 << min(attempt, 16)))
    return ceiling * random
}
