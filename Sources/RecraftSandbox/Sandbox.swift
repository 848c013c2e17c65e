// The sandbox: a local emulator of every provider dialect RecraftKit speaks, on one
// loopback base URL, at the real paths. It is written from the provider documents and
// shares no code with the client, so a misreading cannot hide by being made twice.

import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

public final class Sandbox: Sendable {
    let configuration: SandboxConfiguration
    let counters = StatsRecorder()
    let files = FileStore()
    let tasks = TaskStore()
    let faults: FaultPlan
    let imageCache = ImageWorkCache()
    let ledger: SandboxLedger
    let links = LinkRegistry()
    private let runtime = Mutex(Runtime())

    private struct Runtime {
        var port = 0
        var baseURL = ""
        var server: Task<Void, Never>?
        var group: ServiceGroup?
        var background: [UUID: Task<Void, Never>] = [:]
        var shutDown = false
    }

    private init(configuration: SandboxConfiguration) {
        self.configuration = configuration
        self.faults = FaultPlan(faults: configuration.faults, rateLimits: configuration.rateLimits)
        self.ledger = SandboxLedger(balance: configuration.credits ?? SandboxConfiguration.unlimitedCredits)
    }

    /// Starts a sandbox and returns once it is listening.
    public static func start(_ configuration: SandboxConfiguration = .init()) async throws -> Sandbox {
        let sandbox = Sandbox(configuration: configuration)
        try await sandbox.listen()
        return sandbox
    }

    /// `http://HOST:PORT`, no trailing slash.
    public var baseURL: String { runtime.withLock { $0.baseURL } }

    public var port: Int { runtime.withLock { $0.port } }

    public func stats() -> SandboxStats { counters.snapshot() }

    /// Adds a fault rule (after those already in force). Throws if the rule cannot work.
    public func addFault(_ fault: SandboxFault) throws { try faults.add(fault) }

    /// Replaces the rate limits in force.
    public func setRateLimits(_ limits: [SandboxRateLimit]) throws { try faults.setRateLimits(limits) }

    /// Removes every fault rule and rate limit.
    public func clearFaults() { faults.clear() }

    /// Stops listening and cancels pending work (image jobs, callbacks). The server shuts
    /// down gracefully: cancelling its task instead can trap inside NIO when a connection
    /// was accepted but not yet served (apple/swift-nio#3481). A request that would hold
    /// the shutdown up (a stall fault) gets 5 s, then the server is cancelled after all.
    public func shutdown() async {
        let (server, group, background) = runtime.withLock { state in
            state.shutDown = true
            defer {
                state.server = nil
                state.group = nil
                state.background = [:]
            }
            return (state.server, state.group, Array(state.background.values))
        }
        background.forEach { $0.cancel() }
        await group?.triggerGracefulShutdown()
        if let server {
            let watchdog = Task {
                try? await Task.sleep(for: .seconds(5))
                if !Task.isCancelled { server.cancel() }
            }
            await server.value
            watchdog.cancel()
        }
        for task in background { await task.value }
    }

    deinit {
        // Graceful here too, for the same reason as in shutdown().
        let (group, background) = runtime.withLock { ($0.group, Array($0.background.values)) }
        background.forEach { $0.cancel() }
        if let group { Task { await group.triggerGracefulShutdown() } }
    }

    private func listen() async throws {
        let (ports, continuation) = AsyncStream<Result<Int, any Error>>.makeStream()
        var logger = Logger(label: "recraft-sandbox")
        logger.logLevel = .critical
        let app = Application(
            // Weak, so a sandbox dropped without shutdown() is stopped by its deinit.
            responder: CallbackResponder<SandboxContext> { [weak self] request, context in
                guard let self else { return Response(status: .serviceUnavailable) }
                return await self.respond(to: request, context: context)
            },
            // A deep backlog: benchmarks open thousands of connections at once.
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil, backlog: 4096),
            onServerRunning: { channel in continuation.yield(.success(channel.localAddress?.port ?? 0)) },
            logger: logger
        )
        // Our own service group, without signal handling (the CLI handles signals), so that
        // shutdown() can be graceful.
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let server = Task {
            do {
                try await group.run()
            } catch {
                continuation.yield(.failure(error))
            }
            continuation.finish()
        }
        runtime.withLock {
            $0.server = server
            $0.group = group
        }
        for await outcome in ports {
            let port = try outcome.get()
            let host = configuration.host == "0.0.0.0" || configuration.host == "::" ? "127.0.0.1" : configuration.host
            let shownHost = host.contains(":") ? "[\(host)]" : host
            runtime.withLock {
                $0.port = port
                $0.baseURL = "http://\(shownHost):\(port)"
            }
            return
        }
        throw SandboxError("the sandbox server stopped before it was listening")
    }

    /// Runs `work` as a tracked background task, cancelled by `shutdown()`.
    func background(_ work: @escaping @Sendable () async -> Void) {
        let id = UUID()
        // Created under the lock so its own removal (which takes the lock) comes after the insert.
        runtime.withLock { state in
            guard !state.shutDown else { return }
            state.background[id] = Task { [self] in
                await work()
                runtime.withLock { _ = $0.background.removeValue(forKey: id) }
            }
        }
    }

    var isShutDown: Bool { runtime.withLock { $0.shutDown } }

    /// URL of a stored file, as clients should fetch it (percent-encoded: upload names
    /// may hold spaces or any other character but '/').
    func fileURL(_ path: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%;")
        return "\(baseURL)/files/\(path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path)"
    }
}

struct SandboxError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
