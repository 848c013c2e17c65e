// kie's Market API (wire-spec A): POST /api/v1/jobs/createTask and
// GET /api/v1/jobs/recordInfo. Errors are HTTP 200 with an error `code` in the body,
// as kie answers them.

import Foundation
import Hummingbird

extension Sandbox {
    static let crispModel = "recraft/crisp-upscale"
    static let removeBackgroundModel = "recraft/remove-background"

    /// kie's envelope `{code, msg, data}`; "message" instead of "msg" when so configured.
    func kieEnvelope(_ code: Int, _ message: String, _ data: Any? = nil) -> SandboxReply {
        Reply.json([
            "code": code,
            configuration.useMessageKey ? "message" : "msg": message,
            "data": data ?? NSNull()
        ])
    }

    func kieUnauthorised() -> SandboxReply { kieEnvelope(401, "You do not have access permissions") }

    func marketCreateTask(_ request: SandboxRequest) async -> SandboxReply {
        guard isAuthorised(request) else { return kieUnauthorised() }
        guard let body = JSONFields(request.body) else { return kieEnvelope(422, "request body must be a JSON object") }
        guard let model = body.string("model"), !model.isEmpty else { return kieEnvelope(422, "model is required") }
        let work: ImageWork
        switch model {
        case Self.crispModel:
            work = ImageWork(operation: .crispUpscale, scale: 4, output: .png, limits: .marketCrisp)
        case Self.removeBackgroundModel:
            work = ImageWork(operation: .removeBackground, output: .png, limits: .marketRemoveBackground)
        default:
            return kieEnvelope(422, "The page does not exist or is not published")
        }
        guard let image = body.nested("input")?.string("image"), !image.trimmingSpaces().isEmpty else {
            return kieEnvelope(422, "input.image is required")
        }
        if image.trimmingSpaces().lowercased().hasPrefix("data:") {
            return kieEnvelope(422, "input.image must be the URL of an uploaded file, not file content")
        }
        let callback: String?
        switch validateCallbackURL(body) {
        case .success(let url): callback = url
        case .failure(let error): return kieEnvelope(422, error.description)
        }
        // Charged when the task is created (kie does not say whether a failed task is refunded).
        guard ledger.charge(Self.marketPrice(model: model)) else { return kieInsufficientCredits() }
        let task = newTask(kind: .market(model: model), param: body.serialized(), callbackURL: callback)
        launch(task, input: image, work: work, forcedFailure: request.taskFailure)
        return kieEnvelope(200, "success", ["taskId": task.id])
    }

    func marketRecordInfo(_ request: SandboxRequest) -> SandboxReply {
        guard isAuthorised(request) else { return kieUnauthorised() }
        counters.record { $0.pollRequests += 1 }
        guard let id = request.query["taskId"], !id.isEmpty else { return kieEnvelope(400, "taskId parameter is required") }
        guard let task = tasks.get(id), case .market = task.kind else { return kieEnvelope(422, "recordInfo is null") }
        return kieEnvelope(200, "success", marketRecord(task, at: WallClock.nowMillis()))
    }

    /// The `data` of recordInfo (and, with `forCallback`, of the callback: costTime in
    /// seconds there, resultJson null on failure, creditsConsumed added).
    func marketRecord(_ task: SandboxTask, at now: Int, forCallback: Bool = false) -> [String: Any] {
        guard case .market(let model) = task.kind else { return [:] }
        let phase = task.phase(at: now)
        let outcome = task.finishedOutcome(at: now)
        var record: [String: Any] = [
            "taskId": task.id,
            "model": model,
            "param": task.param,
            "createTime": task.timeline.createdAt,
            "updateTime": task.timeline.updatedAt(at: now, workDoneAt: task.workDoneAt),
            "completeTime": NSNull(),
            "costTime": 0,
            "resultJson": forCallback ? NSNull() : "",
            "failCode": "",
            "failMsg": ""
        ]
        switch outcome {
        case .success(let url):
            record["state"] = "success"
            let resultJson = try? JSONSerialization.data(withJSONObject: ["resultUrls": [url]], options: [.withoutEscapingSlashes])
            record["resultJson"] = resultJson.map { String(decoding: $0, as: UTF8.self) } ?? ""
        case .failure(let code, let message, _):
            record["state"] = "fail"
            record["failCode"] = code
            record["failMsg"] = message
        case nil:
            record["state"] = phase.rawValue  // waiting, queuing or generating
        }
        if outcome != nil, let completedAt = task.completedAt {
            record["completeTime"] = completedAt
            let millis = completedAt - task.timeline.createdAt
            record["costTime"] = forCallback ? (millis + 999) / 1000 : millis
        }
        // Documented in the callback schema; the sandbox reports it in recordInfo too, once
        // the task has ended, as an older payload shape did (wire-spec A.4).
        if forCallback || outcome != nil {
            record["creditsConsumed"] = outcome?.succeeded == true ? Self.number(Self.marketPrice(model: model)) : 0
        }
        return record
    }

    /// `callBackUrl`: absent is fine; present must be an http(s) URL.
    func validateCallbackURL(_ body: JSONFields) -> Result<String?, SandboxError> {
        guard body.has("callBackUrl") else { return .success(nil) }
        guard let text = body.string("callBackUrl") else { return .failure(SandboxError("callBackUrl must be a string")) }
        if text.isEmpty { return .success(nil) }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            url.host != nil
        else {
            return .failure(SandboxError("callBackUrl must be an http(s) URL"))
        }
        return .success(text)
    }
}
