import FoundationEssentials

#if canImport(Glibc)
import Glibc
#endif

/// How a client talks to its provider. Build one in Swift, or from the JSON the C API
/// and the bindings pass (`Configuration(json:)`); every field has a sensible default
/// but the preset.
public struct Configuration: Sendable {
    public var provider: Preset
    /// The API key. Sent only to `baseURL` and `uploadURL`, never to a result host.
    public var apiKey: String
    public var baseURL: String
    public var uploadURL: String
    /// The folder uploads go to on the upload API (`uploadPath`).
    public var uploadPath: String = "recraftkit"
    public var userAgent: String = "RecraftKit/\(RecraftKitVersion.version) libcurl"
    /// A result download must finish within this (and send at least `minimumSpeed`
    /// bytes per second, averaged over `stallTimeout`).
    public var downloadTimeout: Duration = .seconds(10 * 60)
    /// Connecting must finish within this.
    public var connectTimeout: Duration = .seconds(10)
    /// One HTTP request (an API call; not a download) must finish within this.
    public var requestTimeout: Duration = .seconds(60)
    /// A request or download that receives no byte for this long is abandoned.
    public var stallTimeout: Duration = .seconds(30)
    /// A job is given up on after this long, counted from submit. Its task id is kept:
    /// it can be reopened with `Client.open`.
    public var jobTimeout: Duration = .seconds(15 * 60)
    /// How many times a request that certainly did not reach the provider, or a poll,
    /// is tried again.
    public var maxRetries: Int = 3
    /// The first wait between polls, and the longest one the schedule backs off to.
    public var pollInitial: Duration
    public var pollMax: Duration
    /// API replies larger than this are refused (hostile or broken servers).
    public var maxResponseBytes: Int = 16 << 20
    /// Result downloads larger than this are refused.
    public var maxDownloadBytes: Int = 512 << 20
    /// `http://` is refused except on loopback unless this is set.
    public var allowInsecureHTTP: Bool = false
    /// A saved result is on disk (fdatasync) before it is renamed into place, so that even
    /// a power cut leaves the whole file or none. false: whole or none against a crash of
    /// the process (the rename) but not against a power cut, and no wait for the disk: for
    /// callers who can run a job again, or who sync themselves (as `curl -o` does not).
    public var durableDownloads: Bool = true
    /// The same bytes are uploaded once for every worker of the account while the link is
    /// good (the store keeps each upload by the file's SHA-256). false: no hash, no lookup,
    /// every input uploaded, for callers who never send the same image twice (the hash of
    /// a 10 MB input is 6 ms of CPU, a fifth of its upload at loopback speed).
    public var uploadCache: Bool = true
    /// Client-side limits on creates and on polls, kept together by every client on the
    /// same account and store, so a batch stays within the provider's documented limits
    /// instead of being dropped with 429. Empty: no limit. kie: 20 createTask per 10 s and
    /// 10 recordInfo per s; Recraft: 5 requests per s and 100 per minute.
    public var submitRateLimits: [RateLimit] = []
    public var pollRateLimits: [RateLimit] = []
    /// Where the limits, the job ledger, callback outcomes and the upload cache are
    /// shared. nil: `RECRAFT_STORE`, else the SQLite file in the per-user state folder.
    public var store: StoreLocation?
    /// Which rows of the store are this account's. nil: derived from the provider, the
    /// base URL and a hash of the API key. Give several keys of one account the same scope.
    public var storeScope: String?
    public var journalPath: String?
    public var webhookSecret: String?

    /// A configuration for `provider`, with the API key from its environment variable
    /// unless `apiKey` is given.
    public init(
        provider: Preset, apiKey: String? = nil, baseURL: String? = nil, uploadURL: String? = nil,
        allowInsecureHTTP: Bool = false
    ) throws(RecraftError) {
        self.provider = provider
        self.allowInsecureHTTP = allowInsecureHTTP
        guard let base = baseURL ?? provider.defaultBaseURL else {
            let hint =
                provider == .sandbox
                ? "start one with `recraft sandbox` and pass the URL it prints"
                : "pass the mirror's URL"
            throw RecraftError(.invalidConfig, "provider \"\(provider.rawValue)\" needs a base_url: \(hint)")
        }
        self.baseURL = try Self.checkedURL(base, field: "base_url", allowInsecure: allowInsecureHTTP)
        let upload = uploadURL ?? (baseURL == nil ? provider.defaultUploadURL : nil) ?? self.baseURL
        self.uploadURL = try Self.checkedURL(upload, field: "upload_url", allowInsecure: allowInsecureHTTP)
        self.apiKey = try Self.resolveKey(apiKey, provider: provider)
        let local = provider == .sandbox || Self.isLoopback(self.baseURL)
        pollInitial = local ? .milliseconds(100) : .seconds(2)
        pollMax = local ? .seconds(2) : .seconds(15)
        (submitRateLimits, pollRateLimits) = provider.defaultRateLimits
    }

