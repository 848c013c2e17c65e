// The in-memory file store's budget.

import XCTest

@testable import RecraftSandbox

final class FileStoreTests: XCTestCase {
    func testOldestFilesAreDroppedPastTheBudget() {
        let store = FileStore(budgetBytes: 100)
        store.put("a", bytes: [UInt8](repeating: 1, count: 40), contentType: "x")
        store.put("b", bytes: [UInt8](repeating: 2, count: 40), contentType: "x")
        store.put("a", bytes: [UInt8](repeating: 3, count: 10), contentType: "x")  // rewrite: now the newest
        store.put("c", bytes: [UInt8](repeating: 4, count: 40), contentType: "x")
        XCTAssertNotNil(store.get("a"))
        XCTAssertNotNil(store.get("b"))
        store.put("d", bytes: [UInt8](repeating: 5, count: 40), contentType: "x")
        XCTAssertNil(store.get("b"), "oldest goes first")
        XCTAssertEqual(store.get("a")?.bytes.first, 3)
        store.put("huge", bytes: [UInt8](repeating: 6, count: 500), contentType: "x")
        XCTAssertNotNil(store.get("huge"), "the file just written is kept even over budget")
        XCTAssertNil(store.get("d"))
    }
}
