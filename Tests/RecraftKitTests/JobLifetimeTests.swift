import RecraftSandbox
import TestSupport
import Testing

@testable import RecraftKit

#if canImport(Glibc)
import Glibc
#endif

/// Jobs and clients are freed once the caller lets go of them and their work is done.
///
/// valgrind and LeakSanitizer cannot judge this for Swift objects that were ever weakly
/// referenced (the C tests suppress those objects' side tables: see
/// bindings/c/tests/swift.supp), so it is checked here, with weak references the runtime
/// clears when the object is freed.
@Suite struct JobLifetimeTests {
    @Test func finishedJobsAndTheirClientAreFreedOnceTheCallerLetsGo() async throws {
        var settings = SandboxConfiguration()
        settings.taskDuration = .milliseconds(100)
        let sandbox = try await Sandbox.start(settings)
        defer { Task { await sandbox.shutdown() } }
        let watch = Watch()
        try await Self.useAndDrop(sandbox.baseURL, watch: watch)
        // The library's threads finish their last bookkeeping (the ledger's and the
        // journal's end records) just after the waiters return: wait for that, generously.
        let deadline = ContinuousClock.now + .seconds(60)
        while !watch.allFreed, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(watch.job == nil, "a job that succeeded and was downloaded is still alive")
        #expect(watch.cancelled == nil, "a cancelled job is still alive")
        #expect(watch.failed == nil, "a failed job is still alive")
        #expect(watch.client == nil, "the client is still alive")
    }

    /// A job that succeeds and is downloaded, one cancelled, one failed; then every strong
    /// reference goes out of scope.
    private static func useAndDrop(_ baseURL: String, watch: Watch) async throws {
        let journal = "/tmp/recraft-lifetime-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).jsonl"
        defer { unlink(journal) }
        let settings = #""journal_path": "\#(journal)", "poll_initial_ms": 20, "poll_max_ms": 200"#
        let client = try Client(json: #"{"provider": "sandbox", "base_url": "\#(baseURL)", \#(settings)}"#)
        let image = try TestImages.file(width: 16, height: 16)
        let job = try client.submit(JobRequest(operation: .crispUpscale, image: .file(image)))
        let cancelled = try client.submit(JobRequest(operation: .crispUpscale, image: .file(image)))
        cancelled.cancel()
        let failed = try client.open(operation: .crispUpscale, id: "no-such-task")
        #expect(await job.wait(timeout: .seconds(60)) == .succeeded)
        #expect(await cancelled.wait(timeout: .seconds(60)) == .cancelled)
        #expect(await failed.wait(timeout: .seconds(60)) == .failed)
        _ = try await job.downloadBytes()
        (watch.job, watch.cancelled, watch.failed, watch.client) = (job, cancelled, failed, client)
    }

    private final class Watch: @unchecked Sendable {
        weak var job: Job?
        weak var cancelled: Job?
        weak var failed: Job?
        weak var client: Client?
        var allFreed: Bool { job == nil && cancelled == nil && failed == nil && client == nil }
    }
}
