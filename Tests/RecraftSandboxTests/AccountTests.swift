// The account paths over real HTTP, each with a documented request: the balance (kie,
// Recraft), charging it (402 once spent), result links that expire and their refresh,
// Recraft's deprecated upscales at /v1.

import Foundation
import TestSupport
import XCTest

@testable import RecraftSandbox

final class AccountTests: XCTestCase {
    func testKieCreditIsTheEnvelopeWithAnIntegerBalance() async throws {
        try await withSandbox({ $0.credits = 100 }) { sandbox in
            let reply = try await HTTP.get("\(sandbox.baseURL)/api/v1/chat/credit")
            XCTAssertEqual(reply.status, 200)
            let json = try reply.json()
            XCTAssertEqual(json.int("code"), 200)
            XCTAssertEqual(json.string("msg"), "success")
            XCTAssertEqual((json["data"] as? NSNumber)?.intValue, 100, reply.text)
            let unauthorised = try await HTTP.get("\(sandbox.baseURL)/api/v1/chat/credit", bearer: nil).json()
            XCTAssertEqual(unauthorised.int("code"), 401)
        }
    }

    func testRecraftUsersMeHasIdAndCredits() async throws {
        try await withSandbox({ $0.credits = 250 }) { sandbox in
            let reply = try await HTTP.get("\(sandbox.baseURL)/v1/users/me")
            XCTAssertEqual(reply.status, 200)
            let json = try reply.json()
            XCTAssertNotNil(json.string("id"))
            XCTAssertEqual(json.int("credits"), 250)
            let unauthorised = try await HTTP.get("\(sandbox.baseURL)/v1/users/me", bearer: nil)
            XCTAssertEqual(unauthorised.status, 401)
        }
    }

    func testMarketCreateIsChargedAndAnswers402OnceSpent() async throws {
        try await withSandbox({ $0.credits = 1 }) { sandbox in
            let image = try await MarketTests.upload(sandbox, try TestImages.png(TestImages.gradient(width: 16, height: 16)))
            let body: [String: Any] = ["model": "recraft/crisp-upscale", "input": ["image": image]]
            for _ in 0..<2 {
                let created = try await HTTP.postJSON("\(sandbox.baseURL)/api/v1/jobs/createTask", body).json()
                XCTAssertEqual(created.int("code"), 200, "0.5 credit each: two fit in 1")
            }
            let refused = try await HTTP.postJSON("\(sandbox.baseURL)/api/v1/jobs/createTask", body)
            XCTAssertEqual(refused.status, 200, "kie answers 402 as a body code")
            XCTAssertEqual(try refused.json().int("code"), 402, refused.text)
            XCTAssertEqual(sandbox.stats().tasksCreated, 2)
            let balance = try await HTTP.get("\(sandbox.baseURL)/api/v1/chat/credit").json()
            XCTAssertEqual((balance["data"] as? NSNumber)?.intValue, 0)
        }
    }

    func testRecordInfoCarriesCreditsConsumedOnceEnded() async throws {
        try await withSandbox { sandbox in
            let image = try await MarketTests.upload(sandbox, try TestImages.png(TestImages.gradient(width: 16, height: 16)))
            let created = try await HTTP.postJSON(
                "\(sandbox.baseURL)/api/v1/jobs/createTask", ["model": "recraft/crisp-upscale", "input": ["image": image]]
            ).json()
            let taskId = try XCTUnwrap(created.object("data")?.string("taskId"))
            let (_, record) = try await MarketTests.pollToEnd(sandbox, taskId)
            XCTAssertEqual((record["creditsConsumed"] as? NSNumber)?.doubleValue, 0.5)
        }
    }

    func testRecraftAnswers402WhenTheUnitsAreSpent() async throws {
        try await withSandbox({ $0.credits = 5 }) { sandbox in
            let png = try TestImages.png(TestImages.gradient(width: 64, height: 64))
            let url = "\(sandbox.baseURL)/v1/images/crispUpscale"
            let first = try await HTTP.postMultipart(url, fields: [], file: ("image", "in.png", "image/png", png))
            XCTAssertEqual(first.status, 200, first.text)
            XCTAssertEqual(try first.json().int("credits"), 4)
            let second = try await HTTP.postMultipart(url, fields: [], file: ("image", "in.png", "image/png", png))
            XCTAssertEqual(second.status, 402, second.text)
        }
    }

