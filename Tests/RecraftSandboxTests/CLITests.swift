// `recraft-cli sandbox` as scripts use it: the first stdout line is the base URL, and
// SIGTERM / SIGINT end it cleanly with status 0.

import Foundation
import TestSupport
import XCTest

final class CLITests: XCTestCase {
    /// The built `recraft-cli`, next to the test bundle (skips when it was not built).
    private func executable() throws -> URL {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [directory, directory.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("recraft-cli")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw XCTSkip("recraft-cli is not built next to the tests (\(directory.path))")
    }

    private func runSandbox(
        signal: Int32, extraArguments: [String] = [],
        check: (String) async throws -> Void = { baseURL in
            let info = try await HTTP.get("\(baseURL)/api/v1/jobs/recordInfo?taskId=none", bearer: "any").json()
            XCTAssertEqual(info.string("msg"), "recordInfo is null")
        }
    ) async throws {
        let process = ChildProcess()
        process.executableURL = try executable()
        process.arguments = ["sandbox", "--port", "0", "--task-duration-ms", "20"] + extraArguments
        let stdout = Pipe()
        process.standardOutput = stdout.fileHandleForWriting
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        // Read up to the first newline, byte by byte, so nothing past it is consumed.
        var line = [UInt8]()
        let handle = stdout.fileHandleForReading
        while let byte = try handle.read(upToCount: 1)?.first, byte != 10 { line.append(byte) }
        let baseURL = String(decoding: line, as: UTF8.self)
        XCTAssertNotNil(baseURL.range(of: "^http://127\\.0\\.0\\.1:[0-9]+$", options: .regularExpression), baseURL)

        let stats = try await HTTP.get("\(baseURL)/sandbox/stats", bearer: nil)
        XCTAssertEqual(stats.status, 200)
        try await check(baseURL)

        kill(process.processIdentifier, signal)
        let deadline = ContinuousClock.now + .seconds(10)
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        XCTAssertFalse(process.isRunning)
        XCTAssertEqual(process.terminationReason, .exit)
        XCTAssertEqual(process.terminationStatus, 0)
    }

    func testPrintsBaseURLFirstAndStopsOnSIGTERM() async throws {
        try await runSandbox(signal: SIGTERM, extraArguments: ["--webhook-secret", "s", "--spread", "0.2"])
    }

    func testStopsOnSIGINT() async throws {
        try await runSandbox(signal: SIGINT)
    }

    func testFaultAndRateLimitOptions() async throws {
        let fault = #"{"kind":"bodyCode","status":455,"path":"/api/v1/jobs/recordInfo"}"#
        try await runSandbox(
            signal: SIGTERM,
            extraArguments: [
                "--fault", fault, "--rate-limit", "/api/v1/jobs/createTask=1/60000", "--rate-limit-retry-after"
            ]
        ) { baseURL in
            let info = try await HTTP.get("\(baseURL)/api/v1/jobs/recordInfo?taskId=none").json()
            XCTAssertEqual(info.int("code"), 455)
            let body: [String: Any] = ["model": "recraft/crisp-upscale", "input": ["image": "http://127.0.0.1:1/a.png"]]
            let first = try await HTTP.postJSON("\(baseURL)/api/v1/jobs/createTask", body)
            let second = try await HTTP.postJSON("\(baseURL)/api/v1/jobs/createTask", body)
            XCTAssertEqual([first.status, second.status], [200, 429])
            XCTAssertNotNil(second.header("Retry-After"))
        }
    }

    func testRejectsBadOptions() throws {
        for arguments in [["--spread", "3"], ["--fault", "{\"kind\":\"stall\"}"], ["--rate-limit", "/x=5"]] {
            let process = ChildProcess()
            process.executableURL = try executable()
            process.arguments = ["sandbox"] + arguments
            process.standardError = FileHandle(forWritingAtPath: "/dev/null")
            try process.run()
            process.waitUntilExit()
            XCTAssertNotEqual(process.terminationStatus, 0, "\(arguments)")
        }
    }
}