    /// Checks what a Swift caller could set to something unsafe; `Client` calls it, and so
    /// does `init(json:)`, so a bad value is an error before anything runs.
    public func validate() throws(RecraftError) {
        // It becomes a request header: a CR or LF would let it inject others.
        guard userAgent.utf8.count <= 512, !userAgent.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw RecraftError(.invalidConfig, "user_agent must be one line of printable text (no CR, LF or control characters), at most 512 bytes")
        }
        if webhookSecret?.isEmpty == true {
            throw RecraftError(.invalidConfig, "webhook_secret is empty: anyone could sign a callback with it; pass kie's webhookHmacKey, or leave the key out")
        }
        let week = Duration.seconds(7 * 24 * 3600)
        for (name, value) in [
            ("connect_timeout_ms", connectTimeout), ("timeout_ms", requestTimeout), ("stall_timeout_ms", stallTimeout),
            ("job_timeout_ms", jobTimeout), ("download_timeout_ms", downloadTimeout),
            ("poll_initial_ms", pollInitial), ("poll_max_ms", pollMax)
        ] {
            guard value > .zero, value <= week else {
                throw RecraftError(.invalidConfig, "\(name) must be from 1 ms to 7 days")
            }
        }
        if pollMax < pollInitial {
            throw RecraftError(.invalidConfig, "poll_max_ms is smaller than poll_initial_ms: raise poll_max_ms")
        }
        guard (0...20).contains(maxRetries) else { throw RecraftError(.invalidConfig, "max_retries must be from 0 to 20") }
        guard maxResponseBytes >= 1024, maxDownloadBytes >= 1024 else {
            throw RecraftError(.invalidConfig, "max_response_bytes and max_download_bytes must be at least 1024")
        }
        for (name, limits) in [("submit_rate_limit", submitRateLimits), ("poll_rate_limit", pollRateLimits)] {
            for limit in limits {
                guard (1...RateLimit.largestCount).contains(limit.count), limit.window > .zero,
                    limit.window <= .milliseconds(RateLimit.longestWindow)
                else {
                    throw RecraftError(.invalidConfig, "\(name) must allow 1 to \(RateLimit.largestCount) requests per window of 1 ms to 1 day")
                }
            }
        }
        if let storeScope, storeScope.isEmpty || storeScope.utf8.count > 200 || storeScope.unicodeScalars.contains(where: { $0.value < 0x20 }) {
            throw RecraftError(.invalidConfig, "store_scope must be 1 to 200 bytes of printable text")
        }
    }

    /// The store this client uses: `store`, else `RECRAFT_STORE`, else the default file.
    func resolvedStore() throws(RecraftError) -> StoreLocation {
        if let store { return store }
        return try StoreLocation.fromEnvironment()
    }

    /// This account's rows in the store.
    var resolvedScope: String {
        storeScope ?? StoreLocation.defaultScope(provider: provider, baseURL: baseURL, apiKey: apiKey)
    }

    /// What the sandbox preset sends when no key is given: the sandbox accepts any.
    static let sandboxKey = "sandbox"

    static func resolveKey(_ explicit: String?, provider: Preset) throws(RecraftError) -> String {
        if let explicit {
            guard !explicit.isEmpty else {
                throw RecraftError(.invalidConfig, "api_key is empty: pass the key, or leave it out to read it from the environment")
            }
            guard !explicit.contains(where: { $0.isNewline || $0 == "\0" }) else {
                throw RecraftError(.invalidConfig, "api_key contains a line break or NUL: check how it was read")
            }
            return explicit
        }
        guard let variable = provider.apiKeyVariable else { return sandboxKey }
        if let value = getenv(variable).map({ String(cString: $0) }), !value.isEmpty {
            return value
        }
        throw RecraftError(
            .authentication,
            "no API key: set \(variable) or pass \"api_key\" in the config (or use provider \"sandbox\" to try it offline)")
    }

    /// Validates a URL setting and drops a trailing slash.
    static func checkedURL(_ text: String, field: String, allowInsecure: Bool) throws(RecraftError) -> String {
        try URLPolicy.check(text, allowInsecure: allowInsecure, what: field, code: .invalidConfig)
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    /// True when the URL's host is on this machine (see `URLPolicy.isLoopback`).
    static func isLoopback(_ text: String) -> Bool { URLPolicy.isLoopback(text) }
}
