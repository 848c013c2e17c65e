import FoundationEssentials
import RecraftSandbox
import TestSupport
import Testing

@testable import RecraftKit

#if canImport(Glibc)
import Glibc
#endif

/// A caller's own job reference: the same reference submitted again, by another client on
/// the same store (as another process would), follows the first job and pays nothing.
@Suite struct JobReferenceTests {
    @Test func theSameReferenceTwiceCreatesOneTask() async throws {
        var settings = SandboxConfiguration()
        settings.taskDuration = .milliseconds(500)
        // The first createTask is answered after 1.5 s, so the second client surely reads the
        // first job's row while its billed request is out ("sending", with a live worker):
        // it must wait for the answer, not call the job uncertain (CI once saw that race).
        settings.faults = [SandboxFault(.stall, path: "/api/v1/jobs/createTask", times: 1, delayMs: 1500)]
        let sandbox = try await Sandbox.start(settings)
        defer { Task { await sandbox.shutdown() } }
        let store = "/tmp/recraft-ref-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).sqlite3"
        let config = #"{"provider": "sandbox", "base_url": "\#(sandbox.baseURL)", "store": "\#(store)"}"#
        let (first, second) = (try Client(json: config), try Client(json: config))
        var request = JobRequest(operation: .crispUpscale, image: .file(try TestImages.file(width: 16, height: 16)))
        request.reference = "order-4711"
        let original = try first.submit(request)
        let follower = try second.submit(request)
        #expect(await original.wait(timeout: .seconds(60)) == .succeeded)
        #expect(await follower.wait(timeout: .seconds(60)) == .succeeded, "\(follower.error?.message ?? "")")
        #expect(follower.id == original.id && original.ref == "order-4711")
        // After the end, the reference answers with the first job's results at once.
        let late = try second.submit(request)
        #expect(await late.wait(timeout: .seconds(60)) == .succeeded)
        #expect(late.results == original.results)
        #expect(sandbox.stats().tasksCreated == 1)
    }

    @Test func aReferenceMustBeShortPrintableText() throws {
        #expect(throws: RecraftError.self) { try JobRequest(json: #"{"operation": "crisp_upscale", "image": "a.png", "ref": ""}"#) }
        #expect(throws: RecraftError.self) { try JobRequest(json: #"{"operation": "crisp_upscale", "image": "a.png", "ref": "a\nb"}"#) }
        #expect(try JobRequest(json: #"{"operation": "crisp_upscale", "image": "a.png", "ref": "order-1"}"#).reference == "order-1")
    }
}
