import Foundation
import RecraftSandbox
import Testing

@testable import RecraftKit

/// Faults on status requests (recordInfo, record-info) of the asynchronous dialects. A poll
/// is safe to resend, so every transient fault is retried and the job succeeds with one
/// task; states the dialect does not define keep it polling until job_timeout_ms, and a job
/// that ends without an answer keeps its task id and can be reopened.
@Suite struct FaultInjectionPollTests {
    static let retried: [FaultCase] = FaultDialect.asynchronous.flatMap { dialect -> [FaultCase] in
        let window: Duration = dialect == .market ? .zero : .milliseconds(900)  // kie's poll window is 1 s
        return [
            FaultCase(
                dialect: dialect, label: "HTTP 429 without Retry-After", fault: { SandboxFault(.httpStatus, path: $0, times: 1, status: 429) },
                minimumWait: window),
            FaultCase(
                dialect: dialect, label: "HTTP 429, Retry-After: 1", fault: { SandboxFault(.httpStatus, path: $0, times: 1, status: 429, retryAfter: 1) },
                minimumWait: .milliseconds(900)),
            FaultCase(
                dialect: dialect, label: "HTTP 200, body code 429", fault: { SandboxFault(.bodyCode, path: $0, times: 1, status: 429) },
                minimumWait: window),
            FaultCase(dialect: dialect, label: "HTTP 200, body code 455", fault: { SandboxFault(.bodyCode, path: $0, times: 1, status: 455) }),
            FaultCase(dialect: dialect, label: "HTTP 200, body code 500", fault: { SandboxFault(.bodyCode, path: $0, times: 1, status: 500) }),
            FaultCase(dialect: dialect, label: "HTTP 500", fault: { SandboxFault(.httpStatus, path: $0, times: 1, status: 500) }),
            FaultCase(dialect: dialect, label: "HTTP 502", fault: { SandboxFault(.httpStatus, path: $0, times: 1, status: 502) }),
            FaultCase(dialect: dialect, label: "HTTP 503", fault: { SandboxFault(.httpStatus, path: $0, times: 1, status: 503) }),
            FaultCase(dialect: dialect, label: "reset after the request is read", fault: { SandboxFault(.resetConnection, path: $0, times: 1) }),
            FaultCase(dialect: dialect, label: "truncated body", fault: { SandboxFault(.truncateBody, path: $0, times: 1) }),
            FaultCase(dialect: dialect, label: "malformed JSON", fault: { SandboxFault(.malformedJSON, path: $0, times: 1) }),
            // libcurl notices the silence after about 7 s (see stallTimeoutIsHonouredWithinASecond).
            FaultCase(dialect: dialect, label: "stall", fault: { SandboxFault(.stall, path: $0, times: 1, delayMs: 9000) })
        ]
    }

    @Test(arguments: retried)
    func transientPollFaultIsRetriedAndTheJobSucceeds(_ test: FaultCase) async throws {
        try await FaultBench.run(test.dialect) { bench in
            let path = try #require(test.dialect.pollPath)
            try bench.sandbox.addFault(test.fault(path))
            let started = ContinuousClock.now
            let job = try bench.submit(try bench.client(["stall_timeout_ms": "1000"]))
            await bench.expectSucceeded(job, "poll: \(test.label)")
            #expect(bench.stats.faultsInjected == 1, "\(test)")
            #expect(bench.hits(path) >= 2)
            #expect(bench.submitHits == 1)
            let waited = ContinuousClock.now - started
            #expect(waited >= test.minimumWait, "\(test): retried after \(waited), before \(test.minimumWait)")
        }
    }

