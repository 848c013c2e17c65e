// kie's dedicated Recraft dialect (seed 003) over real HTTP.

import Foundation
import XCTest

@testable import RecraftSandbox

final class DedicatedTests: XCTestCase {
    /// Polls record-info until status leaves 0; returns the data object.
    static func pollToEnd(_ sandbox: Sandbox, path: String, _ taskId: String) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + .seconds(20)
        var sawProcessing = false
        while ContinuousClock.now < deadline {
            let reply = try await HTTP.get("\(sandbox.baseURL)\(path)/record-info?taskId=\(taskId)").json()
            XCTAssertEqual(reply.int("code"), 200, "\(reply)")
            let data = try XCTUnwrap(reply.object("data"))
            let status = try XCTUnwrap(data.int("status"))
            XCTAssertEqual(data.int("successFlag"), status)
            if status != 0 {
                XCTAssertTrue(sawProcessing, "status 0 comes first")
                return data
            }
            sawProcessing = true
            XCTAssertTrue(data.isNull("response"))
            try await Task.sleep(for: .milliseconds(5))
        }
        XCTFail("task never ended")
        return [:]
    }

    func testUpscaleScale2JPGSucceeds() async throws {
        try await withSandbox { sandbox in
            let url = try await MarketTests.upload(sandbox, try TestImages.png(TestImages.gradient(width: 30, height: 20)))
            let created = try await HTTP.postJSON(
                "\(sandbox.baseURL)/api/v1/recraft/upscale",
                ["image_url": url, "scale": 2, "format": "JPG"]
            ).json()
            XCTAssertEqual(created.int("code"), 200)
            XCTAssertEqual(created.string("msg"), "success")
            let taskId = try XCTUnwrap(created.object("data")?.string("taskId"))
            let data = try await Self.pollToEnd(sandbox, path: "/api/v1/recraft/upscale", taskId)
            XCTAssertEqual(data.int("status"), 1)
            XCTAssertTrue(data.isNull("errorCode"))
            XCTAssertTrue(data.isNull("errorMessage"))
            XCTAssertNotNil(data.string("createTime"))
            XCTAssertNotNil(data.string("completeTime"))
            let result = try XCTUnwrap(data.object("response")?.string("resultImageUrl"))
            let download = try await HTTP.get(result, bearer: nil)
            XCTAssertEqual(download.header("Content-Type"), "image/jpeg")
            XCTAssertEqual(ImageFormat.sniff(download.body), .jpeg)
            let image = try ImageCodec.decode(download.body)
            XCTAssertEqual([image.width, image.height], [60, 40])

            // The task is known under its own path only.
            let wrongPath = try await HTTP.get("\(sandbox.baseURL)/api/v1/recraft/remove-background/record-info?taskId=\(taskId)").json()
            XCTAssertEqual(wrongPath.int("code"), 422)
            XCTAssertEqual(wrongPath.string("msg"), "recordInfo is null")
            let market = try await HTTP.get("\(sandbox.baseURL)/api/v1/jobs/recordInfo?taskId=\(taskId)").json()
            XCTAssertEqual(market.string("msg"), "recordInfo is null")
        }
    }

    func testRemoveBackgroundAndFailures() async throws {
        try await withSandbox { sandbox in
            let base = "\(sandbox.baseURL)/api/v1/recraft"
            let url = try await MarketTests.upload(sandbox, try TestImages.png(TestImages.subjectOnWhite()))
            let created = try await HTTP.postJSON("\(base)/remove-background", ["image_url": url, "output_format": "PNG"]).json()
            let taskId = try XCTUnwrap(created.object("data")?.string("taskId"))
            let done = try await Self.pollToEnd(sandbox, path: "/api/v1/recraft/remove-background", taskId)
            XCTAssertEqual(done.int("status"), 1)
            let result = try XCTUnwrap(done.object("response")?.string("resultImageUrl"))
            let image = try ImageCodec.decode(try await HTTP.get(result, bearer: nil).body)
            XCTAssertEqual(image.pixels[3], 0)

            // An input that cannot be fetched: creation failed (3).
            let missing = try await HTTP.postJSON("\(base)/upscale", ["image_url": "\(sandbox.baseURL)/files/nope.png"]).json()
            let failed = try await Self.pollToEnd(
                sandbox, path: "/api/v1/recraft/upscale",
                try XCTUnwrap(missing.object("data")?.string("taskId")))
            XCTAssertEqual(failed.int("status"), 3)
            XCTAssertEqual(failed.int("errorCode"), 422)
            XCTAssertTrue(failed.string("errorMessage")?.contains("could not fetch image") == true)

            // An input that breaks the limits: failed (2).
            let small = try await MarketTests.upload(sandbox, try TestImages.png(TestImages.gradient(width: 64, height: 64)), name: "s.png")
            let tooSmall = try await HTTP.postJSON("\(base)/remove-background", ["image_url": small]).json()
            let rejected = try await Self.pollToEnd(
                sandbox, path: "/api/v1/recraft/remove-background",
                try XCTUnwrap(tooSmall.object("data")?.string("taskId")))
            XCTAssertEqual(rejected.int("status"), 2)
            XCTAssertTrue(rejected.string("errorMessage")?.contains("64x64") == true)
        }
    }

    func testInvalidOptionsAre422() async throws {
        try await withSandbox { sandbox in
            let base = "\(sandbox.baseURL)/api/v1/recraft"
            let bodies: [(String, [String: Any])] = [
                ("upscale", ["image_url": "http://127.0.0.1/a.png", "scale": 3]),
                ("upscale", ["image_url": "http://127.0.0.1/a.png", "scale": "big"]),
                ("upscale", ["image_url": "http://127.0.0.1/a.png", "format": "GIF"]),
                ("upscale", ["scale": 2]),
                ("remove-background", ["image_url": "http://127.0.0.1/a.png", "output_format": "JPG"]),
                ("remove-background", ["image_url": "http://127.0.0.1/a.png", "callBackUrl": "not a url"])
            ]
            for (path, body) in bodies {
                let reply = try await HTTP.postJSON("\(base)/\(path)", body).json()
                XCTAssertEqual(reply.int("code"), 422, "\(body) -> \(reply)")
            }
            let unauthorised = try await HTTP.postJSON("\(base)/upscale", ["image_url": "x"], bearer: nil).json()
            XCTAssertEqual(unauthorised.int("code"), 401)
            XCTAssertEqual(sandbox.stats().tasksCreated, 0)
        }
    }
}
