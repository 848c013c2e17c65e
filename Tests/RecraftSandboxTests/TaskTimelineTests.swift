// The task state machine, on a fake clock.

import XCTest

@testable import RecraftSandbox

final class TaskTimelineTests: XCTestCase {
    func testPhasesFollowTheClockAndWaitForTheWork() {
        let timeline = TaskTimeline(createdAt: 1_000, durationMillis: 100)  // 20 / 20 / 60
        XCTAssertEqual(timeline.phase(at: 1_000, workDoneAt: nil), .waiting)
        XCTAssertEqual(timeline.phase(at: 1_019, workDoneAt: nil), .waiting)
        XCTAssertEqual(timeline.phase(at: 1_020, workDoneAt: nil), .queuing)
        XCTAssertEqual(timeline.phase(at: 1_040, workDoneAt: 1_005), .generating)
        XCTAssertEqual(timeline.phase(at: 1_099, workDoneAt: 1_005), .generating)
        XCTAssertEqual(timeline.phase(at: 1_100, workDoneAt: 1_005), .finished)
        // Work that outlasts the planned duration holds the task in generating.
        XCTAssertEqual(timeline.phase(at: 1_500, workDoneAt: nil), .generating)
        XCTAssertEqual(timeline.phase(at: 1_500, workDoneAt: 1_400), .finished)
        XCTAssertEqual(timeline.completedAt(workDoneAt: 1_400), 1_400)
        XCTAssertEqual(timeline.completedAt(workDoneAt: 1_005), 1_100)
        XCTAssertEqual(timeline.updatedAt(at: 1_030, workDoneAt: nil), 1_020)
    }

    func testSpreadStaysWithinBounds() {
        for _ in 0..<100 {
            let value = TaskTimeline.spreadMillis(.milliseconds(1_000), spread: 0.2)
            XCTAssertTrue((800...1_200).contains(value), "\(value)")
        }
        XCTAssertEqual(TaskTimeline.spreadMillis(.milliseconds(250), spread: 0), 250)
        XCTAssertEqual(TaskTimeline.spreadMillis(.milliseconds(250), spread: .nan), 250)
        XCTAssertEqual(TaskTimeline.spreadMillis(.zero, spread: 0.5), 0)
    }
}
