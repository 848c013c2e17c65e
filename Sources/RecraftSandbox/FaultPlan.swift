// Where misbehaviour will plug in. Every request reaches `intercept` after routing,
// the UA check and the body cap, and before its handler, with its endpoint (and so its
// provider) resolved. A later change fills this in with rules such as "the next N
// createTask calls get 429 with Retry-After", "recordInfo answers an unknown state",
// "reset the connection", "stall", "truncate the body", or a per-provider rate limit
// that drops requests over its window; nothing else in the sandbox needs to change
// for that, except the few faults that live inside a reply (a result file that 404s,
// a task that fails), which the handlers can ask this plan about.

import Hummingbird

final class FaultPlan: Sendable {
    init() {}

    /// A reply to send instead of the handler's, or nil to let the request through.
    func intercept(_ request: SandboxRequest) async -> Response? {
        nil
    }
}
