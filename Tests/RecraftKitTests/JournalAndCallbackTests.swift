import FoundationEssentials
import RecraftSandbox
import TestSupport
import Testing

@testable import RecraftKit

@Suite struct JournalAndCallbackTests {
    @Test func journalRecordsEveryJobAndARestartCollectsInFlightOnes() async throws {
        var configuration = SandboxConfiguration()
        configuration.taskDuration = .milliseconds(400)
        let sandbox = try await Sandbox.start(configuration)
        defer { Task { await sandbox.shutdown() } }
        let input = try TestImages.file(width: 32, height: 32)
        let journal = input + ".journal"
        let json = #"{"provider": "sandbox", "base_url": "\#(sandbox.baseURL)", "journal_path": "\#(journal)", "poll_initial_ms": 20, "poll_max_ms": 50}"#
        // A first "process" submits three jobs and stops once the provider has them.
        do {
            let client = try Client(json: json)
            let jobs = try (0..<3).map { _ in try client.submit(JobRequest(operation: .crispUpscale, image: .file(input))) }
            while jobs.contains(where: { $0.id == nil }) { try await Task.sleep(for: .milliseconds(5)) }
            jobs.forEach { $0.cancel() }  // as good as a crash for the journal: not finished at the provider
        }
        // A second one reads the journal and collects every result, submitting nothing.
        let client = try Client(json: json)
        let (entries, problems) = try client.journalEntries()
        #expect(problems.isEmpty)
        #expect(entries.count == 3)
        #expect(entries.allSatisfy { $0.status == .inFlight && $0.taskId != nil }, "\(entries)")
        for entry in entries {
            let job = try client.open(operation: .crispUpscale, id: try #require(entry.taskId))
            #expect(await job.wait(timeout: .seconds(20)) == .succeeded)
        }
        #expect(try client.journalEntries().entries.allSatisfy { $0.status == .succeeded })
        #expect(sandbox.stats().tasksCreated == 3)
        let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: journal)), as: UTF8.self)
        #expect(!text.contains("Bearer"))
    }

    @Test func signedCallbackCompletesAWaitingJobWithoutPolling() async throws {
        var configuration = SandboxConfiguration()
        configuration.taskDuration = .seconds(60)
        let sandbox = try await Sandbox.start(configuration)
        defer { Task { await sandbox.shutdown() } }
        let input = try TestImages.file(width: 32, height: 32)
        let client = try Client(json: #"{"provider": "sandbox", "base_url": "\#(sandbox.baseURL)", "webhook_secret": "s3cret"}"#)
        let job = try client.submit(JobRequest(operation: .crispUpscale, image: .file(input), callbackURL: "https://example.com/cb"))
        while job.id == nil { try await Task.sleep(for: .milliseconds(5)) }
        let taskId = try #require(job.id)
        let body = Array(
            #"{"code":200,"msg":"Playground task completed successfully.","data":{"taskId":"\#(taskId)","state":"success","resultJson":"{\"resultUrls\":[\"https://files.example/r.png\"]}","failCode":null,"failMsg":null}}"#
                .utf8)
        let now = Date()
        let timestamp = String(Int(now.timeIntervalSince1970))
        let signature = Data(SHA256.hmac(key: Array("s3cret".utf8), message: Array("\(taskId).\(timestamp)".utf8))).base64EncodedString()

        func refused(_ headers: [String: String], at time: Date = now) -> RecraftError? {
            do {
                _ = try client.handleCallback(body: body, headers: headers, now: time)
                return nil
            } catch { return error }
        }
        #expect(refused([:])?.code == .authentication)
        #expect(refused(["X-Webhook-Timestamp": timestamp, "X-Webhook-Signature": "AAAA"])?.message.contains("does not match") == true)
        #expect(refused(["X-Webhook-Timestamp": timestamp, "X-Webhook-Signature": signature], at: now + 3600)?.message.contains("replay") == true)
        #expect(job.state == .running)

        let outcome = try client.handleCallback(body: body, headers: ["x-webhook-timestamp": timestamp, "x-webhook-signature": signature], now: now)
        #expect(outcome.taskId == taskId && outcome.state == .succeeded)
        #expect(await job.wait(timeout: .seconds(1)) == .succeeded)
        #expect(job.results == [.url("https://files.example/r.png")])
        #expect(job.polls == 0)
        // Fed again, nothing changes.
        _ = try client.handleCallback(body: body, headers: ["X-Webhook-Timestamp": timestamp, "X-Webhook-Signature": signature], now: now)
        #expect(job.state == .succeeded)
    }

    @Test func theAPIKeyNeverLeavesTheClient() async throws {
        var configuration = SandboxConfiguration()
        configuration.taskDuration = .milliseconds(30)
        configuration.apiKey = "sk-live-SECRET-0123456789"
        let sandbox = try await Sandbox.start(configuration)
        defer { Task { await sandbox.shutdown() } }
        let input = try TestImages.file(width: 32, height: 32)
        let journal = input + ".journal"
        let key = "sk-live-SECRET-0123456789"
        let client = try Client(
            json: #"{"provider": "kie", "api_key": "\#(key)", "base_url": "\#(sandbox.baseURL)", "journal_path": "\#(journal)", "poll_initial_ms": 20}"#)
        var texts: [String] = []
        let good = try client.submit(JobRequest(operation: .crispUpscale, image: .file(input)))
        #expect(await good.wait(timeout: .seconds(20)) == .succeeded)
        try await good.download(to: input + ".out.png")
        let failing = try client.submit(JobRequest(operation: .crispUpscale, image: .url(sandbox.baseURL + "/files/missing.png")))
        _ = await failing.wait(timeout: .seconds(20))
        let unknown = try client.open(operation: .crispUpscale, id: "no-such-task")
        _ = await unknown.wait(timeout: .seconds(20))
        for job in [good, failing, unknown] {
            texts.append(job.snapshotJSON())
            texts.append(job.error?.message ?? "")
        }
        do { try await failing.download(to: "/tmp/\(key)") } catch { texts.append(error.message) }
        texts.append(String(decoding: try Data(contentsOf: URL(fileURLWithPath: journal)), as: UTF8.self))
        for text in texts { #expect(!text.contains(key), "the key leaked: \(text)") }
        #expect(sandbox.stats().fileDownloadsWithAuthorization == 0)
    }
}
