import Foundation
import RecraftSandbox
import Testing

@testable import RecraftKit

/// Submits whose reply never came or came unreadable: the provider may have the task, so
/// the request is never sent again and the job ends `submitUncertain`, in the journal too.
/// Also what the sandbox cannot do alone (through `FaultProxy`): a connection refused before
/// anything is sent, a reset before the request is read, a reply lost after the task was
/// created, and Retry-After as an HTTP-date.
@Suite struct FaultInjectionLostReplyTests {
    static let uncertainAdvice = ["may exist", "not sent again"]

    /// Whether the job's submit goes out on a new connection or on one an earlier job left open.
    enum Connection: String, Sendable { case fresh, reused }

    struct LostCase: Sendable, CustomTestStringConvertible {
        let dialect: FaultDialect
        let kind: SandboxFault.Kind
        let connection: Connection
        var testDescription: String { "\(dialect): \(kind.rawValue), \(connection) connection" }
        var fault: SandboxFault {
            switch kind {
            // libcurl notices a stall after about 7 s whatever stall_timeout_ms says (see the
            // test below), so the provider stays silent for 9 s.
            case .stall: SandboxFault(.stall, path: dialect.submitPath, times: 1, delayMs: 9000)
            default: SandboxFault(kind, path: dialect.submitPath, times: 1)
            }
        }
    }

