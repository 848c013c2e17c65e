// The in-memory file store's budget: past it the least recently used files go.

import XCTest

@testable import RecraftSandbox

final class FileStoreTests: XCTestCase {
    func testLeastRecentlyUsedFilesAreDroppedPastTheBudget() {
        let store = FileStore(budgetBytes: 100)
        store.put("a", bytes: [UInt8](repeating: 1, count: 40), contentType: "x")
        store.put("b", bytes: [UInt8](repeating: 2, count: 40), contentType: "x")
        store.put("a", bytes: [UInt8](repeating: 3, count: 10), contentType: "x")  // rewrite: now the newest
        store.put("c", bytes: [UInt8](repeating: 4, count: 40), contentType: "x")
        XCTAssertNotNil(store.get("b"))  // read: b is now the most recently used, then a
        XCTAssertNotNil(store.get("a"))
        store.put("d", bytes: [UInt8](repeating: 5, count: 40), contentType: "x")
        XCTAssertNil(store.get("c"), "the least recently used goes first")
        XCTAssertEqual(store.get("a")?.bytes.first, 3)
        XCTAssertNotNil(store.get("b"))
        store.put("huge", bytes: [UInt8](repeating: 6, count: 500), contentType: "x")
        XCTAssertNotNil(store.get("huge"), "the file just written is kept even over budget")
        XCTAssertNil(store.get("d"))
    }

    /// An input read again and again (the client library's upload cache reuses one) stays,
    /// however many results are written after it.
    func testAFileReadOftenOutlivesManyWrites() {
        let store = FileStore(budgetBytes: 1000)
        store.put("input", bytes: [UInt8](repeating: 1, count: 100), contentType: "x")
        for n in 0..<10_000 {
            store.put("result-\(n)", bytes: [UInt8](repeating: 2, count: 100), contentType: "x")
            XCTAssertNotNil(store.get("input"), "dropped after \(n) writes")
        }
        XCTAssertNil(store.get("result-0"))
    }
}
