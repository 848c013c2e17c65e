// Carrying out what the fault plan decided: replies that replace the handler's, a
// reset connection, a body cut short, a rewritten task state; and the admin endpoint
// `/sandbox/faults` (GET lists, POST adds, DELETE clears).

import Foundation
import Hummingbird
import NIOCore

/// How the gate answers one request.
enum GateOutcome: Sendable {
    case reply(SandboxReply)
    /// The reply's head and half its body, then the connection closes.
    case truncated(SandboxReply)
    /// The connection is reset without a reply.
    case reset
}

/// The request context: Hummingbird's basics plus the channel, which a reset needs.
struct SandboxContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

struct TruncatedBody: Error {}

extension Sandbox {
    /// The reply a replacing fault sends instead of the handler's.
    func faultReply(_ fault: SandboxFault, for request: SandboxRequest) -> GateOutcome {
        let kie = request.endpoint.provider == .kie || request.endpoint.provider == .kieUpload
        switch fault.kind {
        case .resetConnection:
            return .reset
        case .bodyCode:
            return .reply(kieEnvelope(fault.status ?? 500, fault.message ?? "Server error"))
        case .malformedJSON:
            return .reply(
                Reply.bytes(
                    Array("{\"code\":200,\"msg\":\"success\",\"data\":{\"taskId\":".utf8),
                    contentType: "application/json"))
        default:
            let status = HTTPResponse.Status(code: fault.status ?? 500)
            let message = fault.message ?? "\(status.code) \(status.reasonPhrase)"
            var reply = kie ? kieEnvelope(status.code, message) : Reply.text(message, status: status)
            reply.status = status
            if let retryAfter = fault.retryAfter { reply.headers[.retryAfter] = String(retryAfter) }
            return .reply(reply)
        }
    }

    /// 429 for a request over a rate limit, in the dialect's shape.
    func rateLimitedReply(_ limited: FaultEffects.RateLimited, for request: SandboxRequest) -> SandboxReply {
        var reply =
            request.endpoint.isAPI && request.endpoint.provider != .recraft && request.endpoint.provider != .mirror
            ? kieEnvelope(429, "Rate limit exceeded") : Reply.text("Too Many Requests", status: .tooManyRequests)
        reply.status = .tooManyRequests
        if let retryAfter = limited.retryAfter { reply.headers[.retryAfter] = String(retryAfter) }
        return reply
    }

    /// Puts `state` where a poll reply carries the task state (Market: data.state;
    /// dedicated: data.status and data.successFlag, as a number when it is one).
    func rewriteState(_ reply: SandboxReply, to state: String, endpoint: Endpoint) -> SandboxReply {
        guard var body = JSONFields(reply.body)?.object, var data = body["data"] as? [String: Any] else { return reply }
        switch endpoint {
        case .marketRecordInfo:
            data["state"] = state
        case .dedicatedRecordInfo:
            let value: Any = Int(state).map { $0 as Any } ?? state
            data["status"] = value
            data["successFlag"] = value
        default:
            return reply
        }
        body["data"] = data
        var rewritten = Reply.json(body)
        rewritten.status = reply.status
        return rewritten
    }

    /// Turns the gate's outcome into what Hummingbird writes.
    func response(for outcome: GateOutcome, context: SandboxContext) async -> Response {
        switch outcome {
        case .reply(let reply):
            return reply.response
        case .truncated(let reply):
            var fields = reply.headers
            fields[.contentType] = reply.contentType
            fields[.contentLength] = String(reply.body.count)
            let half = Array(reply.body.prefix(reply.body.count / 2))
            // Throwing from the body writer makes Hummingbird drop the connection mid-body.
            return Response(
                status: reply.status, headers: fields,
                body: ResponseBody(contentLength: reply.body.count) { writer in
                    try await writer.write(ByteBuffer(bytes: half))
                    throw TruncatedBody()
                })
        case .reset:
            // SO_LINGER 0 turns the close into an RST; if that is refused, a plain close
            // still leaves the client with no reply at all.
            if let provider = context.channel as? any SocketOptionProvider {
                _ = try? await provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).get()
            }
            try? await context.channel.close().get()
            return Response(status: .internalServerError)
        }
    }

    func faultsAdmin(_ request: SandboxRequest) -> SandboxReply {
        switch request.method {
        case .delete:
            faults.clear()
        case .post:
            let decoder = JSONDecoder()
            let data = Data(request.body)
            let parsed = try? JSONSerialization.jsonObject(with: data)
            do {
                if parsed is [Any] {
                    for fault in try decoder.decode([SandboxFault].self, from: data) { try faults.add(fault) }
                } else if let object = parsed as? [String: Any], object["kind"] != nil {
                    try faults.add(try decoder.decode(SandboxFault.self, from: data))
                } else {
                    let bundle = try decoder.decode(FaultBundle.self, from: data)
                    for fault in bundle.faults ?? [] { try faults.add(fault) }
                    if let limits = bundle.rateLimits { try faults.setRateLimits(limits) }
                }
            } catch {
                return Reply.json(["error": "\(error)"], status: .badRequest)
            }
        default:
            break
        }
        return Reply.encodable(FaultBundle(faults: faults.faults, rateLimits: faults.rateLimits))
    }
}

/// The JSON of `/sandbox/faults`.
struct FaultBundle: Codable {
    var faults: [SandboxFault]?
    var rateLimits: [SandboxRateLimit]?
}
