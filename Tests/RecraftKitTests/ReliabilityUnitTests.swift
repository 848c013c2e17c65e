import FoundationEssentials
import TestSupport
import Testing

@testable import RecraftKit

@Suite struct ReliabilityUnitTests {
    @Test func rateLimitsParse() throws {
        let kie = try RateLimit.parse("20/10s", key: "k")
        #expect(kie == [RateLimit(count: 20, window: .seconds(10))])
        #expect(try RateLimit.parse("5/s", key: "k").first?.window == .seconds(1))
        #expect(try RateLimit.parse("300/1m", key: "k").first?.window == .seconds(60))
        #expect(try RateLimit.parse("5/s, 100/1m", key: "k").map(\.count) == [5, 100])
        #expect(try RateLimit.parse("off", key: "k").isEmpty)
        #expect(throws: RecraftError.self) { try RateLimit.parse("fast", key: "k") }
        #expect(throws: RecraftError.self) { try RateLimit.parse("0/s", key: "k") }
        #expect(throws: RecraftError.self) { try RateLimit.parse("5/s,", key: "k") }
        let config = try Configuration(json: #"{"provider": "kie", "api_key": "x", "submit_rate_limit": "2/1s", "poll_rate_limit": "off"}"#)
        #expect(config.submitRateLimits.map(\.count) == [2])
        #expect(config.pollRateLimits.isEmpty)
        // Recraft documents two limits on one kind of request: both are kept.
        let recraft = try Configuration(json: #"{"provider": "recraft", "api_key": "x"}"#)
        #expect(recraft.submitRateLimits == [RateLimit(count: 5, window: .seconds(1)), RateLimit(count: 100, window: .seconds(60))])
    }

    @Test func retryAfterReadsSecondsAndHTTPDates() {
        #expect(RetryAfter.parse("120") == .seconds(120))
        #expect(RetryAfter.parse(nil) == nil)
        #expect(RetryAfter.parse("soon") == nil)
        #expect(RetryAfter.httpDate("Wed, 21 Oct 2015 07:28:00 GMT")?.timeIntervalSince1970 == 1_445_412_480)
        let now = Date(timeIntervalSince1970: 1_445_412_470)
        #expect(RetryAfter.parse("Wed, 21 Oct 2015 07:28:00 GMT", now: now) == .seconds(10))
        #expect(RetryAfter.parse("Wed, 21 Oct 2015 07:28:00 GMT", now: now + 60) == .zero)
    }

    @Test func sha256AndHMACMatchTheStandardVectors() {
        func hex(_ bytes: [UInt8]) -> String { bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined() }
        #expect(hex(SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex(SHA256.hash([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(hex(SHA256.hash(long)) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // RFC 4231 test cases 2 and 6 (a key longer than the block).
        #expect(
            hex(SHA256.hmac(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8)))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(
            hex(SHA256.hmac(key: [UInt8](repeating: 0xaa, count: 131), message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)))
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
        #expect(constantTimeEqual([1, 2, 3], [1, 2, 3]))
        #expect(!constantTimeEqual([1, 2, 3], [1, 2, 4]))
        #expect(!constantTimeEqual([1, 2], [1, 2, 3]))
    }

    @Test func journalFoldsEventsAndSkipsBrokenLines() throws {
        let path = try TestImages.file(width: 1, height: 1) + ".journal"
        let lines = [
            #"{"event":"submit","ref":"a","operation":"crisp_upscale","image":"x.png","provider":"kie"}"#,
            #"{"event":"submit","ref":"b","operation":"crisp_upscale","image":"y.png","provider":"kie"}"#,
            #"{"event":"sending","ref":"b"}"#,
            #"{"event":"submit","ref":"c","operation":"crisp_upscale","image":"z.png","provider":"kie"}"#,
            #"{"event":"sending","ref":"c"}"#,
            #"{"event":"accepted","ref":"c","task_id":"t-c"}"#,
            #"{"event":"submit","ref":"d","operation":"remove_background","image":"w.png","provider":"kie"}"#,
            #"{"event":"accepted","ref":"d","task_id":"t-d"}"#,
            #"{"event":"finished","ref":"reopened","task_id":"t-d","state":"succeeded","results":["https://r/d.png"]}"#,
            #"{"event":"acc"#
        ]
        try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: path))
        let (entries, problems) = try Journal.read(path: path)
        #expect(entries.map(\.status) == [.notSent, .uncertain, .inFlight, .succeeded])
        #expect(entries[2].taskId == "t-c")
        #expect(entries[3].results == ["https://r/d.png"])
        #expect(problems.count == 1 && problems[0].contains("line 10"))
    }
}
