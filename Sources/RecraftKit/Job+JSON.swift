import FoundationEssentials

extension Job {
    /// The job as JSON, for the C API and the bindings: id, operation, state,
    /// provider_state, results, error {code, name, message, http_status, provider_code}, polls,
    /// credits_consumed (a number in the provider's unit, or null when it did not say).
    public func snapshotJSON() -> String {
        let (core, operation) = (
            core.withLock { ($0.machine.state, $0.machine.taskId, $0.machine.providerState, $0.machine.results, $0.machine.error, $0.polls) }, operation
        )
        let credits = creditsConsumed
        var object: [String: JSONValue] = [
            "id": core.1.map(JSONValue.string) ?? .null,
            "operation": .string(operation.rawValue),
            "provider": .string(client.configuration.provider.rawValue),
            "state": .string(core.0.description),
            "provider_state": core.2.map(JSONValue.string) ?? .null,
            "results": .array(
                core.3.map { result in
                    switch result {
                    case .url(let url): .string(url)
                    case .inline(let bytes, let mimeType): .string("data:\(mimeType);base64,\(Data(bytes).base64EncodedString())")
                    }
                }),
            "polls": .number(Double(core.5)),
            "credits_consumed": credits.map(JSONValue.number) ?? .null,
            "error": .null
        ]
        if let error = core.4 {
            object["error"] = .object([
                "code": .number(Double(error.code.rawValue)),
                "name": .string(error.code.description),
                "message": .string(error.message),
                "http_status": error.httpStatus.map { .number(Double($0)) } ?? .null,
                "provider_code": error.providerCode.map(JSONValue.string) ?? .null
            ])
        }
        return JSONValue.object(object).serialized()
    }
}
