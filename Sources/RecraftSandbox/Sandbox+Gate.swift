// The one place every request passes through before its handler: counting, routing,
// the Cloudflare-style User-Agent check, the body size cap, then the fault plan, then
// the dialect's handler.

import Foundation
import Hummingbird
import NIOCore

/// A request with its body received, as the dialect handlers see it.
struct SandboxRequest: Sendable {
    var endpoint: Endpoint
    var method: HTTPRequest.Method
    var path: String
    var query: [String: String]
    var headers: HTTPFields
    var body: [UInt8]
    /// Set by a `failTask` fault: tasks this request creates end failed.
    var taskFailure: FaultEffects.TaskFailure?

    var contentType: String { headers[.contentType] ?? "" }

    /// The token of an `Authorization: Bearer <token>` header, if any.
    var bearerToken: String? {
        guard let value = headers[.authorization] else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingSpaces()
        return token.isEmpty ? nil : token
    }
}

extension Sandbox {
    /// Uploads and images above this are refused with 413 before any parsing.
    static let maxBodyBytes = 64 * 1024 * 1024
    /// Distinct paths remembered in `requestsByPath`, so a scanner cannot grow it forever.
    static let maxTrackedPaths = 1024

    func respond(to request: Request, context: SandboxContext) async -> Response {
        let path = request.uri.path
        // File downloads are counted together: one key per result file would drown the rest.
        let key = path.hasPrefix("/files/") ? "/files/*" : path
        counters.record { stats in
            if stats.requestsByPath[key] != nil || stats.requestsByPath.count < Self.maxTrackedPaths {
                stats.requestsByPath[key, default: 0] += 1
            }
        }
        let started = ContinuousClock.now
        let outcome = await gate(request, path: path)
        if configuration.verbose {
            let elapsed = ContinuousClock.now - started
            let result =
                switch outcome {
                case .reply(let reply): "\(reply.status.code)"
                case .truncated(let reply): "\(reply.status.code), truncated"
                case .reset: "reset"
                }
            FileHandle.standardError.write(Data("\(request.method) \(request.uri) -> \(result) (\(elapsed))\n".utf8))
        }
        return await response(for: outcome, context: context)
    }

    private func gate(_ request: Request, path: String) async -> GateOutcome {
        guard let endpoint = Endpoint(path: path) else { return .reply(Reply.notFound()) }
        guard endpoint.allowedMethods.contains(request.method) else {
            return .reply(Reply.text("405 method not allowed", status: .methodNotAllowed))
        }
        if endpoint.isAPI, (request.headers[.userAgent] ?? "").trimmingSpaces().isEmpty {
            // What kie's Cloudflare answers a client that sends no User-Agent.
            return .reply(Reply.text("error code: 1010", status: .forbidden))
        }
        let tooLarge = Reply.text("413 request entity too large (limit \(Self.maxBodyBytes) bytes)", status: .contentTooLarge)
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > Self.maxBodyBytes { return .reply(tooLarge) }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: Self.maxBodyBytes)
        } catch is NIOTooManyBytesError {
            return .reply(tooLarge)
        } catch {
            return .reply(Reply.text("400 could not read the request body", status: .badRequest))
        }
        var query = [String: String]()
        for (key, value) in request.uri.queryParameters where query[String(key)] == nil {
            query[String(key)] = String(value)
        }
        let incoming = SandboxRequest(
            endpoint: endpoint, method: request.method, path: path, query: query,
            headers: request.headers, body: Array(buffer: body)
        )
        return await applyingFaults(to: incoming)
    }

    /// The fault plan's say over one request: rate limit, stall, replacement, then the
    /// handler, then what may be done to its reply.
    private func applyingFaults(to request: SandboxRequest) async -> GateOutcome {
        let effects = faults.effects(for: request)
        if effects.applied > 0 { counters.record { $0.faultsInjected += effects.applied } }
        if let limited = effects.rateLimited {
            counters.record { $0.rateLimited += 1 }
            return .reply(rateLimitedReply(limited, for: request))
        }
        if effects.delayMs > 0 { try? await Task.sleep(for: .milliseconds(effects.delayMs)) }
        if let replacement = effects.replacement { return faultReply(replacement, for: request) }
        var request = request
        request.taskFailure = effects.taskFailure
        var reply = await handle(request)
        if let state = effects.unknownState { reply = rewriteState(reply, to: state, endpoint: request.endpoint) }
        return effects.truncate ? .truncated(reply) : .reply(reply)
    }

    private func handle(_ request: SandboxRequest) async -> SandboxReply {
        switch request.endpoint {
        case .marketCreateTask: return await marketCreateTask(request)
        case .marketRecordInfo: return marketRecordInfo(request)
        case .dedicatedCreate(let operation): return await dedicatedCreate(request, operation: operation)
        case .dedicatedRecordInfo(let operation): return dedicatedRecordInfo(request, operation: operation)
        case .upload(let kind): return await upload(request, kind: kind)
        case .recraft(let operation): return await recraftImage(request, operation: operation, dialect: .official)
        case .mirror(let operation): return await recraftImage(request, operation: operation, dialect: .mirror)
        case .file(let path): return serveFile(request, path: path)
        case .stats: return Reply.encodable(counters.snapshot())
        case .reset:
            counters.reset()
            return Reply.encodable(counters.snapshot())
        case .faults: return faultsAdmin(request)
        case .kieCredit: return kieCredit(request)
        case .kieDownloadURL: return downloadURL(request)
        case .recraftUser: return recraftUser(request)
        }
    }

    /// Whether the request's Bearer token is acceptable under the configured key.
    func isAuthorised(_ request: SandboxRequest) -> Bool {
        guard let token = request.bearerToken else { return false }
        guard let key = configuration.apiKey else { return true }
        return token == key
    }
}
