import Foundation
import RecraftSandbox
import TestSupport
import Testing

@testable import RecraftKit

#if canImport(Glibc)
import Glibc
#endif

/// Values from outside the process at and beyond their extremes: each must become an
/// error or a documented clamp, never a trap (a trap kills the C or Python host). The
/// same classes run through the C boundary in a child process in bindings/c/tests/hostile.c.
@Suite struct HostileValueTests {
    @Test(arguments: [
        ("99999999999999999999", RetryAfter.longest),
        ("9223372036854775807", RetryAfter.longest),
        ("99999999999", RetryAfter.longest),
        ("604800", RetryAfter.longest),
        ("120", Duration.seconds(120)),
        ("0", Duration.zero),
        ("Fri, 31 Dec 9999 23:59:59 GMT", RetryAfter.longest),
        ("Thu, 01 Jan 1970 00:00:00 GMT", Duration.zero)
    ])
    func retryAfterIsClamped(header: String, expected: Duration) {
        #expect(RetryAfter.parse(header) == expected)
    }

    @Test(arguments: [
        "-1", "-9223372036854775808", "1e9", "Sun, 06 Nov 99999999999 08:49:37 GMT",
        "Sun, 06 Nov -9223372036854775808 08:49:37 GMT", "Sun, 99999999999999999999 Nov 1994 08:49:37 GMT", "", "soon"
    ])
    func unreadableRetryAfterIsIgnored(header: String) {
        #expect(RetryAfter.parse(header) == nil)
    }

    @Test func aRetryAfterPastTheDeadlineGivesUpAtOnce() {
        let policy = RetryPolicy(maxRetries: 3, window: nil)
        var error = RecraftError(.providerUnavailable, "busy")
        error.retryAfter = RetryAfter.parse("99999999999999999999")
        let now = ContinuousClock.now
        guard case .giveUp = policy.decide(error, kind: .upload, attempt: 0, now: now, deadline: now + .seconds(5)) else {
            Issue.record("a week's Retry-After with 5 s left must give up")
            return
        }
        // With no deadline the wait is the clamp, not an overflow.
        #expect(policy.decide(error, kind: .upload, attempt: 0, now: now, deadline: nil) == .retry(after: RetryAfter.longest))
    }

    @Test(arguments: [
        "-9223372036854775808", "9223372036854775807", "-9223372036854775807", "99999999999999999999",
        "", " 1", "+1", "1.5", "0x10"
    ])
    func callbackTimestampsAreRefusedNotTrapped(timestamp: String) throws {
        var configuration = try Configuration(provider: .sandbox, baseURL: "http://127.0.0.1:9")
        configuration.webhookSecret = "secret"
        let client = try Client(configuration)
        let body = Array(#"{"code":200,"data":{"taskId":"t1","state":"success","resultJson":"{\"resultUrls\":[\"https://files.example/r.png\"]}"}}"#.utf8)
        #expect(throws: RecraftError.self) {
            _ = try client.handleCallback(body: body, headers: ["X-Webhook-Timestamp": timestamp, "X-Webhook-Signature": "AAAA"])
        }
    }

    @Test func aDeeplyNestedCallbackIsRefusedQuickly() throws {
        let client = try Client(Configuration(provider: .sandbox, baseURL: "http://127.0.0.1:9"))
        let deep = Array(repeating: UInt8(ascii: "["), count: 100_000) + Array(repeating: UInt8(ascii: "]"), count: 100_000)
        let started = ContinuousClock.now
        #expect(throws: RecraftError.self) { _ = try client.handleCallback(body: deep, headers: [:]) }
        // Generous for a loaded machine; the old decoder took seconds for 500 levels.
        #expect(ContinuousClock.now - started < .seconds(2))
    }

    static func png(width: UInt32, height: UInt32) -> [UInt8] {
        var bytes = TestImages.png(width: 1, height: 1)
        withUnsafeBytes(of: width.bigEndian) { bytes.replaceSubrange(16..<20, with: $0) }
        withUnsafeBytes(of: height.bigEndian) { bytes.replaceSubrange(20..<24, with: $0) }
        return bytes
    }

    static func jpeg(width: UInt16, height: UInt16) -> [UInt8] {
        [
            0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08, UInt8(height >> 8), UInt8(height & 0xFF), UInt8(width >> 8), UInt8(width & 0xFF),
            0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xFF, 0xD9
        ]
    }

