/// What a provider says about a finished task besides its results: the credits it
/// consumed and when it completed. Every field is optional: providers say it or not.
struct TaskReceipt: Equatable, Sendable {
    /// Credits consumed, in the provider's unit (kie credits, Recraft API units).
    var credits: Double? = nil
    /// When the task completed, in ms since 1970 (kie's `completeTime`).
    var completedAtMillis: Int? = nil

    /// From a kie record or callback `data`: `creditsConsumed` (older payloads:
    /// `consumeCredits`) and `completeTime` (wire-spec A.4, A.5).
    init(record: JSONValue) {
        credits = Self.amount(record["creditsConsumed"]) ?? Self.amount(record["consumeCredits"])
        completedAtMillis = record["completeTime"]?.int.flatMap { $0 > 0 ? $0 : nil }
    }

    init(credits: Double? = nil, completedAtMillis: Int? = nil) {
        self.credits = credits
        self.completedAtMillis = completedAtMillis
    }

    /// An amount of credits from outside: a number or a numeric string, finite, not
    /// negative, below 10^12; anything else is no amount (never a trap).
    static func amount(_ value: JSONValue?) -> Double? {
        let number: Double? =
            switch value {
            case .number(let number)?: number
            case .string(let text)?: Double(text.trimmed)
            default: nil
            }
        guard let number, number.isFinite, number >= 0, number < 1e12 else { return nil }
        return number
    }
}
