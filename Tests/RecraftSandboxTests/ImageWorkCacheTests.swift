// Memoized image work: same job and input, same bytes; anything else computed afresh.

import XCTest

@testable import RecraftSandbox

final class ImageWorkCacheTests: XCTestCase {
    func testSameInputAndJobGiveTheSameBytesAndFailuresAreCachedToo() throws {
        let cache = ImageWorkCache(maxEntries: 2)
        let png = try TestImages.png(TestImages.gradient(width: 10, height: 10))
        let crisp = ImageWork(operation: .crispUpscale, scale: 4, output: .png, limits: .marketCrisp)
        let first = try cache.output(of: crisp, input: png).get()
        let second = try cache.output(of: crisp, input: png).get()
        XCTAssertEqual(first.bytes, second.bytes)
        XCTAssertEqual(try ImageCodec.decode(second.bytes).width, 40)

        let other = try TestImages.png(TestImages.gradient(width: 12, height: 10))
        XCTAssertEqual(try ImageCodec.decode(try cache.output(of: crisp, input: other).get().bytes).width, 48)

        let scale2 = ImageWork(operation: .crispUpscale, scale: 2, output: .png, limits: .marketCrisp)
        XCTAssertEqual(try ImageCodec.decode(try cache.output(of: scale2, input: png).get().bytes).width, 20)
        let removal = ImageWork(operation: .removeBackground, output: .png, limits: .marketRemoveBackground)
        XCTAssertThrowsError(try cache.output(of: removal, input: png).get()) { error in
            XCTAssertTrue("\(error)".contains("10x10"))
        }
    }
}
