// One unit of a batch: an input to submit, or a task to reopen, and where its result
// goes. Operation commands make them from the command line, `recraft resume` from the
// journal and its sidecar; the runner does not tell them apart beyond `action`.

import Foundation
import RecraftKit

struct WorkItem: Sendable {
    enum Action: Sendable, Equatable {
        /// Submit the input (a new job, or one the journal says was never sent).
        case submit
        /// Re-attach to a task the provider has, and download its result.
        case reopen(taskId: String)
    }

    var display: String
    var operation: RecraftKit.Operation
    /// An absolute path or a URL.
    var image: String
    var options: [String: JSONValue]
    var target: OutputTarget
    var endpoint: Endpoint
    var action: Action
    /// The sidecar plan this item consumes when it is submitted.
    var planKey: String?
    /// The journal entry this item resumes: a reopened task's, or the `not_sent` one it replaces.
    var resumedRef: String?

    var record: OutputRecord {
        OutputRecord(
            operation: operation.rawValue, image: image, output: target.path, exact: target.exact, force: target.force,
            options: options, provider: endpoint.preset.rawValue, baseURL: endpoint.baseURL, sandbox: endpoint.sandbox)
    }

    init(
        display: String, operation: RecraftKit.Operation, image: String, options: [String: JSONValue], target: OutputTarget,
        endpoint: Endpoint, action: Action = .submit, planKey: String? = nil, resumedRef: String? = nil
    ) {
        self.display = display
        self.operation = operation
        self.image = image
        self.options = options
        self.target = target
        self.endpoint = endpoint
        self.action = action
        self.planKey = planKey
        self.resumedRef = resumedRef
    }

    /// An item from a sidecar record; nil when the record names an unknown operation or provider.
    init?(record: OutputRecord, action: Action, planKey: String? = nil, resumedRef: String? = nil, baseURLOverride: String? = nil) {
        guard let operation = RecraftKit.Operation(name: record.operation), let preset = Preset(rawValue: record.provider) else { return nil }
        var endpoint = Endpoint(preset: preset, baseURL: record.baseURL, sandbox: record.sandbox)
        if let baseURLOverride {
            endpoint.baseURL = record.sandbox && preset != .sandbox ? baseURLOverride + "/v1" : baseURLOverride
        }
        self.init(
            display: Paths.display(record.image), operation: operation, image: record.image, options: record.options,
            target: OutputTarget(path: record.output, exact: record.exact, force: record.force),
            endpoint: endpoint, action: action, planKey: planKey, resumedRef: resumedRef)
    }
}

/// How one item ended.
struct JobOutcome: Sendable {
    enum State: String, Sendable {
        case succeeded, failed, skipped
        /// Left at the provider when the batch was interrupted: `recraft resume` collects it.
        case inFlight = "in_flight"
    }

    var item: WorkItem
    var state: State
    var output: String?
    var jobId: String?
    var ref: String?
    var error: RecraftError?
    /// What the provider said the job cost, in its unit.
    var credits: Double?

    /// The line `--json` prints for it.
    var json: String {
        var object: [String: JSONValue] = [
            "input": .string(item.image),
            "operation": .string(item.operation.rawValue),
            "output": output.map(JSONValue.string) ?? .null,
            "state": .string(state.rawValue),
            "job_id": jobId.map(JSONValue.string) ?? .null,
            "ref": ref.map(JSONValue.string) ?? .null,
            "credits_consumed": credits.map(JSONValue.number) ?? .null,
            "error": .null
        ]
        if let error {
            object["error"] = .object([
                "code": .number(Double(error.code.rawValue)),
                "name": .string(ErrorAdvice.name(error.code)),
                "message": .string(ErrorAdvice.message(error, preset: item.endpoint.preset))
            ])
        }
        return JSONValue.object(object).serialized()
    }
}
