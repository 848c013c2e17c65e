import FoundationEssentials
import RecraftKit
import RecraftSandbox
import Synchronization
import Testing

@testable import RecraftC

/// The C exports called from Swift with the input a careless or hostile C caller gives.
/// Nothing may trap; each call returns a code and leaves a message that says what to fix.
@Suite struct ExportsTests {
    func lastError() -> (recraft_status, String) {
        (recraft_last_error_code(), String(cString: recraft_last_error_message()))
    }

    func newClient(_ json: String) -> (recraft_status, OpaquePointer?) {
        var client: OpaquePointer?
        let status = json.withCString { recraft_client_new($0, &client) }
        return (status, client)
    }

    @Test func nullArgumentsAreErrorsNotCrashes() {
        var client: OpaquePointer?
        var job: OpaquePointer?
        var state = recraft_state.pending
        #expect(recraft_client_new(nil, &client) == .errInvalidArgument)
        #expect(lastError().1.contains("config_json is NULL"))
        #expect(#"{"provider":"sandbox","base_url":"http://127.0.0.1:9"}"#.withCString { recraft_client_new($0, nil) } == .errInvalidArgument)
        #expect(lastError().1.contains("client_out"))
        #expect(recraft_submit(nil, "{}", &job) == .errInvalidArgument)
        #expect(recraft_job_open(nil, "crisp_upscale", "x", &job) == .errInvalidArgument)
        #expect(recraft_job_poll(nil, &state) == .errInvalidArgument)
        #expect(recraft_job_wait(nil, 0, &state) == .errInvalidArgument)
        #expect(recraft_job_download(nil, 0, "/tmp/x") == .errInvalidArgument)
        #expect(recraft_job_cancel(nil) == .errInvalidArgument)
        #expect(recraft_job_id(nil) == nil)
        #expect(recraft_job_result_count(nil) == 0)
        #expect(recraft_job_result_url(nil, 0) == nil)
        #expect(recraft_job_json(nil) == nil)
        #expect(recraft_job_error_code(nil) == .errInvalidArgument)
        #expect(String(cString: recraft_job_error_message(nil)) == "")
        recraft_client_free(nil)
        recraft_job_free(nil)
        recraft_string_free(nil)
        #expect(client == nil && job == nil)
    }

    @Test func invalidUTF8AndBadJSONAreRefused() {
        let invalid: [CChar] = [CChar(bitPattern: 0xC3), CChar(bitPattern: 0x28), 0]
        var client: OpaquePointer?
        #expect(invalid.withUnsafeBufferPointer { recraft_client_new($0.baseAddress, &client) } == .errInvalidArgument)
        #expect(lastError().1.contains("UTF-8"))
        for json in ["", "{", "null", #"{"provider": "mars"}"#, #"{"provider": "sandbox"}"#] {
            let (status, client) = newClient(json)
            #expect(status == .errInvalidConfig, "\(json)")
            #expect(client == nil)
            #expect(!lastError().1.isEmpty)
        }
    }

