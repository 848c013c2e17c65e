import Synchronization

/// One documented limit: at most `count` requests reach the provider in any `window`.
public struct RateLimit: Sendable, Equatable, CustomStringConvertible {
    public var count: Int
    public var window: Duration

    public init(count: Int, window: Duration) {
        self.count = count
        self.window = window
    }

    /// The window plus a margin for clock granularity. The slot already ends when the
    /// provider has certainly read the request (its reply, or its body on the wire plus a
    /// round trip), so little more is needed.
    var spacingMs: Int64 {
        let window = self.window.milliseconds
        return window + max(5, min(window / 100, 300))
    }

    public var description: String { "\(count)/\(window.milliseconds)ms" }

    static let longestWindow = 24 * 3600 * 1000
    static let largestCount = 1_000_000

    /// Parses "20/10s", "10/1s", "5/s", "300/1m", several joined by commas ("5/s, 100/1m":
    /// each is kept); empty for "off". Throws for anything else.
    static func parse(_ text: String, key: String) throws(RecraftError) -> [RateLimit] {
        let lower = text.lowercased().trimmed
        if lower == "off" || lower == "none" { return [] }
        var limits: [RateLimit] = []
        for part in lower.split(separator: ",", omittingEmptySubsequences: false) {
            limits.append(try parseOne(part.trimmed, text: text, key: key))
        }
        return limits
    }

    private static func parseOne(_ rate: String, text: String, key: String) throws(RecraftError) -> RateLimit {
        let parts = rate.split(separator: "/")
        let units: [(String, Int)] = [("ms", 1), ("s", 1000), ("m", 60_000)]
        guard parts.count == 2, let count = Int(parts[0]), count > 0,
            let unit = units.first(where: { parts[1].hasSuffix($0.0) })
        else {
            throw RecraftError(.invalidConfig, "\(key) \"\(text)\" is not a rate like \"20/10s\", \"5/s, 100/1m\" or \"off\"")
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
        return RateLimit(count: count, window: .milliseconds(milliseconds))
    }
}

/// The limits of one kind of request (creates, or polls) of one account, kept together by
/// every process and machine that shares the store. kie drops (does not queue) requests
/// over its limit, so a request is sent only with a slot the store granted.
///
/// The provider counts a request when it reads it: at the latest when it replies, and for
/// a slow synchronous request (Recraft answers once the image is done) soon after its body
/// is on the wire. So a slot is held from its grant until then, plus the window. Waiters of
/// this process queue here, in order; the first of them holds the process's place in the
/// store's queue, so processes take turns too.
final class RateLimiter: Sendable {
    let limits: [RateLimit]
    let kind: String
    private let store: Store
    private let scope: String
    /// How long a slot may stay open without an end: the request's whole timeout.
    private let holdMs: Int64
    /// How long after its body is on the wire a synchronous request counts, at least.
    private let marginMs: Int64

    struct Ticket: Sendable { let id: Int64 }

    private struct Waiter {
        let id: UInt64
        let deadline: ContinuousClock.Instant?
        let continuation: CheckedContinuation<Result<Ticket, RecraftError>, Never>
    }

    private struct State {
        var waiters: [Waiter] = []
        var nextId: UInt64 = 0
        var pumping = false
        /// Slots whose end is still the one `sent` wrote (body on the wire plus a margin);
        /// a reply before it moves it earlier.
        var provisional: Set<Int64> = []
        /// The pump's sleep until the next slot frees, cut short when a provisional end
        /// moves earlier: a wait computed from it would otherwise hold every waiter the
        /// margin too long (Recraft's 5/s ran at 5 per 1.4 s with the SQLite store).
        var sleeper: Task<Void, Never>?
        var woken = false
    }

    private let state = Mutex(State())

    /// What a retry after a 429 without Retry-After waits: the shortest window, the limit
    /// another client off the store most likely broke (Recraft's 5 per s rather than its
    /// 100 per minute, which would outlast most deadlines).
    var window: Duration { limits.map(\.window).min() ?? .zero }

    /// `sentMarginMs`: `sentMarginMs`'s default; the tests give a long one.
    init(limits: [RateLimit], kind: String, store: Store, scope: String, requestTimeout: Duration, sentMarginMs: Int64 = sentMarginMs) {
        self.limits = limits
        self.kind = kind
        self.store = store
        self.scope = scope
        self.holdMs = requestTimeout.milliseconds + 5000
        self.marginMs = sentMarginMs
    }

