// A minimal HTTP server for things that are not the emulator: `recraft receive-callbacks`
// takes the provider's callback POSTs with it. It knows nothing of RecraftKit (the sandbox
// target must not depend on it): the caller's handler gets the body and headers and says
// what to answer.

import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

public final class Receiver: Sendable {
    public typealias Handler =
        @Sendable (_ method: String, _ path: String, _ headers: [String: String], _ body: [UInt8]) async -> (
            status: Int, body: String
        )

    private let group: ServiceGroup
    private let server: Task<Void, Never>
    /// `http://HOST:PORT`.
    public let baseURL: String

    /// Bodies above this are refused before the handler sees them (callbacks are small).
    public static let maxBodyBytes = 1 << 20

    private init(group: ServiceGroup, server: Task<Void, Never>, baseURL: String) {
        self.group = group
        self.server = server
        self.baseURL = baseURL
    }

    /// Listens on `host:port` (0: any free port) and serves every request with `handler`.
    public static func start(host: String, port: Int, handler: @escaping Handler) async throws -> Receiver {
        let (ports, continuation) = AsyncStream<Result<Int, any Error>>.makeStream()
        var logger = Logger(label: "recraft-receiver")
        logger.logLevel = .critical
        let app = Application(
            responder: CallbackResponder<BasicRequestContext> { request, _ in
                var request = request
                let body: ByteBuffer
                do { body = try await request.collectBody(upTo: maxBodyBytes) } catch {
                    return Response(status: .contentTooLarge)
                }
                var headers: [String: String] = [:]
                for field in request.headers { headers[field.name.canonicalName] = field.value }
                let (status, text) = await handler(request.method.rawValue, request.uri.path, headers, Array(buffer: body))
                var buffer = ByteBuffer()
                buffer.writeString(text)
                return Response(
                    status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json"],
                    body: ResponseBody(byteBuffer: buffer))
            },
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in continuation.yield(.success(channel.localAddress?.port ?? 0)) },
            logger: logger
        )
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let server = Task {
            do { try await group.run() } catch { continuation.yield(.failure(error)) }
            continuation.finish()
        }
        for await outcome in ports {
            let port = try outcome.get()
            let shown = host.contains(":") ? "[\(host)]" : host
            return Receiver(group: group, server: server, baseURL: "http://\(shown):\(port)")
        }
        throw SandboxError("the receiver stopped before it was listening on \(host):\(port)")
    }

    public func shutdown() async {
        await group.triggerGracefulShutdown()
        await server.value
    }
}
