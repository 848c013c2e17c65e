import Testing

@testable import RecraftKit

@Suite struct ScheduleAndRetryTests {
    @Test func coldScheduleKeepsTheLagUnderAQuarterOfTheElapsedTime() {
        let schedule = PollSchedule(initial: .milliseconds(100), maximum: .seconds(2))
        #expect(schedule.next(elapsed: .zero, jitter: 1) == .milliseconds(100))
        #expect(schedule.next(elapsed: .seconds(1), jitter: 1) == .milliseconds(220))
        #expect(schedule.next(elapsed: .seconds(60), jitter: 1) == .seconds(2))
        // Simulate: polls for tasks of 2 s to 60 s with the largest jitter; the first poll at
        // or after the end is never more than 23.5 % of the duration late, with 1.5 % of it
        // left for the poll's round trip.
        for milliseconds in stride(from: 2000, through: 60000, by: 37) {
            let duration = Duration.milliseconds(milliseconds)
            var time = Duration.zero
            var polls = 0
            while time < duration {
                time += schedule.next(elapsed: time, jitter: 1.05)
                polls += 1
            }
            #expect(time - duration <= duration * 0.235, "\(duration): \(time)")
            #expect(polls < 50)
        }
    }

    @Test func learnedScheduleTakesAboutTwoPolls() {
        let stats = DurationStats()
        #expect(stats.summary(for: .crispUpscale) == nil)
        // 64 tasks spread ±20 % around 10 s.
        for i in 0..<64 { stats.record(.milliseconds(8000 + (i * 4000) / 63), for: .crispUpscale) }
        let summary = try! #require(stats.summary(for: .crispUpscale))
        #expect(stats.summary(for: .vectorize) == nil)
        let schedule = PollSchedule(initial: .milliseconds(100), maximum: .seconds(2), expected: summary)
        var pollCounts: [Int] = []
        var lags: [Double] = []
        for i in 0..<64 {
            let duration = Duration.milliseconds(8000 + (i * 4000) / 63)
            var time = Duration.zero
            var polls = 0
            while time < duration {
                time += schedule.next(elapsed: time, jitter: 1)
                polls += 1
            }
            pollCounts.append(polls)
            lags.append((time - duration) / duration)
        }
        #expect(pollCounts.sorted()[32] <= 2, "\(pollCounts)")
        #expect(lags.sorted()[32] <= 0.10, "\(lags)")
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
        #expect(RetryPolicy.classify(notSent, kind: .submit).code == .network)
        #expect(RetryPolicy.classify(lost, kind: .submit).code == .submitUncertain)
        #expect(RetryPolicy.classify(lost, kind: .poll).code == .timeout)
        #expect(RetryPolicy.isRetryable(RecraftError(.network, ""), kind: .submit))
        #expect(!RetryPolicy.isRetryable(RecraftError(.submitUncertain, ""), kind: .submit))
        #expect(!RetryPolicy.isRetryable(RecraftError(.timeout, ""), kind: .submit))
        #expect(RetryPolicy.isRetryable(RecraftError(.timeout, ""), kind: .poll))
        #expect(RetryPolicy.isRetryable(RecraftError(.rateLimited, "", providerCode: "429"), kind: .submit))
        #expect(!RetryPolicy.isRetryable(RecraftError(.rateLimited, "", providerCode: "433"), kind: .submit))
        #expect(!RetryPolicy.isRetryable(RecraftError(.authentication, ""), kind: .poll))
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