    @Test func unknownOperationsAndUseAfterFreeAreErrors() {
        let (status, client) = newClient(#"{"provider":"sandbox","base_url":"http://127.0.0.1:9"}"#)
        #expect(status == .ok)
        var job: OpaquePointer?
        #expect(recraft_submit(client, #"{"operation": "zoom", "image": "a.png"}"#, &job) == .errInvalidArgument)
        #expect(lastError().1.contains("unknown operation"))
        #expect(recraft_submit(client, #"{"operation": "vectorize", "image": "https://x/a.png"}"#, &job) == .errUnsupported)
        #expect(recraft_job_open(client, "zoom", "id", &job) == .errInvalidArgument)
        #expect(recraft_job_open(client, "crisp_upscale", "", &job) == .errInvalidArgument)
        #expect(job == nil)
        recraft_client_free(client)
        recraft_client_free(client)  // a second free is ignored
        #expect(recraft_submit(client, #"{"operation": "crisp_upscale", "image": "https://x/a.png"}"#, &job) == .errInvalidArgument)
        #expect(lastError().1.contains("already freed"))
    }

    @Test func statusNamesAndVersionAreStatic() {
        #expect(String(cString: recraft_version()) == RecraftKitVersion.version)
        #expect(String(cString: recraft_status_name(5)) == "authentication failed")
        #expect(String(cString: recraft_status_name(-7)) == "unknown status")
        #expect(String(cString: recraft_status_name(99999)) == "unknown status")
    }

    @Test func aJobEndToEndThroughTheExports() async throws {
        var configuration = SandboxConfiguration()
        configuration.taskDuration = .milliseconds(50)
        let sandbox = try await Sandbox.start(configuration)
        defer { Task { await sandbox.shutdown() } }
        let (status, client) = newClient(#"{"provider":"sandbox","base_url":"\#(sandbox.baseURL)","poll_initial_ms":20}"#)
        #expect(status == .ok)
        defer { recraft_client_free(client) }
        var job: OpaquePointer?
        let request = #"{"operation": "crisp_upscale", "image": "\#(sandbox.baseURL)/files/missing.png"}"#
        #expect(recraft_submit(client, request, &job) == .ok)
        defer { recraft_job_free(job) }
        // Blocking calls must run off the cooperative pool; the handle crosses as an address.
        let address = UInt(bitPattern: job)
        let state = await Task.detached { () -> recraft_state in
            var state = recraft_state.pending
            _ = recraft_job_wait(OpaquePointer(bitPattern: address), 20_000, &state)
            return state
        }.value
        #expect(state == .failed)
        #expect(recraft_job_error_code(UnsafeRawPointer(job)) == .errJobFailed)
        #expect(!String(cString: recraft_job_error_message(UnsafeRawPointer(job))).isEmpty)
        #expect(recraft_job_id(UnsafeRawPointer(job)) != nil)
        #expect(recraft_job_result_count(UnsafeRawPointer(job)) == 0)
        #expect(recraft_job_result_url(UnsafeRawPointer(job), 0) == nil)
        let downloaded = await Task.detached { () -> (recraft_status, String) in
            let status = recraft_job_download(OpaquePointer(bitPattern: address), 0, "/tmp/never.png")
            return (status, String(cString: recraft_last_error_message()))
        }.value
        #expect(downloaded.0 == .errJobFailed)
        #expect(downloaded.1.contains("nothing to download"))
        let json = try #require(recraft_job_json(UnsafeRawPointer(job)))
        #expect(String(cString: json).contains(#""state":"failed""#))
        recraft_string_free(json)
    }

    @Test func completionCallbackRunsOnceOnALibraryThread() async throws {
        var configuration = SandboxConfiguration()
        configuration.taskDuration = .milliseconds(50)
        let sandbox = try await Sandbox.start(configuration)
        defer { Task { await sandbox.shutdown() } }
        let (_, client) = newClient(#"{"provider":"sandbox","base_url":"\#(sandbox.baseURL)","poll_initial_ms":20}"#)
        defer { recraft_client_free(client) }
        var job: OpaquePointer?
        #expect(recraft_submit(client, #"{"operation": "crisp_upscale", "image": "\#(sandbox.baseURL)/files/missing.png"}"#, &job) == .ok)
        defer { recraft_job_free(job) }
        // What the callback saw, shared with this thread through atomics.
        final class Seen: Sendable {
            let state = Atomic<Int32>(-1)
            let calls = Atomic<Int32>(0)
        }
        let seen = Seen()
        let context = Unmanaged.passRetained(seen).toOpaque()
        defer { Unmanaged<Seen>.fromOpaque(context).release() }
        let callback: @convention(c) (OpaquePointer?, recraft_state, UnsafeMutableRawPointer?) -> Void = { _, state, user in
            let seen = Unmanaged<Seen>.fromOpaque(user!).takeUnretainedValue()
            seen.calls.add(1, ordering: .relaxed)
            seen.state.store(state.rawValue, ordering: .releasing)
        }
        #expect(recraft_job_on_complete(job, callback, context) == .ok)
        #expect(recraft_job_on_complete(job, callback, context) == .errInvalidArgument)
        #expect(recraft_job_on_complete(job, nil, context) == .errInvalidArgument)
        for _ in 0..<400 where seen.state.load(ordering: .acquiring) == -1 { try await Task.sleep(for: .milliseconds(25)) }
        #expect(seen.state.load(ordering: .acquiring) == recraft_state.failed.rawValue)
        #expect(seen.calls.load(ordering: .relaxed) == 1)
    }
}
