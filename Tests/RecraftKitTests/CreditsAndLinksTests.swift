import FoundationEssentials
import RecraftSandbox
import TestSupport
import Testing

@testable import RecraftKit

/// Credits and result links, the client against the in-process sandbox over real HTTP.
@Suite struct CreditsAndLinksTests {
    func withSandbox(_ configure: (inout SandboxConfiguration) -> Void = { _ in }, _ body: (Sandbox) async throws -> Void) async throws {
        var configuration = SandboxConfiguration()
        configuration.taskDuration = .milliseconds(100)
        configure(&configuration)
        let sandbox = try await Sandbox.start(configuration)
        do { try await body(sandbox) } catch {
            await sandbox.shutdown()
            throw error
        }
        await sandbox.shutdown()
    }

    func client(_ preset: String, _ baseURL: String, key: String = "secret-test-key-1234") throws -> Client {
        try Client(
            json:
                #"{"provider": "\#(preset)", "base_url": "\#(baseURL)", "upload_url": "\#(baseURL)", "api_key": "\#(key)", "allow_insecure_http": true, "poll_initial_ms": 20, "poll_max_ms": 100, "max_retries": 1}"#
        )
    }

    @Test func creditsForEveryPresetWithABalanceEndpoint() async throws {
        try await withSandbox({ $0.credits = 42 }) { sandbox in
            for (preset, path) in [("kie", ""), ("apikley", ""), ("sandbox", ""), ("recraft", "/v1")] {
                let balance = try await client(preset, sandbox.baseURL + path).credits()
                #expect(balance == 42, "\(preset)")
            }
            #expect(sandbox.stats().requestsByPath["/api/v1/chat/credit"] == 3)
            #expect(sandbox.stats().requestsByPath["/v1/users/me"] == 1)
        }
    }

    @Test func creditsAreUnsupportedWithoutABalanceEndpointAndNothingIsSent() async throws {
        try await withSandbox { sandbox in
            for preset in ["kie-recraft", "recraft-mirror"] {
                let error = await #expect(throws: RecraftError.self) { try await client(preset, sandbox.baseURL).credits() }
                #expect(error?.code == .unsupported, "\(preset)")
            }
            #expect(sandbox.stats().requestsByPath.isEmpty)
        }
    }

    @Test func aRefusedKeyIsAnAuthenticationErrorWithoutTheKey() async throws {
        try await withSandbox({ $0.apiKey = "the-right-key" }) { sandbox in
            let error = await #expect(throws: RecraftError.self) { try await client("kie", sandbox.baseURL, key: "wrong-key-5678").credits() }
            #expect(error?.code == .authentication)
            #expect(error?.message.contains("wrong-key-5678") == false)
        }
    }

    @Test func creditsConsumedReachTheJobAndItsJSON() async throws {
        try await withSandbox { sandbox in
            let input = try TestImages.file(width: 300, height: 300)
            let market = try client("sandbox", sandbox.baseURL).submit(JobRequest(operation: .crispUpscale, image: .file(input)))
            #expect(await market.wait(timeout: .seconds(60)) == .succeeded, "\(market.error?.message ?? "")")
            #expect(market.creditsConsumed == 0.5)
            #expect(market.snapshotJSON().contains(#""credits_consumed":0.5"#), "\(market.snapshotJSON())")
            let recraft = try client("recraft", sandbox.baseURL + "/v1").submit(JobRequest(operation: .removeBackground, image: .file(input)))
            #expect(await recraft.wait(timeout: .seconds(60)) == .succeeded, "\(recraft.error?.message ?? "")")
            #expect(recraft.creditsConsumed == 10)
        }
    }

    @Test func anExpiredResultLinkIsDownloadedThroughARefreshedOne() async throws {
        try await withSandbox({ $0.resultTTL = .milliseconds(200) }) { sandbox in
            let input = try TestImages.file(width: 40, height: 30)
            let key = "secret-test-key-1234"
            let job = try client("kie", sandbox.baseURL, key: key).submit(JobRequest(operation: .crispUpscale, image: .file(input)))
            #expect(await job.wait(timeout: .seconds(60)) == .succeeded, "\(job.error?.message ?? "")")
            let url = try #require(job.results.first.flatMap { if case .url(let url) = $0 { url } else { nil } })
            // Wait for the host to refuse the link: an event, not a guess at the clock.
            let deadline = ContinuousClock.now + .seconds(30)
            while sandbox.stats().expiredLinkRefusals == 0 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                _ = try? await job.client.fetch(url, to: try PartialFile.create(template: "/tmp/recraft-probe-XXXXXX"), durable: false)
            }
            let before = sandbox.stats()
            #expect(before.expiredLinkRefusals >= 1, "the link expired")
            let output = input + ".out.png"
            try await job.download(to: output)
            let size = try #require(TestImages.pngSize(Array(try Data(contentsOf: URL(fileURLWithPath: output)))))
            #expect(size.width >= 80)
            let after = sandbox.stats()
            #expect(after.linkRefreshes == before.linkRefreshes + 1, "refreshed once")
            #expect(after.expiredLinkRefusals == before.expiredLinkRefusals + 1, "the old link was tried first")
            #expect(after.fileDownloadsWithAuthorization == 0, "the key never goes to the file host")
        }
    }

    @Test func aLinkThatCannotBeRefreshedFailsNamingTheTask() async throws {
        try await withSandbox({ $0.resultTTL = .milliseconds(1) }) { sandbox in
            let input = try TestImages.file(width: 40, height: 30)
            // apikley documents no link refresh: the expired link fails, with the task id and what to do.
            let job = try client("apikley", sandbox.baseURL).submit(JobRequest(operation: .crispUpscale, image: .file(input)))
            #expect(await job.wait(timeout: .seconds(60)) == .succeeded, "\(job.error?.message ?? "")")
            try await Task.sleep(for: .milliseconds(50))
            let error = await #expect(throws: RecraftError.self) { try await job.download(to: input + ".out.png") }
            #expect(error?.code == .notFound)
            #expect(error?.httpStatus == 403)
            #expect(error?.message.contains(job.id ?? "?") == true, "\(error?.message ?? "")")
            #expect(error?.message.contains("recraft resume") == true)
            #expect(sandbox.stats().linkRefreshes == 0)
        }
    }

    @Test func theCatalogNamesCostsAndBalances() {
        #expect(Capabilities.cost(.crispUpscale, preset: .kie) == 0.5)
        #expect(Capabilities.cost(.removeBackground, preset: .kie) == 1)
        #expect(Capabilities.cost(.creativeUpscale, preset: .recraft) == 250)
        #expect(Capabilities.cost(.crispUpscale, preset: .apikley) == nil)
        #expect(Capabilities.cost(.vectorize, preset: .kie) == nil, "not offered")
        #expect(Preset.allCases.filter(Capabilities.hasBalance) == [.kie, .apikley, .recraft, .sandbox])
    }

    @Test func receiptsFromOutsideAreCheckedNeverTrapping() {
        #expect(TaskReceipt.amount(.number(.infinity)) == nil)
        #expect(TaskReceipt.amount(.number(-1)) == nil)
        #expect(TaskReceipt.amount(.string(" 2.5 ")) == 2.5)
        #expect(TaskReceipt.amount(.number(1e300)) == nil)
        #expect(TaskReceipt(record: .object(["consumeCredits": .number(3), "completeTime": .number(-5)])) == TaskReceipt(credits: 3))
    }
}
