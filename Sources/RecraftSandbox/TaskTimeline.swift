// The life of an asynchronous task, as a value computed from timestamps: no timer runs
// per task. kie's Market states go waiting → queuing → generating → success | fail; the
// dedicated dialect only tells "processing" from the end. A task reaches its end when
// its duration has passed AND its image work is done, so a result is always real and
// stored before any state claims success.

enum TaskPhase: String, Sendable, Equatable {
    case waiting, queuing, generating, finished
}

struct TaskTimeline: Sendable, Equatable {
    /// Epoch milliseconds of creation.
    let createdAt: Int
    /// Lengths of the three running phases, in milliseconds.
    let waiting: Int
    let queuing: Int
    let generating: Int

    var total: Int { waiting + queuing + generating }

    /// Splits `duration` (already spread) as 20 % waiting, 20 % queuing, 60 % generating.
    init(createdAt: Int, durationMillis: Int) {
        let duration = max(0, durationMillis)
        self.createdAt = createdAt
        self.waiting = duration / 5
        self.queuing = duration / 5
        self.generating = duration - 2 * (duration / 5)
    }

    /// A duration with a uniform random spread of ±`spread` (a fraction, clamped to 0...1).
    static func spreadMillis(_ duration: Duration, spread: Double) -> Int {
        let (seconds, attoseconds) = duration.components
        let base = Double(seconds) * 1000 + Double(attoseconds) / 1e15
        let fraction = min(max(spread.isFinite ? spread : 0, 0), 1)
        let factor = fraction > 0 ? Double.random(in: (1 - fraction)...(1 + fraction)) : 1
        return max(0, Int((base * factor).rounded()))
    }

    /// The phase at `now`; `workDoneAt` is when the image work finished (nil: not yet).
    func phase(at now: Int, workDoneAt: Int?) -> TaskPhase {
        let elapsed = now - createdAt
        if elapsed < waiting { return .waiting }
        if elapsed < waiting + queuing { return .queuing }
        guard let workDoneAt, elapsed >= total, workDoneAt <= now else { return .generating }
        return .finished
    }

    /// When the task ended (or will end): the later of its planned end and its work.
    func completedAt(workDoneAt: Int) -> Int { max(createdAt + total, workDoneAt) }

    /// When the state last changed, as of `now`.
    func updatedAt(at now: Int, workDoneAt: Int?) -> Int {
        switch phase(at: now, workDoneAt: workDoneAt) {
        case .waiting: createdAt
        case .queuing: createdAt + waiting
        case .generating: createdAt + waiting + queuing
        case .finished: completedAt(workDoneAt: workDoneAt ?? now)
        }
    }
}
