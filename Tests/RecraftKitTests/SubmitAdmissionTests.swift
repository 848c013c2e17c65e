import FoundationEssentials
import RecraftSandbox
import TestSupport
import Testing

@testable import RecraftKit

/// Past `SubmitAdmission.defaultLimit` jobs in their submit phase, new jobs wait with no
/// driver task; a queued job that is cancelled ends at once and never sends anything.
@Suite struct SubmitAdmissionTests {
    @Test func jobsPastTheCapWaitAndACancelledOneSendsNothing() async throws {
        let sandbox = try await Sandbox.start(SandboxConfiguration())
        defer { Task { await sandbox.shutdown() } }
        // One create a minute: the first job's grant is the only one this test sees, so
        // every other admitted job holds its place in the limiter's queue.
        let config = #"{"provider": "sandbox", "base_url": "\#(sandbox.baseURL)", "store": "memory", "submit_rate_limit": "1/1m"}"#
        let client = try Client(json: config)
        let image = ImageSource.file(try TestImages.file(width: 16, height: 16))
        let extra = 4
        var jobs: [Job] = []
        for _ in 0..<(SubmitAdmission.defaultLimit + extra) {
            jobs.append(try client.submit(JobRequest(operation: .crispUpscale, image: image)))
        }
        // At most one job (the granted one) has left the submit phase and let one more in.
        #expect((extra - 1...extra).contains(client.admission.waitingCount), "\(client.admission.waitingCount) waiting")
        let queued = try #require(jobs.last)
        queued.cancel()
        #expect(await queued.wait(timeout: .seconds(30)) == .cancelled)
        for job in jobs { job.cancel() }
        for job in jobs { _ = await job.wait(timeout: .seconds(60)) }
        #expect(client.admission.waitingCount == 0)
        #expect(sandbox.stats().tasksCreated <= 1)
    }
}
