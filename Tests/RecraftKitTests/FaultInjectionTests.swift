import Foundation
import RecraftSandbox
import Testing

@testable import RecraftKit

/// A fault the sandbox injects on a dialect's path, and what the job must do about it.
struct FaultCase: Sendable, CustomTestStringConvertible {
    let dialect: FaultDialect
    let label: String
    let fault: @Sendable (_ path: String) -> SandboxFault
    /// For retried faults: the least the retry must have waited (Retry-After, a rate window).
    var minimumWait: Duration = .zero
    /// For refused faults: the error and words of advice the message must hold.
    var code: RecraftError.Code = .internal
    var advice: [String] = []

    var testDescription: String { "\(dialect): \(label)" }
}

/// Faults on the billed request (createTask, or the synchronous image request).
@Suite struct FaultInjectionSubmitTests {
    /// Replies that say the provider did not take the request: retried, one task.
    static let retried: [FaultCase] = {
        var cases: [FaultCase] = []
        for dialect in FaultDialect.allCases {
            // The market and Recraft presets wait out their client window (1 s here) after a
            // 429 without Retry-After; the sandbox preset has no window and backs off.
            let window: Duration = dialect == .market ? .zero : .milliseconds(900)
            cases += [
                FaultCase(
                    dialect: dialect, label: "HTTP 429 without Retry-After", fault: { SandboxFault(.httpStatus, path: $0, times: 1, status: 429) },
                    minimumWait: window),
                FaultCase(
                    dialect: dialect, label: "HTTP 429, Retry-After: 1", fault: { SandboxFault(.httpStatus, path: $0, times: 1, status: 429, retryAfter: 1) },
                    minimumWait: .milliseconds(900)),
                FaultCase(dialect: dialect, label: "HTTP 500", fault: { SandboxFault(.httpStatus, path: $0, times: 1, status: 500) }),
                // kie answers these with its envelope, code 502/503 in the body too.
                FaultCase(dialect: dialect, label: "HTTP 502", fault: { SandboxFault(.httpStatus, path: $0, times: 1, status: 502) }),
                FaultCase(dialect: dialect, label: "HTTP 503", fault: { SandboxFault(.httpStatus, path: $0, times: 1, status: 503) })
            ]
            guard !dialect.isSynchronous else { continue }
            cases += [
                FaultCase(
                    dialect: dialect, label: "HTTP 200, body code 429", fault: { SandboxFault(.bodyCode, path: $0, times: 1, status: 429) },
                    minimumWait: window),
                FaultCase(dialect: dialect, label: "HTTP 200, body code 455", fault: { SandboxFault(.bodyCode, path: $0, times: 1, status: 455) }),
                FaultCase(dialect: dialect, label: "HTTP 200, body code 500", fault: { SandboxFault(.bodyCode, path: $0, times: 1, status: 500) })
            ]
        }
        return cases
    }()

    @Test(arguments: retried)
    func providerDidNotTakeItSoTheSubmitIsRetriedOnce(_ test: FaultCase) async throws {
        try await FaultBench.run(test.dialect) { bench in
            try bench.sandbox.addFault(test.fault(test.dialect.submitPath))
            let started = ContinuousClock.now
            let job = try bench.submit(try bench.client())
            await bench.expectSucceeded(job, test.label)
            #expect(bench.submitHits == 2, "\(test): \(bench.submitHits) submits reached the provider")
            #expect(bench.stats.faultsInjected == 1)
            let waited = ContinuousClock.now - started
            #expect(waited >= test.minimumWait, "\(test): retried after \(waited), before \(test.minimumWait)")
        }
    }

