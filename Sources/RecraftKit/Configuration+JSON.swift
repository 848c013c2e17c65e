import FoundationEssentials

extension Configuration {
    static let jsonKeys: Set<String> = [
        "provider", "api_key", "base_url", "upload_url", "upload_path", "user_agent",
        "connect_timeout_ms", "timeout_ms", "download_timeout_ms", "stall_timeout_ms", "job_timeout_ms", "max_retries",
        "poll_initial_ms", "poll_max_ms", "max_response_bytes", "max_download_bytes",
        "allow_insecure_http", "durable_downloads", "upload_cache", "journal_path", "webhook_secret",
        "submit_rate_limit", "poll_rate_limit", "store", "store_scope"
    ]

    /// Parses the JSON object the C API and the bindings pass. Unknown keys are refused,
    /// so that a typo (`"apiKey"`) is an error rather than a silently ignored setting.
    public init(json: String) throws(RecraftError) {
        let object = try JSONSyntax.object(json, what: "the config", code: .invalidConfig, example: "{\"provider\": \"kie\"}")
        let reader = FieldReader(object: object, what: "config", code: .invalidConfig)
        if let unknown = object.keys.filter({ !Self.jsonKeys.contains($0) }).sorted().first {
            throw RecraftError(
                .invalidConfig,
                "unknown config key \"\(unknown)\"; known keys: \(Self.jsonKeys.sorted().joined(separator: ", "))")
        }
        guard let name = try reader.string("provider") else {
            throw RecraftError(.invalidConfig, "the config needs \"provider\": one of \(Preset.allNames)")
        }
        guard let preset = Preset(rawValue: name) else {
            throw RecraftError(.invalidConfig, "unknown provider \"\(name)\"; use one of \(Preset.allNames)")
        }
        self = try Configuration(
            provider: preset, apiKey: try reader.string("api_key"),
            baseURL: try reader.string("base_url"), uploadURL: try reader.string("upload_url"),
            allowInsecureHTTP: try reader.bool("allow_insecure_http") ?? false)
        if let value = try reader.string("upload_path") {
            guard !value.isEmpty, !value.hasPrefix("/"), !value.hasSuffix("/") else {
                throw RecraftError(.invalidConfig, "upload_path must be a folder path with no leading or trailing slash")
            }
            uploadPath = value
        }
        if let value = try reader.string("user_agent"), !value.isEmpty { userAgent = value }
        if let value = try reader.milliseconds("connect_timeout_ms") { connectTimeout = value }
        if let value = try reader.milliseconds("timeout_ms") { requestTimeout = value }
        if let value = try reader.milliseconds("stall_timeout_ms") { stallTimeout = value }
        if let value = try reader.milliseconds("download_timeout_ms") { downloadTimeout = value }
        if let value = try reader.milliseconds("job_timeout_ms") { jobTimeout = value }
        if let value = try reader.integer("max_retries", in: 0...20) { maxRetries = value }
        if let value = try reader.milliseconds("poll_initial_ms") { pollInitial = value }
        if let value = try reader.milliseconds("poll_max_ms") { pollMax = value }
        if let value = try reader.integer("max_response_bytes", in: 1024...(1 << 30)) { maxResponseBytes = value }
        if let value = try reader.integer("max_download_bytes", in: 1024...(1 << 40)) { maxDownloadBytes = value }
        if let text = try reader.string("submit_rate_limit") {
            submitRateLimits = try RateLimit.parse(text, key: "submit_rate_limit")
        }
        if let text = try reader.string("poll_rate_limit") {
            pollRateLimits = try RateLimit.parse(text, key: "poll_rate_limit")
        }
        if let value = try reader.bool("durable_downloads") { durableDownloads = value }
        if let value = try reader.bool("upload_cache") { uploadCache = value }
        journalPath = try reader.string("journal_path")
        if let text = try reader.string("store") { store = try StoreLocation.parse(text) }
        storeScope = try reader.string("store_scope")
        webhookSecret = try reader.string("webhook_secret")
        try validate()
    }
}

/// Reads typed fields from a JSON object, with errors that name the field.
struct FieldReader {
    let object: [String: JSONValue]
    let what: String
    let code: RecraftError.Code

    func string(_ key: String) throws(RecraftError) -> String? {
        guard let value = object[key], !value.isNull else { return nil }
        guard case .string(let text) = value else { throw wrongType(key, "a string") }
        return text
    }

    func bool(_ key: String) throws(RecraftError) -> Bool? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let flag = value.bool else { throw wrongType(key, "true or false") }
        return flag
    }

    func integer(_ key: String, in range: ClosedRange<Int>) throws(RecraftError) -> Int? {
        guard let value = object[key], !value.isNull else { return nil }
        guard case .number = value, let number = value.int else { throw wrongType(key, "a whole number") }
        guard range.contains(number) else {
            throw RecraftError(code, "\(what) key \"\(key)\" is \(number); it must be from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    func milliseconds(_ key: String) throws(RecraftError) -> Duration? {
        try integer(key, in: 1...(7 * 24 * 3600 * 1000)).map { .milliseconds($0) }
    }

    private func wrongType(_ key: String, _ expected: String) -> RecraftError {
        RecraftError(code, "\(what) key \"\(key)\" must be \(expected)")
    }
}
