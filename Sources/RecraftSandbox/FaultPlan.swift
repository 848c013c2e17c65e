// The fault rules and rate limits in force, and which of them a request meets. Every
// request reaches `effects(for:)` after routing, the UA check and the body cap, and
// before its handler (see Sandbox+Faults.swift for how the effects are carried out).
// A value-level state machine under a lock: testable without a network.

import Foundation
import Synchronization

/// What the rules decided for one request.
struct FaultEffects: Sendable {
    /// Over a rate limit: answer 429 (with Retry-After when the limit says so).
    var rateLimited: RateLimited?
    /// Wait this long before going on.
    var delayMs = 0
    /// A reply that replaces the handler's (httpStatus, bodyCode, resetConnection, malformedJSON).
    var replacement: SandboxFault?
    /// Cut the handler's reply short.
    var truncate = false
    /// Rewrite the state in a recordInfo / record-info reply.
    var unknownState: String?
    /// Tasks created by this request fail with this code and message.
    var taskFailure: TaskFailure?
    /// How many rules applied (for the stats).
    var applied = 0

    struct RateLimited: Sendable, Equatable {
        /// Seconds until the window has room, when the limit sends Retry-After.
        var retryAfter: Int?
    }

    struct TaskFailure: Sendable, Equatable {
        var code: String
        var message: String
    }
}

final class FaultPlan: Sendable {
    private struct Rule {
        var fault: SandboxFault
        var skipped = 0
        var used = 0
    }

    private struct Limiter {
        var limit: SandboxRateLimit
        var recent: [Int] = []  // epoch ms of accepted requests in the window
    }

    private struct State {
        var rules: [Rule] = []
        var limiters: [Limiter] = []
    }

    private let state = Mutex(State())

    init(faults: [SandboxFault] = [], rateLimits: [SandboxRateLimit] = []) {
        state.withLock { state in
            state.rules = faults.filter { $0.validationProblem == nil }.map { Rule(fault: $0) }
            state.limiters = rateLimits.filter { $0.limit >= 0 && $0.windowMs > 0 }.map { Limiter(limit: $0) }
        }
    }

    var faults: [SandboxFault] { state.withLock { $0.rules.map(\.fault) } }
    var rateLimits: [SandboxRateLimit] { state.withLock { $0.limiters.map(\.limit) } }

    func add(_ fault: SandboxFault) throws {
        if let problem = fault.validationProblem { throw SandboxError(problem) }
        state.withLock { $0.rules.append(Rule(fault: fault)) }
    }

    func setRateLimits(_ limits: [SandboxRateLimit]) throws {
        if let bad = limits.first(where: { $0.limit < 0 || $0.windowMs <= 0 }) {
            throw SandboxError("rate limit for \(bad.path) needs limit >= 0 and windowMs > 0")
        }
        state.withLock { $0.limiters = limits.map { Limiter(limit: $0) } }
    }

    func clear() { state.withLock { $0 = State() } }

    func effects(for request: SandboxRequest, at now: Int = WallClock.nowMillis()) -> FaultEffects {
        // The sandbox's own admin paths never misbehave: a rule on "/*" must not make
        // itself impossible to clear.
        switch request.endpoint {
        case .stats, .reset, .faults: return FaultEffects()
        default: break
        }
        let isAPI = request.endpoint.isAPI
        return state.withLock { state in
            var effects = FaultEffects()
            // Every limit on the path must have room (Recraft: 5 per s and 100 per minute);
            // a request refused by one is counted by none.
            var matching: [Int] = []
            for index in state.limiters.indices {
                let limit = state.limiters[index].limit
                let probe = SandboxFault(.stall, path: limit.path)
                guard probe.matches(path: request.path, isAPI: isAPI) else { continue }
                state.limiters[index].recent.removeAll { $0 <= now - limit.windowMs }
                let recent = state.limiters[index].recent
                if recent.count >= limit.limit {
                    let wait = (recent.first.map { $0 + limit.windowMs - now } ?? limit.windowMs)
                    effects.rateLimited = .init(retryAfter: limit.retryAfter ? max(1, (wait + 999) / 1000) : nil)
                    return effects  // dropped: no fault rule is spent on it
                }
                matching.append(index)
            }
            for index in matching { state.limiters[index].recent.append(now) }
            var exhausted = [Int]()
            for index in state.rules.indices {
                let fault = state.rules[index].fault
                guard fault.matches(path: request.path, isAPI: isAPI) else { continue }
                if state.rules[index].skipped < (fault.skip ?? 0) {
                    state.rules[index].skipped += 1
                    continue
                }
                if let probability = fault.probability, Double.random(in: 0..<1) >= probability { continue }
                // One replacement per request; later replacing rules wait for the next one.
                let replaces = [.httpStatus, .bodyCode, .resetConnection, .malformedJSON].contains(fault.kind)
                if replaces, effects.replacement != nil { continue }
                switch fault.kind {
                case .httpStatus, .bodyCode, .resetConnection, .malformedJSON: effects.replacement = fault
                case .stall: effects.delayMs += fault.delayMs ?? 0
                case .truncateBody: effects.truncate = true
                case .unknownState: effects.unknownState = fault.state
                case .failTask:
                    effects.taskFailure = .init(code: fault.failCode ?? "500", message: fault.message ?? "Internal server error")
                }
                effects.applied += 1
                state.rules[index].used += 1
                if let times = fault.times, state.rules[index].used >= times { exhausted.append(index) }
            }
            for index in exhausted.reversed() { state.rules.remove(at: index) }
            return effects
        }
    }
}