    /// Replies that refuse the request for good: not resent, the right error, advice.
    static let refused: [FaultCase] = {
        var cases: [FaultCase] = []
        for dialect in FaultDialect.asynchronous {
            func body(_ code: Int, _ error: RecraftError.Code, _ advice: [String]) -> FaultCase {
                FaultCase(
                    dialect: dialect, label: "HTTP 200, body code \(code)", fault: { SandboxFault(.bodyCode, path: $0, times: 1, status: code) },
                    code: error, advice: advice)
            }
            cases += [
                body(433, .rateLimited, ["usage cap", "raise it"]),
                body(401, .authentication, ["check the API key"]),
                body(402, .insufficientCredits, ["top up"]),
                body(422, .invalidArgument, ["fix the request"]),
                body(501, .jobFailed, ["could not generate"]),
                body(505, .unsupported, ["disabled"]),
                FaultCase(
                    dialect: dialect, label: "HTTP 401", fault: { SandboxFault(.httpStatus, path: $0, times: 1, status: 401) },
                    code: .authentication, advice: ["check the API key"])
            ]
        }
        for dialect in FaultDialect.synchronous {
            func http(_ status: Int, _ error: RecraftError.Code, _ advice: [String]) -> FaultCase {
                FaultCase(
                    dialect: dialect, label: "HTTP \(status)", fault: { SandboxFault(.httpStatus, path: $0, times: 1, status: status) },
                    code: error, advice: advice)
            }
            cases += [
                http(401, .authentication, ["check the API key", "RECRAFT_API_TOKEN"]),
                http(402, .insufficientCredits, ["top up"]),
                http(422, .invalidInput, ["fix the input"]),
                http(404, .notFound, ["check the base URL"]),
                // Recraft has no body codes, but resellers answer errors in kie's envelope on
                // HTTP 200: the client reads it as the error it states.
                FaultCase(
                    dialect: dialect, label: "HTTP 200, kie body code 401", fault: { SandboxFault(.bodyCode, path: $0, times: 1, status: 401) },
                    code: .authentication, advice: ["check the API key"])
            ]
        }
        return cases
    }()

    @Test(arguments: refused)
    func providerRefusedItSoTheJobFailsWithAdviceAndNothingIsResent(_ test: FaultCase) async throws {
        try await FaultBench.run(test.dialect) { bench in
            try bench.sandbox.addFault(test.fault(test.dialect.submitPath))
            let client = try bench.client()
            let job = try bench.submit(client)
            await bench.expectFailed(job, test.code, saying: test.advice, test.label)
            #expect(bench.submitHits == 1, "\(test): sent \(bench.submitHits) times")
            #expect(bench.accepted == 0)
            #expect(try bench.journalEntry(job, in: client)?.status == .failed)
        }
    }

    /// The provider stays unavailable for longer than the retries last: the job fails with
    /// the provider's error, every attempt certainly refused, so the journal says failed.
    @Test(arguments: [FaultDialect.market, .dedicated, .recraft])
    func submitRetriesRunOutWithTheProvidersError(_ dialect: FaultDialect) async throws {
        try await FaultBench.run(dialect) { bench in
            try bench.sandbox.addFault(SandboxFault(.httpStatus, path: dialect.submitPath, status: 503))
            let client = try bench.client(["max_retries": "2"])
            let job = try bench.submit(client)
            await bench.expectFailed(job, .providerUnavailable, saying: ["try again later"], "HTTP 503 for good")
            #expect(bench.submitHits == 3, "one try and two retries")
            #expect(bench.accepted == 0)
            #expect(try bench.journalEntry(job, in: client)?.status == .failed)
        }
    }

    /// Retry-After far beyond the job's deadline: the job ends at once, rate limited, saying so.
    @Test(arguments: [FaultDialect.market, .recraft])
    func retryAfterPastTheDeadlineEndsTheJobAtOnce(_ dialect: FaultDialect) async throws {
        try await FaultBench.run(dialect) { bench in
            try bench.sandbox.addFault(SandboxFault(.httpStatus, path: dialect.submitPath, times: 1, status: 429, retryAfter: 60))
            let started = ContinuousClock.now
            let job = try bench.submit(try bench.client(["job_timeout_ms": "30000"]))
            await bench.expectFailed(job, .rateLimited, saying: ["past the job's deadline"], "Retry-After: 60")
            #expect(ContinuousClock.now - started < .seconds(20), "it should not have waited for the deadline")
            #expect(bench.submitHits == 1)
        }
    }
}
