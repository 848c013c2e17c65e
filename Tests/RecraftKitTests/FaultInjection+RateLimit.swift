import Foundation
import RecraftSandbox
import Testing

@testable import RecraftKit

/// A batch against a provider that drops (not queues) what goes over its limit: the
/// client's own limit keeps it within, with no 429 at all; without it, the 429s are
/// absorbed by retries that wait the window out. Either way one task per job.
@Suite struct FaultInjectionRateLimitTests {
    static let jobs = 15

    static func submitAll(_ bench: FaultBench, _ client: Client) async throws -> [Job] {
        let image = ImageSource.url(try await bench.inputURL())
        let jobs = try (0..<Self.jobs).map { _ in try bench.submit(client, image: bench.dialect == .mirror ? .file(bench.input) : image) }
        for job in jobs { _ = await job.wait(timeout: .seconds(40)) }
        return jobs
    }

    static func expectAllSucceeded(_ jobs: [Job], _ bench: FaultBench, sourceLocation: SourceLocation = #_sourceLocation) {
        let failed = jobs.filter { $0.state != .succeeded }
        #expect(failed.isEmpty, "\(bench.dialect): \(failed.count) failed: \(failed.first?.error?.description ?? "")", sourceLocation: sourceLocation)
        #expect(
            bench.accepted == Self.jobs, "\(bench.dialect): \(bench.accepted) submits acted on for \(Self.jobs) jobs",
            sourceLocation: sourceLocation)
    }

    /// Sandbox: 5 submits per second. Client: submit_rate_limit "5/1s". No 429 at all.
    @Test(arguments: FaultDialect.allCases)
    func clientLimitKeepsABatchWithinTheProviderLimit(_ dialect: FaultDialect) async throws {
        try await FaultBench.run(
            dialect,
            sandbox: {
                $0.rateLimits = [SandboxRateLimit(path: dialect.submitPath, limit: 5, windowMs: 1000)]
            }
        ) { bench in
            let client = try bench.client(["submit_rate_limit": #""5/1s""#])
            let started = ContinuousClock.now
            let jobs = try await Self.submitAll(bench, client)
            Self.expectAllSucceeded(jobs, bench)
            let limited = bench.stats.rateLimited
            // The limiter spaces each window from the reply to the request a window back (the
            // provider had counted it by then), so nothing reaches the provider over its limit.
            #expect(limited == 0, "\(dialect): \(limited) submits dropped with 429")
            #expect(bench.submitHits - limited == Self.jobs)
            // 15 submits at 5 per second cannot all go out in less than two windows.
            #expect(ContinuousClock.now - started >= .milliseconds(1900))
        }
    }

    /// The same limit without a client limit: the 429s (with Retry-After, as the sandbox's
    /// limit sends it) are retried after the wait and every job succeeds, one task each.
    @Test(arguments: FaultDialect.allCases)
    func withoutAClientLimitThe429sAreAbsorbedByRetries(_ dialect: FaultDialect) async throws {
        try await FaultBench.run(
            dialect,
            sandbox: {
                $0.rateLimits = [SandboxRateLimit(path: dialect.submitPath, limit: 5, windowMs: 1000, retryAfter: true)]
            }
        ) { bench in
            let client = try bench.client(["submit_rate_limit": #""off""#, "max_retries": "6"])
            let jobs = try await Self.submitAll(bench, client)
            Self.expectAllSucceeded(jobs, bench)
            #expect(bench.stats.rateLimited > 0, "the batch never went over the limit")
            #expect(bench.submitHits == Self.jobs + bench.stats.rateLimited)
        }
    }

    /// No Retry-After either (kie sends none): plain backoff with jitter gets through.
    @Test(arguments: [FaultDialect.market, .recraft])
    func withoutRetryAfterBackoffAbsorbsThe429s(_ dialect: FaultDialect) async throws {
        try await FaultBench.run(
            dialect,
            sandbox: {
                $0.rateLimits = [SandboxRateLimit(path: dialect.submitPath, limit: 5, windowMs: 1000)]
            }
        ) { bench in
            let client = try bench.client(["submit_rate_limit": #""off""#, "max_retries": "10"])
            let jobs = try await Self.submitAll(bench, client)
            Self.expectAllSucceeded(jobs, bench)
            #expect(bench.stats.rateLimited > 0)
        }
    }
}
