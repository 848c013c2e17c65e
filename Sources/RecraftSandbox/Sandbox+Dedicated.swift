// kie's "dedicated" Recraft endpoints, as the seed document 003 describes them
// (wire-spec B): POST /api/v1/recraft/upscale and /api/v1/recraft/remove-background,
// then GET …/record-info?taskId=. Status 0 processing, 1 success, 2 failed, 3 creation
// failed. The shapes of record-info follow kie's real dedicated APIs (successFlag,
// response.resultImageUrl, errorCode/errorMessage, ISO time strings).

import Foundation
import Hummingbird

extension Sandbox {
    func dedicatedCreate(_ request: SandboxRequest, operation: ImageOperation) async -> SandboxReply {
        guard isAuthorised(request) else { return kieUnauthorised() }
        guard let body = JSONFields(request.body) else { return kieEnvelope(422, "request body must be a JSON object") }
        guard let imageURL = body.string("image_url"), !imageURL.trimmingSpaces().isEmpty else {
            return kieEnvelope(422, "image_url is required")
        }
        if imageURL.trimmingSpaces().lowercased().hasPrefix("data:") {
            return kieEnvelope(422, "image_url must be a URL, not file content")
        }
        let work: ImageWork
        switch operation {
        case .removeBackground:
            var output = ImageFormat.png
            if body.has("output_format") {
                switch body.string("output_format")?.uppercased() {
                case "PNG": output = .png
                case "WEBP": output = .webp
                default: return kieEnvelope(422, "output_format must be PNG or WEBP")
                }
            }
            work = ImageWork(operation: .removeBackground, output: output, limits: .marketRemoveBackground)
        default:
            var scale = 4
            if body.has("scale") {
                guard let value = body.integer("scale"), value == 2 || value == 4 else {
                    return kieEnvelope(422, "scale must be 2 or 4")
                }
                scale = value
            }
            var output = ImageFormat.png
            if body.has("format") {
                switch body.string("format")?.uppercased() {
                case "PNG": output = .png
                case "JPG", "JPEG": output = .jpeg
                default: return kieEnvelope(422, "format must be PNG or JPG")
                }
            }
            work = ImageWork(operation: .crispUpscale, scale: scale, output: output, limits: .marketCrisp)
        }
        let callback: String?
        switch validateCallbackURL(body) {
        case .success(let url): callback = url
        case .failure(let error): return kieEnvelope(422, error.description)
        }
        guard ledger.charge(operation == .removeBackground ? 1 : 0.5) else { return kieInsufficientCredits() }
        let task = newTask(kind: .dedicated(operation), param: body.serialized(), callbackURL: callback)
        launch(task, input: imageURL, work: work, forcedFailure: request.taskFailure)
        return kieEnvelope(200, "success", ["taskId": task.id])
    }

    func dedicatedRecordInfo(_ request: SandboxRequest, operation: ImageOperation) -> SandboxReply {
        guard isAuthorised(request) else { return kieUnauthorised() }
        counters.record { $0.pollRequests += 1 }
        guard let id = request.query["taskId"], !id.isEmpty else { return kieEnvelope(400, "taskId parameter is required") }
        // A task is found only under its own operation's path, as a client polling the
        // wrong path would find on the real service.
        guard let task = tasks.get(id), task.kind == .dedicated(operation) else {
            return kieEnvelope(422, "recordInfo is null")
        }
        return kieEnvelope(200, "success", dedicatedRecord(task, at: WallClock.nowMillis()))
    }

    /// The `data` of record-info (and of dedicated callbacks).
    func dedicatedRecord(_ task: SandboxTask, at now: Int) -> [String: Any] {
        var record: [String: Any] = [
            "taskId": task.id,
            "paramJson": task.param,
            "status": 0,
            "successFlag": 0,
            "response": NSNull(),
            "errorCode": NSNull(),
            "errorMessage": NSNull(),
            "createTime": WallClock.iso8601(millis: task.timeline.createdAt),
            "completeTime": NSNull()
        ]
        guard let outcome = task.finishedOutcome(at: now) else { return record }
        let status: Int
        switch outcome {
        case .success(let url):
            status = 1
            record["response"] = ["resultImageUrl": url]
        case .failure(let code, let message, let beforeStart):
            status = beforeStart ? 3 : 2
            record["errorCode"] = Int(code) ?? 500
            record["errorMessage"] = message
        }
        record["status"] = status
        record["successFlag"] = status
        if let completedAt = task.completedAt { record["completeTime"] = WallClock.iso8601(millis: completedAt) }
        return record
    }
}