    static func webpVP8X(width: Int, height: Int) -> [UInt8] {
        let w = width - 1
        let h = height - 1
        var bytes = Array("RIFF".utf8) + [30, 0, 0, 0] + Array("WEBPVP8X".utf8) + [10, 0, 0, 0, 0, 0, 0, 0]
        bytes += [UInt8(w & 0xFF), UInt8((w >> 8) & 0xFF), UInt8((w >> 16) & 0xFF), UInt8(h & 0xFF), UInt8((h >> 8) & 0xFF), UInt8((h >> 16) & 0xFF)]
        return bytes + [UInt8](repeating: 0, count: 8)
    }

    @Test(arguments: [
        png(width: .max, height: .max), png(width: 1 << 31, height: 2), png(width: 0, height: 0), png(width: .max, height: 1),
        jpeg(width: .max, height: .max), jpeg(width: 100, height: 0),
        webpVP8X(width: 1 << 24, height: 1 << 24), Array(png(width: 5, height: 5).prefix(20)), Array(jpeg(width: 300, height: 300).prefix(9))
    ])
    func extremeImageHeadersAreRefused(bytes: [UInt8]) throws {
        let path = try TestImages.file(width: 1, height: 1, name: "hostile.img")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let client = try Client(Configuration(provider: .sandbox, baseURL: "http://127.0.0.1:9"))
        // kie's crisp upscale documents no pixel limit: any answer will do, but no trap.
        _ = try? client.validate(JobRequest(operation: .crispUpscale, image: .file(path)))
        #expect(throws: RecraftError.self) { try client.validate(JobRequest(operation: .removeBackground, image: .file(path))) }
        let recraft = try Client(Configuration(provider: .recraft, apiKey: "k", baseURL: "http://127.0.0.1:9/v1"))
        #expect(throws: RecraftError.self) { try recraft.validate(JobRequest(operation: .vectorize, image: .file(path))) }
    }

    @Test(arguments: [
        "1/9999999999999999s", "9999999999999999999/1s", "1/99999999999999999999ms", "-1/s", "1/0s",
        "1/9999999999999999m", "2000000/1s", "1/2d"
    ])
    func extremeRatesAreRefused(rate: String) {
        #expect(throws: RecraftError.self) {
            _ = try Configuration(json: #"{"provider": "sandbox", "base_url": "http://127.0.0.1:9", "submit_rate_limit": "\#(rate)"}"#)
        }
    }

    @Test(arguments: [
        "timeout_ms", "job_timeout_ms", "connect_timeout_ms", "stall_timeout_ms", "download_timeout_ms",
        "poll_initial_ms", "poll_max_ms", "max_retries", "max_response_bytes", "max_download_bytes"
    ])
    func extremeNumbersAreRefused(key: String) {
        for value in ["1e308", "-1e308", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "1.5", "1e19", "\"NaN\"", "-1"] {
            #expect(throws: RecraftError.self, "\(key): \(value)") {
                _ = try Configuration(json: #"{"provider": "sandbox", "base_url": "http://127.0.0.1:9", "\#(key)": \#(value)}"#)
            }
        }
    }

    @Test func headerInjectionAndEmptySecretsAreRefused() throws {
        for config in [
            #"{"provider": "sandbox", "base_url": "http://127.0.0.1:9", "user_agent": "x\r\nX-Injected: 1"}"#,
            #"{"provider": "sandbox", "base_url": "http://127.0.0.1:9", "user_agent": "x\nY"}"#,
            #"{"provider": "sandbox", "base_url": "http://127.0.0.1:9", "webhook_secret": ""}"#
        ] {
            #expect(throws: RecraftError.self, "\(config)") { _ = try Configuration(json: config) }
        }
        var configuration = try Configuration(provider: .sandbox, baseURL: "http://127.0.0.1:9")
        configuration.userAgent = "ok\r\nX-Injected: 1"
        #expect(throws: RecraftError.self) { _ = try Client(configuration) }
    }

