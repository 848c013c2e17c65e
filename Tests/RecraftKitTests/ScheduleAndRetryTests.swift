import Testing
@testable import RecraftKit

@Suite struct ScheduleAndRetryTests {
    @Test func pollScheduleBacksOffToItsCap() {
        var schedule = PollSchedule(initial: .milliseconds(100), maximum: .seconds(1))
        let waits = (0..<10).map { _ in schedule.next(jitter: 1) }
        #expect(waits.first == .milliseconds(100))
        #expect(waits[1] == .milliseconds(150))
        #expect(zip(waits, waits.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(waits.last == .seconds(1))
    }

    @Test func retryDelayIsFullJitterUnderACap() {
        #expect(retryDelay(attempt: 0, random: 1) == .milliseconds(250))
        #expect(retryDelay(attempt: 3, random: 1) == .seconds(2))
        #expect(retryDelay(attempt: 30, random: 1) == .seconds(10))
        #expect(retryDelay(attempt: 3, random: 0) == .zero)
    }

    @Test func submitIsRetriedOnlyWhenCertainlyNotTaken() {
        let notSent = TransportError(kind: .connect, message: "refused", mayHaveBeenSent: false)
        let lost = TransportError(kind: .timeout, message: "no reply", mayHaveBeenSent: true)
        #expect(Client.classify(notSent, idempotent: false).code == .network)
        #expect(Client.classify(lost, idempotent: false).code == .submitUncertain)
        #expect(Client.classify(lost, idempotent: true).code == .timeout)
        #expect(Client.isRetryable(RecraftError(.network, ""), idempotent: false))
        #expect(!Client.isRetryable(RecraftError(.submitUncertain, ""), idempotent: false))
        #expect(!Client.isRetryable(RecraftError(.timeout, ""), idempotent: false))
        #expect(Client.isRetryable(RecraftError(.timeout, ""), idempotent: true))
        #expect(Client.isRetryable(RecraftError(.rateLimited, "", providerCode: "429"), idempotent: false))
        #expect(!Client.isRetryable(RecraftError(.rateLimited, "", providerCode: "433"), idempotent: false))
        #expect(!Client.isRetryable(RecraftError(.authentication, ""), idempotent: true))
    }

    @Test func sniffsImageTypesFromTheirFirstBytes() {
        #expect(InputCheck.sniff([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0]) == .png)
        #expect(InputCheck.sniff([0xFF, 0xD8, 0xFF, 0xE0]) == .jpeg)
        #expect(InputCheck.sniff(Array("RIFF\0\0\0\0WEBPVP8L".utf8)) == .webp)
        #expect(InputCheck.sniff(Array("<svg xmlns='http://www.w3.org/2000/svg'/>".utf8)) == .svg)
        #expect(InputCheck.sniff(Array("GIF89a".utf8)) == nil)
        #expect(InputCheck.sniff([]) == nil)
    }

    @Test func percentEncodingKeepsOnlyUnreservedCharacters() {
        #expect("a b&c=d/é".percentEncodedQueryValue == "a%20b%26c%3Dd%2F%C3%A9")
        #expect("task_1-2.3~".percentEncodedQueryValue == "task_1-2.3~")
        #expect("  x \n".trimmed == "x")
        #expect("k-SECRET-k".replacingAll("SECRET", with: "[redacted]") == "k-[redacted]-k")
    }
}
