/// The wire format a provider speaks.
public enum Dialect: String, Sendable {
    /// kie.ai's Market job API: createTask, then recordInfo or a callback.
    case market
    /// kie's dedicated Recraft endpoints (`/api/v1/recraft/...`).
    case kieRecraft = "kie-recraft"
    /// Recraft's own synchronous API.
    case recraft
}

/// A known provider: its dialect, default hosts and where its API key comes from.
public enum Preset: String, Sendable, CaseIterable {
    case kie
    case apikley
    case kieRecraft = "kie-recraft"
    case recraft
    case recraftMirror = "recraft-mirror"
    /// The local emulator (`recraft sandbox`); speaks the market dialect by default.
    case sandbox

    public var dialect: Dialect {
        switch self {
        case .kie, .apikley, .sandbox: .market
        case .kieRecraft: .kieRecraft
        case .recraft, .recraftMirror: .recraft
        }
    }

    /// The API's base URL, or nil when the user must give one.
    public var defaultBaseURL: String? {
        switch self {
        case .kie, .kieRecraft: "https://api.kie.ai"
        case .apikley: "https://api.apikley.ru"
        case .recraft: "https://external.api.recraft.ai/v1"
        case .recraftMirror, .sandbox: nil
        }
    }

    /// The upload API's base URL when it differs from the API's (kie's uploads live on
    /// another host). nil: uploads go to the base URL.
    public var defaultUploadURL: String? {
        switch self {
        case .kie, .kieRecraft: "https://kieai.redpandaai.co"
        default: nil
        }
    }

    /// The environment variable the API key is read from when the config names none.
    public var apiKeyVariable: String? {
        switch self {
        case .kie, .kieRecraft: "KIE_API_KEY"
        case .apikley: "APIKLEY_API_KEY"
        case .recraft, .recraftMirror: "RECRAFT_API_TOKEN"
        case .sandbox: nil
        }
    }

    /// The provider's documented limits, kept by every client of the preset (none for the
    /// sandbox): kie's 20 createTask per 10 s and 10 recordInfo per s; Recraft's 5 requests
    /// per s and 100 images per minute, per user.
    var defaultRateLimits: (submit: [RateLimit], poll: [RateLimit]) {
        switch dialect {
        case _ where self == .sandbox: ([], [])
        case .market, .kieRecraft: ([RateLimit(count: 20, window: .seconds(10))], [RateLimit(count: 10, window: .seconds(1))])
        case .recraft: ([RateLimit(count: 5, window: .seconds(1)), RateLimit(count: 100, window: .seconds(60))], [])
        }
    }

    static var allNames: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