    func testDeprecatedUpscalesAreServedAtV1() async throws {
        try await withSandbox { sandbox in
            let png = try TestImages.png(TestImages.gradient(width: 300, height: 260))
            for (path, credits) in [("clarityUpscale", 4), ("generativeUpscale", 250)] {
                let reply = try await HTTP.postMultipart(
                    "\(sandbox.baseURL)/v1/images/\(path)", fields: [("response_format", "url")], file: ("file", "in.png", "image/png", png))
                XCTAssertEqual(reply.status, 200, "\(path): \(reply.text)")
                let json = try reply.json()
                XCTAssertEqual(json.int("credits"), credits, path)
                XCTAssertNotNil(json["created"] as? NSNumber, path)
                XCTAssertNotNil(json.object("image")?.string("image_id"), path)
                let resultURL = try XCTUnwrap(json.object("image")?.string("url"), path)
                let fetched = try await HTTP.get(resultURL, bearer: nil)
                XCTAssertEqual(fetched.status, 200, path)
            }
        }
    }

    func testExpiredLinkIsRefusedAndARefreshedOneWorks() async throws {
        try await withSandbox({ $0.resultTTL = .milliseconds(300) }) { sandbox in
            let png = try TestImages.png(TestImages.gradient(width: 64, height: 64))
            let made = try await HTTP.postMultipart(
                "\(sandbox.baseURL)/v1/images/crispUpscale", fields: [], file: ("image", "in.png", "image/png", png)
            ).json()
            let url = try XCTUnwrap(made.object("image")?.string("url"))
            // Wait until the link has expired (an event, not a guess: the host says so).
            let deadline = ContinuousClock.now + .seconds(30)
            var status = 200
            while status == 200 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                status = try await HTTP.get(url, bearer: nil).status
            }
            XCTAssertEqual(status, 403, "the link expires")
            let refreshed = try await HTTP.postJSON("\(sandbox.baseURL)/api/v1/common/download-url", ["url": url]).json()
            XCTAssertEqual(refreshed.int("code"), 200)
            let fresh = try XCTUnwrap(refreshed.string("data"))
            XCTAssertNotEqual(fresh, url)
            let fetched = try await HTTP.get(fresh, bearer: nil)
            XCTAssertEqual(fetched.status, 200)
            XCTAssertFalse(fetched.body.isEmpty)
            let foreign = try await HTTP.postJSON("\(sandbox.baseURL)/api/v1/common/download-url", ["url": "https://example.com/a.png"]).json()
            XCTAssertEqual(foreign.int("code"), 422, "only URLs the provider made")
            XCTAssertEqual(sandbox.stats().linkRefreshes, 2)
        }
    }

    /// The bundled sample: a gradient background with a disc, a ring, a square and
    /// stripes. The cutout keeps each shape and clears the background.
    func testBackgroundRemovalOnTheSampleKeepsShapesAndClearsTheGradient() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let sample = try Data(contentsOf: root.appendingPathComponent("bindings/c/examples/sample.png"))
        let image = try ImageCodec.decode(Array(sample))
        XCTAssertEqual(image.width, 256)
        let cut = ImageOps.removeSmoothBackground(image)
        func alpha(_ u: Double, _ v: Double) -> UInt8 {
            let x = min(255, Int(u * 255))
            let y = min(255, Int(v * 255))
            return cut.pixels[(y * cut.width + x) * 4 + 3]
        }
        // Background: three corners (the fourth holds a stripe), the middle of an edge,
        // the inside of the ring, an open area.
        for (u, v) in [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.7), (0.70, 0.68), (0.1, 0.8)] {
            XCTAssertEqual(alpha(u, v), 0, "background at (\(u), \(v)) is transparent")
        }
        // Shapes: the disc, the ring, the square, a stripe.
        for (u, v) in [(0.38, 0.40), (0.405, 0.68), (0.73, 0.23), (0.008, 0.95)] {
            XCTAssertEqual(alpha(u, v), 255, "shape at (\(u), \(v)) is opaque")
        }
        let transparent = stride(from: 3, to: cut.pixels.count, by: 4).filter { cut.pixels[$0] == 0 }.count
        XCTAssertGreaterThan(transparent, cut.width * cut.height / 3, "most of the background is gone")
    }
}