    /// The job ended submitUncertain, saying what to do, with no id, and the journal says uncertain.
    static func expectUncertain(
        _ job: Job, _ client: Client, _ bench: FaultBench, _ context: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        await bench.expectFailed(job, .submitUncertain, saying: uncertainAdvice, context, sourceLocation: sourceLocation)
        #expect(job.id == nil, sourceLocation: sourceLocation)
        let entry = try bench.journalEntry(job, in: client)
        #expect(
            entry?.status == .uncertain, "\(bench.dialect) \(context): the journal says \(entry?.status.rawValue ?? "nothing")",
            sourceLocation: sourceLocation)
    }

    /// Sends one job through `client` and waits for it, so that the client has a connection open.
    static func warmUp(_ client: Client, _ bench: FaultBench, image: ImageSource) async throws {
        let job = try bench.submit(client, image: image)
        #expect(await job.wait(timeout: .seconds(30)) == .succeeded, "warm-up: \(job.error?.description ?? "")")
    }

    static let sandboxCases: [LostCase] = FaultDialect.allCases.flatMap { dialect in
        // resetConnection: the sandbox reads the whole request, then resets without acting on it.
        // stall: the provider acts on it after the client gave up (stall_timeout_ms). Not for
        // the synchronous dialects: Recraft is silent while it works, so silence before its
        // reply is no stall (see syncSilenceBeforeTheReplyIsNoStall).
        // truncateBody: the provider acts on it; half the reply arrives.
        (dialect.isSynchronous ? [] : [LostCase(dialect: dialect, kind: .stall, connection: .fresh)])
            + [SandboxFault.Kind.resetConnection, .truncateBody].flatMap { kind in
                [Connection.fresh, .reused].map { LostCase(dialect: dialect, kind: kind, connection: $0) }
            }
    }

    /// The input as the dialect's first request needs it to go out on a new connection: a URL
    /// for the kie dialects (a file would be uploaded first), a file for Recraft's (a URL
    /// would be fetched from the same host first).
    static func freshInput(_ bench: FaultBench) async throws -> ImageSource {
        bench.dialect.isSynchronous ? .file(bench.input) : .url(try await bench.inputURL())
    }

    @Test(arguments: sandboxCases)
    func lostReplyEndsUncertainAndIsNeverResent(_ test: LostCase) async throws {
        try await FaultBench.run(test.dialect) { bench in
            let client = try bench.client(["stall_timeout_ms": "1000"])
            let image = try await Self.freshInput(bench)
            if test.connection == .reused { try await Self.warmUp(client, bench, image: image) }
            let (acceptedBefore, sentBefore) = (bench.accepted, bench.submitHits)
            try bench.sandbox.addFault(test.fault)
            let job = try bench.submit(client, image: image)
            _ = await job.wait(timeout: .seconds(30))
            // Did the provider act on it? A reset before handling: no; a stall or a cut reply: yes.
            let acted = test.kind == .resetConnection ? 0 : 1
            try await Self.expectUncertain(job, client, bench, test.testDescription)
            #expect(await bench.waitForAccepted(acceptedBefore + acted, within: .seconds(12)) == acceptedBefore + acted, "\(test)")
            try await Task.sleep(for: .milliseconds(200))
            #expect(bench.submitHits - sentBefore == 1, "\(test): sent \(bench.submitHits - sentBefore) times")
            #expect(bench.accepted - acceptedBefore == acted, "\(test): the provider acted on \(bench.accepted - acceptedBefore)")
        }
    }

    /// HTTP 200 with a body that is not JSON: the request is not sent again, and since the
    /// reply says nothing about whether a task exists, the job should end uncertain.
    @Test(arguments: FaultDialect.allCases)
    func malformedReplyToASubmitIsNotResent(_ dialect: FaultDialect) async throws {
        try await FaultBench.run(dialect) { bench in
            try bench.sandbox.addFault(SandboxFault(.malformedJSON, path: dialect.submitPath, times: 1))
            let client = try bench.client()
            let job = try bench.submit(client)
            #expect(await job.wait(timeout: .seconds(30)) == .failed)
            try await Task.sleep(for: .milliseconds(200))
            #expect(bench.submitHits == 1, "\(dialect): sent \(bench.submitHits) times")
            let error = job.error
            let entry = try bench.journalEntry(job, in: client)
            #expect(error?.code == .submitUncertain, "\(dialect): \(error?.description ?? "")")
            #expect(error?.message.contains("try again later") == false, "\(dialect): \(error?.description ?? "")")
            #expect(entry?.status == .uncertain)
        }
    }

    /// The task is created, then the connection is reset instead of the reply: the id is in
    /// the provider's hands only. Never resent; uncertain.
    @Test(arguments: FaultDialect.allCases.flatMap { dialect in [Connection.fresh, .reused].map { (dialect, $0) } })
    func replyLostAfterTheTaskWasCreatedEndsUncertain(_ dialect: FaultDialect, _ connection: Connection) async throws {
        try await FaultBench.run(dialect) { bench in
            let proxy = try FaultProxy.start(upstreamPort: bench.sandbox.port)
            defer { proxy.close() }
            let client = try bench.client(root: proxy.baseURL)
            let image = try await Self.freshInput(bench)
            if connection == .reused { try await Self.warmUp(client, bench, image: image) }
            let (acceptedBefore, sentBefore) = (bench.accepted, proxy.requests(dialect.submitPath))
            proxy.add(path: dialect.submitPath, .resetAfterForwarding)
            let job = try bench.submit(client, image: image)
            _ = await job.wait(timeout: .seconds(30))
            try await Task.sleep(for: .milliseconds(200))
            let context = "reply lost after the task was created, \(connection) connection"
            try await Self.expectUncertain(job, client, bench, context)
            #expect(
                proxy.requests(dialect.submitPath) - sentBefore == 1, "\(dialect) \(context): sent \(proxy.requests(dialect.submitPath) - sentBefore) times")
            #expect(bench.accepted - acceptedBefore == 1, "\(dialect) \(context): \(bench.accepted - acceptedBefore) tasks for one submit")
        }
    }

    /// stall_timeout_ms is "no byte for this long". Transfer.swift maps it to libcurl's
    /// LOW_SPEED_LIMIT 1 byte/s over LOW_SPEED_TIME whole seconds (at least 1), which libcurl
    /// judges on its average speed over the last few seconds, so the bytes of the request
    /// itself keep a silent reply "fast enough" for several seconds: here a provider silent for
    /// 9 s with stall_timeout_ms 300 is given up on only after about 6-7 s.
    @Test(arguments: [FaultDialect.market, .dedicated])
    func stallTimeoutIsHonouredWithinASecond(_ dialect: FaultDialect) async throws {
        try await FaultBench.run(dialect) { bench in
            try bench.sandbox.addFault(SandboxFault(.stall, path: dialect.submitPath, times: 1, delayMs: 9000))
            let client = try bench.client(["stall_timeout_ms": "300"])
            let job = try bench.submit(client, image: try await Self.freshInput(bench))
            while bench.submitHits == 0 && !job.state.isTerminal { try await Task.sleep(for: .milliseconds(5)) }  // the provider has it
            let sent = ContinuousClock.now
            let state = await job.wait(timeout: .seconds(30))
            let gaveUp = ContinuousClock.now - sent
            #expect(state == .failed)
            #expect(job.error?.code == .submitUncertain, "\(dialect): \(job.error?.description ?? "")")
            #expect(bench.submitHits == 1)
            #expect(gaveUp < .seconds(3), "\(dialect): gave up \(gaveUp) after sending, with stall_timeout_ms 300")
        }
    }

    /// Connection refused: nothing was sent, so the submit is retried until the port opens.
    @Test(arguments: FaultDialect.allCases)
    func connectionRefusedBeforeAnythingIsSentIsRetried(_ dialect: FaultDialect) async throws {
        try await FaultBench.run(dialect) { bench in
            let proxy = try FaultProxy(upstreamPort: bench.sandbox.port)
            defer { proxy.close() }
            let client = try bench.client(root: proxy.baseURL, ["max_retries": "10"])
            let started = ContinuousClock.now
            let job = try bench.submit(client, image: try await Self.freshInput(bench))
            try await Task.sleep(for: .milliseconds(300))
            #expect(!job.state.isTerminal)
            try proxy.open()
            await bench.expectSucceeded(job, "connection refused for 300 ms")
            #expect(ContinuousClock.now - started >= .milliseconds(300))
            #expect(proxy.requests(dialect.submitPath) == 1)
        }
    }

    /// The first connection is reset as soon as it is accepted, before a byte is read. The
    /// client has usually written its request by then and cannot tell this from a reset after
    /// reading, so either outcome is right as long as no task is made twice and none is lost:
    /// retried and one task, or submitUncertain and none.
    @Test(arguments: FaultDialect.allCases)
    func resetBeforeTheRequestIsReadNeverMakesTwoTasks(_ dialect: FaultDialect) async throws {
        try await FaultBench.run(dialect) { bench in
            let proxy = try FaultProxy.start(upstreamPort: bench.sandbox.port)
            defer { proxy.close() }
            proxy.resetAccepted(times: 1)
            let client = try bench.client(root: proxy.baseURL)
            let job = try bench.submit(client, image: try await Self.freshInput(bench))
            let state = await job.wait(timeout: .seconds(30))
            try await Task.sleep(for: .milliseconds(200))
            #expect(proxy.resetConnections == 1)
            #expect(bench.submitHits <= 1)
            if state == .succeeded {
                #expect(bench.accepted == 1)
            } else {
                try await Self.expectUncertain(job, client, bench, "reset before the request is read")
                #expect(bench.accepted == 0)
            }
        }
    }

    /// 429 with Retry-After as an HTTP-date (RFC 9110), which the sandbox cannot send.
    @Test(arguments: FaultDialect.allCases)
    func retryAfterAsAnHTTPDateIsHonoured(_ dialect: FaultDialect) async throws {
        try await FaultBench.run(dialect) { bench in
            let proxy = try FaultProxy.start(upstreamPort: bench.sandbox.port)
            defer { proxy.close() }
            let date = FaultProxy.httpDate(secondsFromNow: 1)
            let reply =
                dialect.isSynchronous
                ? FaultProxy.reply(
                    status: 429, reason: "Too Many Requests", headers: [("Retry-After", date)], contentType: "text/plain", body: "Too Many Requests")
                : FaultProxy.reply(
                    status: 429, reason: "Too Many Requests", headers: [("Retry-After", date)],
                    body: #"{"code":429,"msg":"Rate limit exceeded","data":null}"#)
            proxy.add(path: dialect.submitPath, .reply(reply))
            let client = try bench.client(root: proxy.baseURL)
            let started = ContinuousClock.now
            let job = try bench.submit(client, image: try await Self.freshInput(bench))
            await bench.expectSucceeded(job, "429, Retry-After: \(date)")
            #expect(ContinuousClock.now - started >= .milliseconds(900), "Retry-After \(date) not waited out")
            #expect(proxy.requests(dialect.submitPath) == 2)
        }
    }

    /// Recraft's synchronous API says nothing while it works on the image, so silence
    /// before its reply is not a stall: the request waits (bounded by timeout_ms) and the
    /// job succeeds, with one request.
    @Test(arguments: [FaultDialect.recraft, .mirror])
    func syncSilenceBeforeTheReplyIsNoStall(_ dialect: FaultDialect) async throws {
        try await FaultBench.run(dialect) { bench in
            try bench.sandbox.addFault(SandboxFault(.stall, path: dialect.submitPath, times: 1, delayMs: 2500))
            let client = try bench.client(["stall_timeout_ms": "300"])
            let job = try bench.submit(client, image: try await Self.freshInput(bench))
            await bench.expectSucceeded(job, "silent for 2.5 s with stall_timeout_ms 300")
            #expect(bench.submitHits == 1)
            #expect(bench.accepted == 1)
        }
    }
}