    /// Through the proxy: Retry-After as an HTTP-date, and a poll whose reply is lost.
    @Test(arguments: FaultDialect.asynchronous)
    func pollRetryAfterAsAnHTTPDateAndALostPollReply(_ dialect: FaultDialect) async throws {
        try await FaultBench.run(dialect) { bench in
            let path = try #require(dialect.pollPath)
            let proxy = try FaultProxy.start(upstreamPort: bench.sandbox.port)
            defer { proxy.close() }
            let date = FaultProxy.httpDate(secondsFromNow: 1)
            proxy.add(
                path: path,
                .reply(
                    FaultProxy.reply(
                        status: 429, reason: "Too Many Requests", headers: [("Retry-After", date)],
                        body: #"{"code":429,"msg":"Rate limit exceeded","data":null}"#)))
            proxy.add(path: path, .resetAfterForwarding)
            let started = ContinuousClock.now
            let job = try bench.submit(try bench.client(root: proxy.baseURL))
            await bench.expectSucceeded(job, "poll: 429 Retry-After \(date), then a lost reply")
            #expect(ContinuousClock.now - started >= .milliseconds(900), "Retry-After \(date) not waited out")
            #expect(proxy.requests(path) >= 3)
            #expect(proxy.requests(dialect.submitPath) == 1)
        }
    }

    /// A state the dialect does not define, a few times: the job keeps polling and succeeds.
    @Test(
        arguments: FaultDialect.asynchronous.flatMap { dialect in
            (dialect == .dedicated ? ["7", "pending"] : ["paused", "PROCESSING_V2"]).map { (dialect, $0) }
        })
    func undefinedStateKeepsThePollingGoing(_ dialect: FaultDialect, _ state: String) async throws {
        try await FaultBench.run(dialect) { bench in
            let path = try #require(dialect.pollPath)
            try bench.sandbox.addFault(SandboxFault(.unknownState, path: path, times: 5, state: state))
            let job = try bench.submit(try bench.client())
            let check = { () async -> Void in
                await bench.expectSucceeded(job, "state \"\(state)\" 5 times")
                #expect(job.polls >= 6)
            }
            await check()
        }
    }

    /// A state the dialect does not define, for good: polling ends at job_timeout_ms with a
    /// timeout that keeps the task id; the journal keeps it in flight, and it can be reopened.
    @Test(
        arguments: FaultDialect.asynchronous.flatMap { dialect in
            (dialect == .dedicated ? ["7", "pending"] : ["paused"]).map { (dialect, $0) }
        })
    func undefinedStateForeverEndsInATimeoutThatKeepsTheTask(_ dialect: FaultDialect, _ state: String) async throws {
        try await FaultBench.run(dialect) { bench in
            let path = try #require(dialect.pollPath)
            try bench.sandbox.addFault(SandboxFault(.unknownState, path: path, state: state))
            let client = try bench.client(["job_timeout_ms": "4000"])
            let job = try bench.submit(client)
            let started = ContinuousClock.now
            let check = { () async throws -> Void in
                await bench.expectFailed(job, .timeout, saying: ["job_timeout_ms", "not lost", "reopen it by id"], "state \"\(state)\" forever")
                #expect(ContinuousClock.now - started < .seconds(15))
                let id = try #require(job.id, "the task id was lost")
                #expect(job.error?.message.contains(id) == true)
                #expect(try bench.journalEntry(job, in: client)?.status == .inFlight)
                #expect(try bench.journalEntry(job, in: client)?.taskId == id)
                // A restarted program (a client without the short deadline) collects it.
                bench.sandbox.clearFaults()
                let again = try bench.client().open(operation: dialect.operation, id: id)
                #expect(await again.wait(timeout: .seconds(30)) == .succeeded, "\(again.error?.description ?? "")")
                #expect(bench.accepted == 1)
            }
            try await check()
        }
    }

    /// The provider stays unavailable for longer than the poll retries last: the task is
    /// still the provider's, so the job keeps asking on its schedule until its deadline,
    /// ends in a timeout that names the id, the journal keeps it in flight, and reopening
    /// it later collects the result.
    @Test(arguments: FaultDialect.asynchronous)
    func pollFailuresThatOutlastTheRetriesKeepTheTaskCollectable(_ dialect: FaultDialect) async throws {
        try await FaultBench.run(dialect) { bench in
            let path = try #require(dialect.pollPath)
            try bench.sandbox.addFault(SandboxFault(.bodyCode, path: path, status: 455, message: "maintenance"))
            let client = try bench.client(["max_retries": "2", "job_timeout_ms": "10000"])
            let job = try bench.submit(client)
            await bench.expectFailed(job, .timeout, saying: ["not lost", "reopen it by id"], "poll: maintenance for good")
            let id = try #require(job.id, "the task id was lost")
            #expect(job.polls >= 1, "it asked until the deadline")
            let entry = try bench.journalEntry(job, in: client)
            #expect(entry?.taskId == id)
            #expect(entry?.status == .inFlight, "the journal says \(entry?.status.rawValue ?? "nothing")")
            bench.sandbox.clearFaults()
            // A restarted program, without the short deadline, collects it.
            let again = try bench.client().open(operation: dialect.operation, id: id)
            #expect(await again.wait(timeout: .seconds(30)) == .succeeded, "\(again.error?.description ?? "")")
            #expect(bench.accepted == 1)
        }
    }
}