    /// Waits for this request's turn and takes it. Call `sent` when its body is on the
    /// wire and `finished` when its reply came (or it failed). Gives up (timeout) rather
    /// than wait past `deadline`, and (store_unavailable) when the store cannot grant it.
    func acquire(before deadline: ContinuousClock.Instant? = nil) async throws(RecraftError) -> Ticket {
        let id = state.withLock { state -> UInt64 in
            state.nextId += 1
            return state.nextId
        }
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let start = state.withLock { state -> Bool in
                    state.waiters.append(Waiter(id: id, deadline: deadline, continuation: continuation))
                    defer { state.pumping = true }
                    return !state.pumping
                }
                if start { Task.detached { await self.pump() } }
            }
        } onCancel: {
            resolve(id, .failure(RecraftError(.cancelled, "cancelled while waiting for the rate limit")))
        }
        return try result.get()
    }

    /// How long after its body is on the wire a synchronous request is taken to have been
    /// counted by the provider (at least; two connect times when that is longer). A server
    /// may read a request well after its last byte arrived; the margin study on a loaded
    /// 2-core machine (the fault suite's zero-429 test, 15 Recraft and mirror creates at
    /// 5/s, the sandbox counting when it has read the body): 25 ms gave 1-3 × 429, 100 ms
    /// 1 × 429, 400 ms none in three runs. Exactness first: 400 ms. Recraft bursts of 2 s
    /// replies so run at about 5 per 1.4 s, not 5 per 3 s as with the reply as anchor.
    static let sentMarginMs: Int64 = 400

    /// The provider has the request's body: it counts it by a round trip from now.
    func sent(_ ticket: Ticket, connectTime: Duration) {
        let margin = max(marginMs, min(2 * connectTime.milliseconds, 1000))
        state.withLock { _ = $0.provisional.insert(ticket.id) }
        store.endSlot(scope: scope, kind: kind, ticket: ticket.id, marginMs: margin)
    }

    /// The reply to `ticket` came back (or the request failed). When its end was
    /// provisional, the pump asks again now: the store's thread runs the end's write
    /// first, so the answer counts it.
    func finished(_ ticket: Ticket) {
        store.endSlot(scope: scope, kind: kind, ticket: ticket.id, marginMs: 0)
        let sleeper = state.withLock { state -> Task<Void, Never>? in
            guard state.provisional.remove(ticket.id) != nil else { return nil }
            state.woken = true
            return state.sleeper
        }
        sleeper?.cancel()
    }

    /// Ends the waiter `id` with `result`, if it still waits.
    @discardableResult
    private func resolve(_ id: UInt64, _ result: Result<Ticket, RecraftError>) -> Bool {
        let waiter = state.withLock { state -> Waiter? in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
        waiter?.continuation.resume(returning: result)
        return waiter != nil
    }

    /// Asks the store for slots, one at a time, for the waiters in order, while any wait.
    private func pump() async {
        var place: Int64?
        var failures = 0
        while true {
            let head = state.withLock { state -> Waiter? in
                if state.waiters.isEmpty { state.pumping = false }
                return state.waiters.first
            }
            guard let head else { break }
            let decision: GrantDecision
            state.withLock { $0.woken = false }
            do {
                let asked = ContinuousClock.now
                decision = try await store.tryGrant(scope: scope, kind: kind, rules: limits, waiter: place, holdMs: holdMs)
                GrantTiming.record(since: asked)
                failures = 0
            } catch {
                // Fail closed: no slot, no request. Try again until the waiter's deadline.
                failures += 1
                let backoff = Duration.milliseconds(min(1000, 50 << min(failures, 5)))
                if let deadline = head.deadline, ContinuousClock.now + backoff > deadline {
                    resolve(head.id, .failure(error))
                } else {
                    try? await Task.sleep(for: backoff)
                }
                continue
            }
            switch decision {
            case .granted(let ticket):
                place = nil
                if !resolve(head.id, .success(Ticket(id: ticket))) {
                    // Its waiter left meanwhile: the slot was never used.
                    store.endSlot(scope: scope, kind: kind, ticket: ticket, marginMs: 0)
                }
            case .wait(let delay, let waiter):
                place = waiter
                let until = ContinuousClock.now + .milliseconds(delay)
                if let deadline = head.deadline, until > deadline {
                    resolve(
                        head.id,
                        .failure(
                            RecraftError(
                                .timeout,
                                "the rate limit's next free slot comes after the job's deadline (job_timeout_ms); the request was not sent")))
                    continue
                }
                let sleeper = state.withLock { state -> Task<Void, Never>? in
                    guard !state.woken else { return nil }  // an end moved earlier since the answer
                    let sleeper = Task { _ = try? await Task.sleep(until: until, clock: .continuous) }
                    state.sleeper = sleeper
                    return sleeper
                }
                await sleeper?.value
                state.withLock { $0.sleeper = nil }
            }
        }
        if let place { store.leaveQueue(scope: scope, kind: kind, waiter: place) }
    }
}
