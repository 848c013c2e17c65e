import FoundationEssentials
import RecraftSandbox
import Testing

@testable import RecraftKit

#if canImport(Glibc)
import Glibc
import TestSupport
#endif

/// A thousand jobs in flight at once from one client: all complete, on a bounded number
/// of threads. Prints the thread count and memory it saw (no timing assertions).
@Suite struct LoadTests {
    static func threads() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? -1
    }

    static func residentMB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return -1 }
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) / 1024
    }

    @Test func aThousandJobsInFlightFromOneClient() async throws {
        var configuration = SandboxConfiguration()
        // Long enough for all thousand to be accepted before the first ends, on a busy
        // machine too: at most 256 are in their submit phase at once (SubmitAdmission), so
        // submitting takes seconds when the machine is loaded (753 in flight with 2 s
        // tasks, 772 with 6 s ones in CI's parallel run; 20 s leaves room).
        configuration.taskDuration = .seconds(20)
        let sandbox = try await Sandbox.start(configuration)
        defer { Task { await sandbox.shutdown() } }
        let client = try Client(json: #"{"provider": "sandbox", "base_url": "\#(sandbox.baseURL)", "poll_initial_ms": 500, "poll_max_ms": 2000}"#)
        let image = try await client.upload(path: try TestImages.file(width: 8, height: 8))
        let before = Self.threads()
        let jobs = try (0..<1000).map { _ in try client.submit(JobRequest(operation: .crispUpscale, image: .url(image))) }
        var peakThreads = 0
        var peakMB = 0
        var inFlight = 0
        while jobs.contains(where: { !$0.state.isTerminal }) {
            inFlight = max(inFlight, jobs.count { $0.state == .running })
            peakThreads = max(peakThreads, Self.threads())
            peakMB = max(peakMB, Self.residentMB())
            try await Task.sleep(for: .milliseconds(100))
        }
        let failed = jobs.filter { $0.state != .succeeded }
        #expect(failed.isEmpty, "\(failed.count) failed; first: \(failed.first?.error?.message ?? "")")
        #expect(inFlight >= 900, "only \(inFlight) were in flight at once")
        #expect(sandbox.stats().tasksCreated == 1000)
        // The client adds one transport thread; the rest belongs to Swift's pools, the
        // in-process sandbox and whatever other suites run beside this one. A thread per
        // job would pass a thousand.
        #expect(peakThreads < 500, "threads: \(peakThreads)")
        print(
            "load: 1000 jobs, \(inFlight) in flight at once; threads \(before) before, \(peakThreads) at peak; RSS peak \(peakMB) MB (test process, sandbox included)"
        )
    }
}
