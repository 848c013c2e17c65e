// A minimal HTTP/1.1 client over SwiftNIO, for the two things the sandbox sends itself:
// callbacks (POST) and input images on other loopback servers (GET). One request per
// connection (`Connection: close`), a hard deadline, a cap on the body. No TLS, no
// redirects: the targets are loopback test servers.

import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

struct LoopbackResponse: Sendable {
    var status: Int
    var contentType: String?
    var body: [UInt8]
}

struct LoopbackHTTPError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

enum LoopbackHTTPClient {
    static let userAgent = "recraft-sandbox/1"

    /// Whether `url` names this machine (the only place the sandbox may reach).
    static func isLoopback(_ url: URL) -> Bool {
        guard let host = url.host?.lowercased() else { return false }
        return host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    static func send(
        _ method: HTTPMethod, to url: URL, headers: [(String, String)] = [], body: [UInt8]? = nil,
        timeout: Duration = .seconds(10), maxBodyBytes: Int = 64 * 1024 * 1024
    ) async throws -> LoopbackResponse {
        guard url.scheme?.lowercased() == "http", let host = url.host else {
            throw LoopbackHTTPError("only http:// loopback URLs can be reached from the sandbox")
        }
        let port = url.port ?? 80
        var target = url.path.isEmpty ? "/" : url.path
        if let components = URLComponents(url: url, resolvingAgainstBaseURL: false) {
            target = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
            if let query = components.percentEncodedQuery { target += "?\(query)" }
        }
        let deadline = TimeAmount.milliseconds(
            Int64(timeout.components.seconds * 1000)
                + Int64(timeout.components.attoseconds / 1_000_000_000_000_000))
        let connectHost = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host

        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(deadline)
            .connect(host: connectHost, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(
                        wrappingChannelSynchronously: channel
                    )
                }
            }
        // The deadline closes the connection, which ends the read loop below with an error.
        let timer = channel.channel.eventLoop.scheduleTask(in: deadline) { channel.channel.close(promise: nil) }
        defer { timer.cancel() }

        return try await channel.executeThenClose { inbound, outbound in
            var head = HTTPRequestHead(version: .http1_1, method: method, uri: target)
            head.headers.add(name: "Host", value: url.port.map { "\(host):\($0)" } ?? host)
            head.headers.add(name: "User-Agent", value: userAgent)
            head.headers.add(name: "Connection", value: "close")
            for (name, value) in headers { head.headers.add(name: name, value: value) }
            if let body { head.headers.add(name: "Content-Length", value: String(body.count)) }
            try await outbound.write(.head(head))
            if let body { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
            try await outbound.write(.end(nil))

            var response = LoopbackResponse(status: 0, contentType: nil, body: [])
            for try await part in inbound {
                switch part {
                case .head(let head):
                    response.status = Int(head.status.code)
                    response.contentType = head.headers.first(name: "Content-Type")
                case .body(let buffer):
                    guard response.body.count + buffer.readableBytes <= maxBodyBytes else {
                        throw LoopbackHTTPError("response body exceeds \(maxBodyBytes) bytes")
                    }
                    response.body += buffer.readableBytesView
                case .end:
                    return response
                }
            }
            throw LoopbackHTTPError("connection closed before the response ended (timeout after \(timeout)?)")
        }
    }
}