    @Test func taskIdsWithNULOrSlashesAreRefused() throws {
        let client = try Client(Configuration(provider: .sandbox, baseURL: "http://127.0.0.1:9"))
        for id in ["a\0b", "../../etc/passwd", "a/b", "a\nb", String(repeating: "x", count: 257), "", "a\u{202E}b"] {
            #expect(throws: RecraftError.self, "\(id.debugDescription)") { _ = try client.open(operation: .crispUpscale, id: id) }
        }
        let reply = HTTPResponse(status: 200, headers: [:], body: Array(#"{"code":200,"msg":"ok","data":{"taskId":"a/../b"}}"#.utf8), bytesWritten: 0)
        #expect(throws: RecraftError.self) { _ = try KieEnvelope.taskId(reply, preset: .sandbox) }
    }
}

/// Plain http is refused unless truly loopback; the API key never survives into a message.
@Suite struct URLAndSecretTests {
    @Test(arguments: [
        "http:/example.com/x", "http:example.com/x", "example.com:8080/x", "localhost:8080/x", "http://127.attacker.example/x",
        "http://127.0.0.1.attacker.example/", "HTTP://example.com/x", "ftp://example.com/x", "file:///etc/passwd",
        "https://exa mple.com/", "https://example.com/\u{0}x", "//example.com/x", "http://[::2]/x", "http://0x7f000001.attacker/"
    ])
    func insecureOrMalformedURLsAreRefused(url: String) {
        #expect(throws: RecraftError.self) { try URLPolicy.check(url, allowInsecure: false, what: "url", code: .protocolError) }
    }

    @Test(arguments: [
        "https://example.com/x", "http://127.0.0.1:8080/x", "http://127.9.9.9/", "http://localhost/x",
        "http://[::1]:80/x", "HTTPS://EXAMPLE.COM/x"
    ])
    func secureOrLoopbackURLsPass(url: String) throws {
        try URLPolicy.check(url, allowInsecure: false, what: "url", code: .protocolError)
    }

    @Test func aBaseURLThatOnlyLooksLikeLoopbackIsRefused() {
        #expect(throws: RecraftError.self) { _ = try Configuration(json: #"{"provider": "kie", "api_key": "k", "base_url": "http://127.attacker.example"}"#) }
        #expect(!URLPolicy.isLoopback("http://127.attacker.example/"))
        #expect(URLPolicy.isLoopback("http://127.0.0.1:1/"))
    }

    @Test func theKeyIsRedactedHoweverItIsEchoed() throws {
        let key = "sk-live-0123456789abcdef"
        let client = try Client(Configuration(provider: .kie, apiKey: key, baseURL: "http://127.0.0.1:9"))
        let echoes = [
            "bad key \(key)\u{301} given",  // followed by a combining mark
            "said: " + String(key.prefix(12)),  // cut short, as a 200-character excerpt cuts it
            "\(key)\(key)", "x\u{200D}\(key)"
        ]
        for echo in echoes {
            let message = client.redacted(RecraftError(.authentication, echo)).message
            #expect(!message.contains(String(key.prefix(8))), "\(message)")
            #expect(!Array(message.utf8).containsSequence(Array(key.prefix(8).utf8)), "\(message)")
        }
    }
}

extension Array where Element == UInt8 {
    fileprivate func containsSequence(_ needle: [UInt8]) -> Bool {
        guard needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { Array(self[$0..<$0 + needle.count]) == needle }
    }
}

/// Transfers end by their deadlines, cancel stops them, redirects and partial files are
/// safe, and the input is read through the descriptor that was checked.
@Suite(.serialized) struct TransferSafetyTests {
    /// A job that has succeeded with `url` as its result (delivered by a callback).
    static func succeededJob(_ client: Client, url: String) throws -> Job {
        let id = "t-" + UUID().uuidString.lowercased()
        let job = try client.open(operation: .crispUpscale, id: id)
        let body = #"{"code":200,"data":{"taskId":"\#(id)","state":"success","resultJson":"{\"resultUrls\":[\"\#(url)\"]}"}}"#
        _ = try client.handleCallback(body: Array(body.utf8), headers: [:])
        #expect(job.state == .succeeded)
        return job
    }

    static let dripHead = Array("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 100000\r\n\r\n".utf8)

    @Test func aDrippingHostFailsWithinItsDeadline() async throws {
        let sandbox = try await Sandbox.start()
        defer { Task { await sandbox.shutdown() } }
        let proxy = try FaultProxy.start(upstreamPort: sandbox.port)
        defer { proxy.close() }
        proxy.add(path: "/drip.png", .drip(head: Self.dripHead, count: 120, interval: .seconds(1)), times: 10)
        let client = try Client(json: #"{"provider": "sandbox", "base_url": "\#(sandbox.baseURL)", "stall_timeout_ms": 2000, "max_retries": 0}"#)
        let job = try Self.succeededJob(client, url: proxy.baseURL + "/drip.png")
        let target = NSTemporaryDirectory() + "drip-\(UUID().uuidString).png"
        let started = ContinuousClock.now
        await #expect(throws: RecraftError.self) { try await job.download(to: target) }
        // A byte a second is under the minimum speed: it fails after about stall_timeout_ms,
        // far before the 120 s the drip would last (room left for a loaded machine).
        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(!FileManager.default.fileExists(atPath: target))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory()).filter { $0.contains("drip-") && $0.contains("recraft-") }
        #expect(leftovers.isEmpty, "partial files left: \(leftovers)")
    }

    @Test func downloadTimeoutBoundsAWholeDownload() async throws {
        let sandbox = try await Sandbox.start()
        defer { Task { await sandbox.shutdown() } }
        let proxy = try FaultProxy.start(upstreamPort: sandbox.port)
        defer { proxy.close() }
        // Fast enough for the low-speed limit (2 KiB/s) but never done.
        let head = Array("HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n".utf8)
        proxy.add(path: "/long.png", .drip(head: head + [UInt8](repeating: 0, count: 4096), count: 100_000, interval: .milliseconds(1)), times: 10)
        let client = try Client(json: #"{"provider": "sandbox", "base_url": "\#(sandbox.baseURL)", "download_timeout_ms": 2000, "max_retries": 0}"#)
        let job = try Self.succeededJob(client, url: proxy.baseURL + "/long.png")
        let started = ContinuousClock.now
        do {
            try await job.download(to: NSTemporaryDirectory() + "long-\(UUID().uuidString).png")
            Issue.record("a download longer than download_timeout_ms succeeded")
        } catch {
            #expect(error.code == .timeout, "\(error)")
        }
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test func cancelStopsADownloadInProgress() async throws {
        let sandbox = try await Sandbox.start()
        defer { Task { await sandbox.shutdown() } }
        let proxy = try FaultProxy.start(upstreamPort: sandbox.port)
        defer { proxy.close() }
        proxy.add(path: "/drip.png", .drip(head: Self.dripHead, count: 120, interval: .seconds(1)), times: 10)
        let client = try Client(json: #"{"provider": "sandbox", "base_url": "\#(sandbox.baseURL)"}"#)
        let job = try Self.succeededJob(client, url: proxy.baseURL + "/drip.png")
        let download = Task { () -> RecraftError? in
            do throws(RecraftError) {
                try await job.download(to: NSTemporaryDirectory() + "cancelled-\(UUID().uuidString).png")
                return nil
            } catch { return error }
        }
        // Wait for the event (the host has the request), not for a guessed time.
        let deadline = ContinuousClock.now + .seconds(30)
        while proxy.requests("/drip.png") == 0 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(proxy.requests("/drip.png") == 1)
        let cancelled = ContinuousClock.now
        job.cancel()
        let error = await download.value
        let took = ContinuousClock.now - cancelled
        #expect(error?.code == .cancelled, "\(String(describing: error))")
        #expect(took < .seconds(1), "cancel took \(took)")
    }

    @Test func cancelStopsDownloadsStillQueuedBehindFullConnections() async throws {
        let sandbox = try await Sandbox.start()
        defer { Task { await sandbox.shutdown() } }
        let proxy = try FaultProxy.start(upstreamPort: sandbox.port)
        defer { proxy.close() }
        let count = CurlTransport.maxActive + 6
        proxy.add(path: "/drip.png", .drip(head: Self.dripHead, count: 120, interval: .seconds(1)), times: count)
        let client = try Client(json: #"{"provider": "sandbox", "base_url": "\#(sandbox.baseURL)"}"#)
        let job = try Self.succeededJob(client, url: proxy.baseURL + "/drip.png")
        let folder = NSTemporaryDirectory() + "queued-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let downloads = (0..<count).map { index in
            Task { () -> RecraftError? in
                do throws(RecraftError) {
                    try await job.download(to: folder + "/\(index).png")
                    return nil
                } catch { return error }
            }
        }
        // Wait until libcurl holds all it may: the rest are queued in the transport.
        let deadline = ContinuousClock.now + .seconds(60)
        while proxy.requests("/drip.png") < CurlTransport.maxActive && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        let cancelled = ContinuousClock.now
        job.cancel()
        var errors: [RecraftError?] = []
        for download in downloads { errors.append(await download.value) }
        #expect(errors.allSatisfy { $0?.code == .cancelled }, "\(errors.compactMap { $0 }.first.map(String.init(describing:)) ?? "")")
        #expect(ContinuousClock.now - cancelled < .seconds(5), "queued downloads must end with the cancel too")
        #expect(proxy.requests("/drip.png") <= count)
    }

    @Test func redirectsToPlainHTTPAreRefused() async throws {
        let sandbox = try await Sandbox.start()
        defer { Task { await sandbox.shutdown() } }
        let proxy = try FaultProxy.start(upstreamPort: sandbox.port)
        defer { proxy.close() }
        func redirect(_ location: String) -> FaultProxy.Action {
            .reply(Array("HTTP/1.1 302 Found\r\nLocation: \(location)\r\nContent-Length: 0\r\n\r\n".utf8))
        }
        proxy.add(path: "/to-remote", redirect("http://example.invalid/r.png"), times: 5)
        proxy.add(path: "/to-127-name", redirect("http://127.attacker.example/r.png"), times: 5)
        proxy.add(path: "/to-schemeless", redirect("//example.invalid/r.png"), times: 5)
        proxy.add(path: "/loop", redirect("/loop"), times: 20)
        let client = try Client(json: #"{"provider": "sandbox", "base_url": "\#(sandbox.baseURL)", "max_retries": 0}"#)
        for path in ["/to-remote", "/to-127-name", "/to-schemeless"] {
            let job = try Self.succeededJob(client, url: proxy.baseURL + path)
            do {
                try await job.download(to: NSTemporaryDirectory() + "redirect-\(UUID().uuidString).png")
                Issue.record("\(path): followed")
            } catch {
                #expect(error.code == .protocolError && error.message.contains("plain http"), "\(path): \(error)")
            }
        }
        let looping = try Self.succeededJob(client, url: proxy.baseURL + "/loop")
        await #expect(throws: RecraftError.self) { try await looping.download(to: NSTemporaryDirectory() + "loop-\(UUID().uuidString).png") }
        #expect(proxy.requests("/loop") == Client.maxRedirects + 1)
    }

    @Test func aPlantedSymlinkIsNotFollowedAndConcurrentDownloadsToOnePathWork() async throws {
        let sandbox = try await Sandbox.start()
        defer { Task { await sandbox.shutdown() } }
        let client = try Client(json: #"{"provider": "sandbox", "base_url": "\#(sandbox.baseURL)"}"#)
        let job = try client.submit(JobRequest(operation: .crispUpscale, image: .file(try TestImages.file(width: 16, height: 16))))
        #expect(await job.wait(timeout: .seconds(120)) == .succeeded, "\(job.error?.message ?? "")")
        let folder = NSTemporaryDirectory() + "symlink-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let victim = folder + "/victim.txt"
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: victim))
        let target = folder + "/out.png"
        // The old fixed partial name, planted as a link to a file the user cares about.
        try FileManager.default.createSymbolicLink(atPath: target + ".recraft-partial", withDestinationPath: victim)
        async let first = job.download(to: target)
        async let second = job.download(to: target)
        let saved = try await [first, second]
        #expect(saved == [target, target])
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "keep me")
        #expect(TestImages.pngSize(Array(try Data(contentsOf: URL(fileURLWithPath: target)))) != nil)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(names == ["out.png", "out.png.recraft-partial", "victim.txt"], "\(names)")
    }

    @Test func theInputIsReadThroughTheCheckedDescriptor() async throws {
        let sandbox = try await Sandbox.start()
        defer { Task { await sandbox.shutdown() } }
        let client = try Client(json: #"{"provider": "sandbox", "base_url": "\#(sandbox.baseURL)"}"#)
        let path = try TestImages.file(width: 16, height: 16)
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        let file = try InputCheck.check(path, against: InputLimits(maxBytes: 1 << 20), preset: .sandbox, operation: .crispUpscale)
        // Swapped for a FIFO after the check: reading the path again would block forever.
        unlink(path)
        #expect(mkfifo(path, 0o600) == 0)
        defer { unlink(path) }
        let url = try await client.upload(file)
        let uploaded = try Data(contentsOf: URL(string: url)!)
        #expect(uploaded == original)
        // And a FIFO given as the input is refused at once, not waited on.
        #expect(throws: RecraftError.self) { try client.validate(JobRequest(operation: .crispUpscale, image: .file(path))) }
    }

    @Test func anUploadAskedToRetryInAWeekEndsAtTheJobDeadline() async throws {
        var configuration = SandboxConfiguration()
        configuration.faults = [SandboxFault(.httpStatus, path: "/api/file-stream-upload", status: 503, retryAfter: 99_999_999_999)]
        let sandbox = try await Sandbox.start(configuration)
        defer { Task { await sandbox.shutdown() } }
        let client = try Client(json: #"{"provider": "kie", "api_key": "k", "base_url": "\#(sandbox.baseURL)", "job_timeout_ms": 3000}"#)
        let job = try client.submit(JobRequest(operation: .crispUpscale, image: .file(try TestImages.file(width: 16, height: 16))))
        #expect(await job.wait(timeout: .seconds(60)) == .failed)
        #expect(job.error?.code == .providerUnavailable, "\(job.error?.message ?? "")")
        #expect(sandbox.stats().tasksCreated == 0)
    }
}

/// A cancel while the create request is on its way: the job ends *submit uncertain*, the
/// journal says so, and the task id the reply brings is kept.
@Suite struct CancelDuringCreateTests {
    @Test func theTaskIdIsKeptAndTheJournalSaysUncertain() async throws {
        var configuration = SandboxConfiguration()
        configuration.faults = [SandboxFault(.stall, path: "/api/v1/jobs/createTask", times: 1, delayMs: 3000)]
        let sandbox = try await Sandbox.start(configuration)
        defer { Task { await sandbox.shutdown() } }
        let proxy = try FaultProxy.start(upstreamPort: sandbox.port)
        defer { proxy.close() }
        let journal = NSTemporaryDirectory() + "cancel-\(UUID().uuidString).jsonl"
        let client = try Client(json: #"{"provider": "sandbox", "base_url": "\#(proxy.baseURL)", "journal_path": "\#(journal)"}"#)
        let image = try await client.upload(path: try TestImages.file(width: 16, height: 16))
        let job = try client.submit(JobRequest(operation: .crispUpscale, image: .url(image)))
        let deadline = ContinuousClock.now + .seconds(30)
        while proxy.requests("/api/v1/jobs/createTask") == 0 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(proxy.requests("/api/v1/jobs/createTask") == 1)
        job.cancel()
        #expect(job.state == .cancelled)
        #expect(job.error?.code == .submitUncertain, "\(job.error?.message ?? "")")
        func entry() throws -> JournalEntry? { try Journal.read(path: journal).entries.first { $0.ref == job.ref } }
        while try entry()?.status != .uncertain && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(try entry()?.status == .uncertain)
        // The reply comes after the stall: the task exists, and its id is not lost.
        while job.id == nil && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(job.id != nil)
        #expect(sandbox.stats().tasksCreated == 1)
        while try entry()?.taskId == nil && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(try entry()?.taskId == job.id)
        // Collectable by id: resume reopens it rather than paying again.
        #expect(try entry()?.status == .inFlight)
        #expect(job.state == .cancelled)
    }
}

/// Task ids from outside (replies, callbacks, callers): printable text without slashes.
@Suite struct TaskIdentifierTests {
    @Test(arguments: [
        ("abc123", true), ("task id with spaces", true), ("ünïcode-id", true), ("", false),
        ("a/b", false), ("a\\b", false), ("a\nb", false), ("a\u{7F}b", false), ("a\u{85}b", false),
        ("a\u{200B}b", false), (String(repeating: "x", count: 256), true), (String(repeating: "x", count: 257), false)
    ])
    func isValid(id: String, valid: Bool) {
        #expect(TaskIdentifier.isValid(id) == valid, "\(id.debugDescription)")
    }
}
