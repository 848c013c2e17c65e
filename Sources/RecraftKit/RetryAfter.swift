import FoundationEssentials

/// Reads a `Retry-After` header: delta-seconds ("120") or an HTTP-date
/// ("Wed, 21 Oct 2015 07:28:00 GMT"). nil when absent or unreadable.
///
/// The value comes from a server, so nothing here may overflow: waits are clamped to
/// `longest` (a week, the longest `job_timeout_ms`), and the retry loop then gives up at
/// the job's deadline rather than wait past it.
enum RetryAfter {
    static let longest: Duration = .seconds(7 * 24 * 3600)

    static func parse(_ value: String?, now: Date = Date()) -> Duration? {
        guard let value = value?.trimmed, !value.isEmpty else { return nil }
        if value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            // Digits only (RFC 9110 delta-seconds); too many to fit an Int is "very long".
            guard let seconds = Int64(value) else { return longest }
            return min(.seconds(seconds), longest)
        }
        guard let date = httpDate(value) else { return nil }
        let delta = date.timeIntervalSince(now)
        guard delta.isFinite, delta > 0 else { return .zero }
        guard delta < Double(longest.components.seconds) else { return longest }
        return .milliseconds(Int64(delta * 1000))
    }

    /// IMF-fixdate, the only form servers must send (RFC 9110 §5.6.7). Years outside
    /// 1970–9999 are refused (nil), which also keeps the arithmetic far from overflow.
    static func httpDate(_ text: String) -> Date? {
        let parts = text.split(separator: " ")
        let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        guard parts.count == 6, parts[5].uppercased() == "GMT", parts[3].count == 4,
            let day = Int(parts[1]), let month = months.firstIndex(of: parts[2].lowercased()), let year = Int(parts[3]),
            (1970...9999).contains(year)
        else { return nil }
        let clock = parts[4].split(separator: ":").compactMap { Int($0) }
        guard clock.count == 3, (1...31).contains(day), (0...23).contains(clock[0]), (0...59).contains(clock[1]), (0...60).contains(clock[2]) else {
            return nil
        }
        // Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
        let m = month + 1
        let y = m <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (m + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        let seconds = days * 86_400 + clock[0] * 3600 + clock[1] * 60 + clock[2]
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }
}
