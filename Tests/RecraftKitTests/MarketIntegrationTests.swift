import FoundationEssentials
import RecraftSandbox
import TestSupport
import Testing

@testable import RecraftKit

/// The client against the in-process sandbox, over real HTTP on loopback.
@Suite struct MarketIntegrationTests {
    func withSandbox(
        _ configure: (inout SandboxConfiguration) -> Void = { _ in },
        _ body: (Sandbox) async throws -> Void
    ) async throws {
        var configuration = SandboxConfiguration()
        configuration.taskDuration = .milliseconds(150)
        configure(&configuration)
        let sandbox = try await Sandbox.start(configuration)
        do { try await body(sandbox) } catch {
            await sandbox.shutdown()
            throw error
        }
        await sandbox.shutdown()
    }

    func client(_ sandbox: Sandbox, extra: String = "") throws -> Client {
        try Client(json: #"{"provider": "sandbox", "base_url": "\#(sandbox.baseURL)", "poll_initial_ms": 20, "poll_max_ms": 100, "max_retries": 1\#(extra)}"#)
    }

    @Test func uploadSubmitWaitDownloadUpscalesTheImage() async throws {
        try await withSandbox { sandbox in
            let input = try TestImages.file(width: 40, height: 30)
            let job = try client(sandbox).submit(JobRequest(operation: .crispUpscale, image: .file(input)))
            #expect(await job.wait(timeout: .seconds(20)) == .succeeded, "\(job.error?.message ?? "")")
            #expect(job.id?.isEmpty == false)
            let output = input + ".out.png"
            try await job.download(to: output)
            let size = try #require(TestImages.pngSize(Array(try Data(contentsOf: URL(fileURLWithPath: output)))))
            #expect(size.width >= 80 && size.height >= 60, "\(size)")
            let stats = sandbox.stats()
            #expect(stats.uploads == 1)
            #expect(stats.tasksCreated == 1)
            #expect(stats.fileDownloads >= 1)
            #expect(stats.fileDownloadsWithAuthorization == 0)
            #expect(try TestFiles.partials(beside: output).isEmpty, "no partial file left")
        }
    }

    /// The upload cache, across clients of one store: the same bytes are uploaded once
    /// (the first upload's hash taken as it was sent, since no file of its size was
    /// known); other bytes of the same size are hashed first, miss, and are uploaded.
    @Test func theSameBytesAreUploadedOnceAndOtherBytesOfTheSameSizeAgain() async throws {
        try await withSandbox { sandbox in
            let store = FileManager.default.temporaryDirectory.appendingPathComponent("upload-cache-\(UUID().uuidString).sqlite3").path
            defer { try? FileManager.default.removeItem(atPath: store) }
            let image = TestImages.png(width: 24, height: 24)
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("upload-cache-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            // Bytes after IEND are ignored by PNG readers: two valid images, one size.
            let (first, second) = (directory + "/a.png", directory + "/b.png")
            try Data(image + [0]).write(to: URL(fileURLWithPath: first))
            try Data(image + [1]).write(to: URL(fileURLWithPath: second))
            for (path, uploads) in [(first, 1), (first, 1), (second, 2)] {
                let job = try client(sandbox, extra: #", "store": "\#(store)""#).submit(JobRequest(operation: .crispUpscale, image: .file(path)))
                #expect(await job.wait(timeout: .seconds(30)) == .succeeded, "\(job.error?.message ?? "")")
                #expect(sandbox.stats().uploads == uploads, "after \(path)")
            }
        }
    }

    /// `upload_cache` false neither reads the cache nor writes it, and hashes nothing.
    @Test func withTheUploadCacheOffEveryInputIsUploadedAndNoneRemembered() async throws {
        try await withSandbox { sandbox in
            let store = FileManager.default.temporaryDirectory.appendingPathComponent("upload-cache-\(UUID().uuidString).sqlite3").path
            defer { try? FileManager.default.removeItem(atPath: store) }
            let input = try TestImages.file(width: 20, height: 20)
            // Off (remembers nothing), on (uploads, remembers), on (cached), off (does not look).
            for (cache, uploads) in [(false, 1), (true, 2), (true, 2), (false, 3)] {
                let client = try client(sandbox, extra: #", "store": "\#(store)", "upload_cache": \#(cache)"#)
                #expect(client.configuration.uploadCache == cache)
                let job = try client.submit(JobRequest(operation: .crispUpscale, image: .file(input)))
                #expect(await job.wait(timeout: .seconds(30)) == .succeeded, "\(job.error?.message ?? "")")
                #expect(sandbox.stats().uploads == uploads, "upload_cache \(cache)")
            }
        }
    }

    /// A saved result is synced to disk before its rename by default; `durable_downloads`
    /// false skips the sync and still leaves the whole file, renamed into place.
    @Test func aSavedResultIsSyncedUnlessDurableDownloadsIsOff() async throws {
        try await withSandbox { sandbox in
            let input = try TestImages.file(width: 20, height: 20)
            for durable in [true, false] {
                let client = try client(sandbox, extra: durable ? "" : #", "durable_downloads": false"#)
                #expect(client.configuration.durableDownloads == durable)
                let job = try client.submit(JobRequest(operation: .crispUpscale, image: .file(input)))
                #expect(await job.wait(timeout: .seconds(20)) == .succeeded, "\(job.error?.message ?? "")")
                let output = input + (durable ? ".synced.png" : ".unsynced.png")
                try await job.download(to: output)
                #expect(client.filesSynced.load(ordering: .relaxed) == (durable ? 1 : 0))
                let size = try #require(TestImages.pngSize(Array(try Data(contentsOf: URL(fileURLWithPath: output)))))
                #expect(size.width >= 40, "\(size)")
                #expect(try TestFiles.partials(beside: output).isEmpty, "no partial file left")
            }
            #expect(throws: RecraftError.self) {
                try client(sandbox, extra: #", "durable_downloads": "no""#)
            }
        }
    }

    @Test func jobPassesThroughEveryMarketState() async throws {
        try await withSandbox({ $0.taskDuration = .seconds(3) }) { sandbox in
            let input = try TestImages.file(width: 16, height: 16)
            let job = try client(sandbox).submit(JobRequest(operation: .crispUpscale, image: .file(input)))
            var seen: [String] = []
            while !job.state.isTerminal {
                if let state = job.providerState, seen.last != state { seen.append(state) }
                try await Task.sleep(for: .milliseconds(5))
            }
            if let state = job.providerState, seen.last != state { seen.append(state) }
            #expect(job.state == .succeeded)
            #expect(seen.last == "success")
            let order = ["waiting", "queuing", "generating", "success"]
            #expect(seen.allSatisfy(order.contains), "\(seen)")
            #expect(seen == seen.sorted { order.firstIndex(of: $0)! < order.firstIndex(of: $1)! }, "\(seen)")
            #expect(Set(seen).count >= 3, "saw \(seen)")
        }
    }

    @Test func failedTaskSurfacesFailCodeAndMessage() async throws {
        try await withSandbox { sandbox in
            // A URL the sandbox serves nothing at: the task is created, then fails.
            let job = try client(sandbox).submit(JobRequest(operation: .crispUpscale, image: .url(sandbox.baseURL + "/files/missing.png")))
            #expect(await job.wait(timeout: .seconds(20)) == .failed)
            let error = try #require(job.error)
            #expect(error.code == .jobFailed)
            #expect(error.providerCode?.isEmpty == false)
            #expect(error.message.contains("failed"))
            await #expect(throws: RecraftError.self) { try await job.download(to: "/tmp/never.png") }
            #expect(sandbox.stats().tasksCreated == 1)
        }
    }

    @Test func unknownTaskIdIsNotFound() async throws {
        try await withSandbox { sandbox in
            let job = try client(sandbox).open(operation: .crispUpscale, id: "no-such-task")
            #expect(await job.wait(timeout: .seconds(20)) == .failed)
            #expect(job.error?.code == .notFound)
            #expect(job.error?.message.contains("recordInfo is null") == true)
        }
    }

    @Test func wrongKeyIsAnAuthenticationErrorThatNeverShowsTheKey() async throws {
        try await withSandbox({ $0.apiKey = "right-key" }) { sandbox in
            let input = try TestImages.file(width: 16, height: 16)
            let url = sandbox.baseURL
            let client = try Client(json: #"{"provider": "kie", "api_key": "sk-wrong-secret-1234", "base_url": "\#(url)", "poll_initial_ms": 20}"#)
            let job = try client.submit(JobRequest(operation: .crispUpscale, image: .file(input)))
            #expect(await job.wait(timeout: .seconds(20)) == .failed)
            #expect(job.error?.code == .authentication)
            #expect(job.error?.message.contains("KIE_API_KEY") == true)
            #expect(!job.snapshotJSON().contains("sk-wrong-secret-1234"))
            #expect(sandbox.stats().tasksCreated == 0)
        }
    }

    @Test func acceptsMessageKeyAndFileUrlQuirks() async throws {
        try await withSandbox({
            $0.useMessageKey = true
            $0.omitUploadDownloadURL = true
        }) { sandbox in
            let input = try TestImages.file(width: 16, height: 16)
            let job = try client(sandbox).submit(JobRequest(operation: .crispUpscale, image: .file(input)))
            #expect(await job.wait(timeout: .seconds(20)) == .succeeded, "\(job.error?.message ?? "")")
        }
    }

    @Test func waitTimesOutWithoutLosingTheJob() async throws {
        try await withSandbox({ $0.taskDuration = .milliseconds(800) }) { sandbox in
            let input = try TestImages.file(width: 16, height: 16)
            let job = try client(sandbox).submit(JobRequest(operation: .crispUpscale, image: .file(input)))
            let early = await job.wait(timeout: .milliseconds(50))
            #expect(!early.isTerminal)
            await #expect(throws: RecraftError.self) { try await job.download(to: "/tmp/never.png") }
            #expect(await job.wait(timeout: .seconds(20)) == .succeeded)
            // A blocking wait on an ended job returns at once.
            #expect(job.waitBlocking(timeout: .milliseconds(1)) == .succeeded)
        }
    }

    @Test func reopenedJobCollectsTheResultWithoutSubmittingAgain() async throws {
        try await withSandbox { sandbox in
            let input = try TestImages.file(width: 16, height: 16)
            let client = try client(sandbox)
            let first = try client.submit(JobRequest(operation: .crispUpscale, image: .file(input)))
            while first.id == nil && !first.state.isTerminal { try await Task.sleep(for: .milliseconds(5)) }
            let id = try #require(first.id)
            first.cancel()
            #expect(first.state == .cancelled)
            let again = try client.open(operation: .crispUpscale, id: id)
            #expect(await again.wait(timeout: .seconds(20)) == .succeeded)
            #expect(sandbox.stats().tasksCreated == 1)
        }
    }

    @Test func cancelReleasesWaitersPromptly() async throws {
        try await withSandbox({ $0.taskDuration = .seconds(30) }) { sandbox in
            let input = try TestImages.file(width: 16, height: 16)
            let job = try client(sandbox).submit(JobRequest(operation: .crispUpscale, image: .file(input)))
            async let waited = job.wait()
            // Cancel once the provider has the task (a cancel while the create is on its
            // way ends the job uncertain instead; see cancelWhileSending tests).
            let accepted = ContinuousClock.now + .seconds(30)
            while job.state != .running && ContinuousClock.now < accepted { try await Task.sleep(for: .milliseconds(10)) }
            let start = ContinuousClock.now
            job.cancel()
            #expect(await waited == .cancelled)
            #expect(ContinuousClock.now - start < .seconds(10), "the task had 30 s to go")
            #expect(job.error?.code == .cancelled)
        }
    }

    @Test func refusalsHappenBeforeAnythingIsSent() async throws {
        try await withSandbox { sandbox in
            let client = try client(sandbox)
            let input = try TestImages.file(width: 16, height: 16)
            #expect(throws: RecraftError.self) { try client.submit(JobRequest(operation: .vectorize, image: .file(input))) }
            #expect(throws: RecraftError.self) { try client.submit(JobRequest(operation: .crispUpscale, image: .file("/no/such/file.png"))) }
            #expect(throws: RecraftError.self) {
                try client.submit(JobRequest(operation: .crispUpscale, image: .file(input), options: ["scale": .number(2)]))
            }
            let notImage = input + ".txt"
            try Data("hello".utf8).write(to: URL(fileURLWithPath: notImage))
            do {
                _ = try client.submit(JobRequest(operation: .crispUpscale, image: .file(notImage)))
                Issue.record("expected refusal")
            } catch {
                #expect((error as? RecraftError)?.code == .invalidInput)
            }
            #expect(sandbox.stats().requestsByPath.isEmpty)
        }
    }

    @Test func unreachableProviderIsANetworkError() async throws {
        // Port 9 (discard) is closed on loopback: the connection is refused, so the
        // submit certainly did not arrive and is retried, then reported.
        let client = try Client(json: #"{"provider": "sandbox", "base_url": "http://127.0.0.1:9", "max_retries": 1}"#)
        let job = try client.submit(JobRequest(operation: .crispUpscale, image: .url("http://127.0.0.1:9/x.png")))
        #expect(await job.wait(timeout: .seconds(20)) == .failed)
        #expect(job.error?.code == .network)
        #expect(job.id == nil)
    }
}
