import Dispatch

extension Client {
    /// The account's balance, in the provider's unit (`Capabilities.creditUnit`: kie
    /// credits, Recraft API units). A free read, rate-limited with the polls. Throws
    /// `.unsupported` for presets with no balance endpoint (kie-recraft, recraft-mirror).
    public func credits() async throws(RecraftError) -> Double {
        let preset = configuration.provider
        guard let endpoint = Catalog.account(preset).balance else {
            let others = Preset.allCases.filter { Catalog.account($0).balance != nil }.map(\.rawValue)
            throw RecraftError(
                .unsupported, "\(preset.rawValue) documents no balance endpoint; presets that have one: \(others.joined(separator: ", "))")
        }
        try Lifetime.checkPool()
        let result = await Deadline.$current.withValue(.now + configuration.requestTimeout) { () async -> Result<Double, RecraftError> in
            do throws(RecraftError) {
                return .success(
                    try await retrying(.poll) { () async throws(RecraftError) -> Double in
                        try endpoint.decode(try await call(endpoint.request(baseURL: configuration.baseURL), kind: .poll), preset: preset)
                    })
            } catch { return .failure(redacted(error)) }
        }
        return try result.get()
    }

    /// Blocking `credits()`, for the C API. Must not be called from a Swift concurrency thread.
    public func creditsBlocking() throws(RecraftError) -> Double {
        try Lifetime.checkPool()
        let box = ResultBox<Double>()
        let done = DispatchSemaphore(value: 0)
        Task { [self] in
            do throws(RecraftError) { box.value = .success(try await credits()) } catch { box.value = .failure(error) }
            done.signal()
        }
        done.wait()
        return try box.get()
    }

    /// A fresh link for a result URL whose link expired (kie's download-url), or nil when
    /// the preset cannot refresh links. The refresh goes to the provider's API host with
    /// the key (`call`); the link it returns is fetched without it, like any result.
    func refreshedLink(_ url: String) async throws(RecraftError) -> String? {
        guard Catalog.account(configuration.provider).refreshesLinks else { return nil }
        let preset = configuration.provider
        return try await retrying(.poll) { () async throws(RecraftError) -> String in
            try LinkRefresh.decode(try await call(LinkRefresh.request(url: url, baseURL: configuration.baseURL), kind: .poll), preset: preset)
        }
    }
}
