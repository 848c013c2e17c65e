// The clients a command needs, one per provider endpoint, made on first use; and the
// sandbox a command runs inside itself for `--provider sandbox` with no `--base-url`.

import Foundation
import RecraftKit
import RecraftSandbox
import Synchronization

/// Where a job goes: a preset and its base URL (nil: the preset's default).
struct Endpoint: Hashable, Sendable {
    var preset: Preset
    var baseURL: String?
    /// A sandbox speaking another preset's dialect (the Recraft one, for the operations
    /// the Market dialect lacks): no API key is needed.
    var sandbox: Bool

    /// The sandbox serves every dialect on one base URL: its own preset (the Market
    /// dialect), Recraft's API under /v1 and the mirrors' paths. An operation goes to the
    /// first of them whose preset offers it in the catalog.
    private static let sandboxRoutes: [(preset: Preset, path: String)] = [(.sandbox, ""), (.recraft, "/v1"), (.recraftMirror, "")]

    static func sandbox(at baseURL: String, for operation: RecraftKit.Operation) -> Endpoint {
        let route = sandboxRoutes.first { operation.presets.contains($0.preset) } ?? sandboxRoutes[0]
        return Endpoint(preset: route.preset, baseURL: baseURL + route.path, sandbox: true)
    }

    /// True when the sandbox (`--provider sandbox`) runs `operation`.
    static func sandboxServes(_ operation: RecraftKit.Operation) -> Bool {
        sandboxRoutes.contains { operation.presets.contains($0.preset) }
    }
}

final class ClientPool: Sendable {
    private let options: ClientSettings
    private let journalPath: String?
    /// The sandbox this command runs, if it runs one.
    let embedded: Sandbox?
    private let clients = Mutex<[Endpoint: Result<Client, RecraftError>]>([:])

    private init(options: ClientSettings, journalPath: String?, embedded: Sandbox?) {
        self.options = options
        self.journalPath = journalPath
        self.embedded = embedded
    }

    /// A pool for `options`; starts the embedded sandbox when the options ask for one.
    static func start(_ options: ClientSettings, journalPath: String?) async throws -> ClientPool {
        guard options.runsEmbeddedSandbox else { return ClientPool(options: options, journalPath: journalPath, embedded: nil) }
        do {
            let sandbox = try await Sandbox.start(SandboxConfiguration())
            return ClientPool(options: options, journalPath: journalPath, embedded: sandbox)
        } catch {
            throw CommandFailure(
                "cannot start the built-in sandbox: \(error); run `recraft sandbox` in another terminal and pass its URL with --base-url",
                exitCode: .someFailed)
        }
    }

    /// Where the command line sends `operation`.
    func endpoint(for operation: RecraftKit.Operation) -> Endpoint {
        let preset = options.preset
        if let embedded { return .sandbox(at: embedded.baseURL, for: operation) }
        if preset == .sandbox, let baseURL = options.baseURL {
            return .sandbox(at: baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL, for: operation)
        }
        return Endpoint(preset: preset, baseURL: options.baseURL, sandbox: false)
    }

    /// The client for `endpoint`, made once; a configuration error (no API key, a bad
    /// URL) is made once too and given to every job that asks.
    func client(for endpoint: Endpoint) throws(RecraftError) -> Client {
        let result = clients.withLock { clients in
            if let made = clients[endpoint] { return made }
            let made = Result { () throws(RecraftError) -> Client in try Client(configuration(for: endpoint)) }
            clients[endpoint] = made
            return made
        }
        return try result.get()
    }

    private func configuration(for endpoint: Endpoint) throws(RecraftError) -> Configuration {
        // Any key will do for a sandbox. Not the core's placeholder "sandbox": the core
        // redacts the key from every message, and that word is in many of them.
        let key = endpoint.sandbox ? (options.apiKey ?? "sandbox-needs-no-key") : options.apiKey
        var configuration = try Configuration(
            provider: endpoint.preset, apiKey: key, baseURL: endpoint.baseURL,
            allowInsecureHTTP: options.allowInsecureHTTP)
        if let timeout = options.timeout { configuration.jobTimeout = .milliseconds(Int64(timeout * 1000)) }
        configuration.journalPath = journalPath
        configuration.store = options.store
        return configuration
    }

    func shutdown() async {
        await embedded?.shutdown()
    }
}
