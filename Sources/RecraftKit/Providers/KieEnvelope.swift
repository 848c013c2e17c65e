/// kie's reply envelope `{code, msg|message, data}`, shared by the market, dedicated and
/// upload APIs. The body `code` is checked even on HTTP 200: kie answers a bad key with
/// HTTP 200 and `code: 401`.
struct KieEnvelope {
    let code: Int
    let message: String
    let data: JSONValue

    /// Decodes the reply or throws the error it carries.
    init(_ response: HTTPResponse, service: String, keyVariable: String?) throws(RecraftError) {
        let json = JSONValue.parse(response.body)
        if !(200..<300).contains(response.status) {
            var error = Self.httpError(response, json: json, service: service, keyVariable: keyVariable)
            error.retryAfter = RetryAfter.parse(response.headers["retry-after"])
            throw error
        }
        guard let json, json.object != nil else {
            throw RecraftError(
                .protocolError,
                "\(service) sent a reply that is not a JSON object (HTTP \(response.status), \(response.body.count) bytes)",
                httpStatus: response.status)
        }
        guard let code = json["code"]?.int else {
            throw RecraftError(.protocolError, "\(service) sent a reply with no \"code\"", httpStatus: response.status)
        }
        self.code = code
        // The docs use both spellings: the OpenAPI says `msg`, an example says `message`.
        self.message = json["msg"]?.string ?? json["message"]?.string ?? ""
        self.data = json["data"] ?? .null
        if code != 200 {
            var error = Self.bodyError(code: code, message: message, httpStatus: response.status, service: service, keyVariable: keyVariable)
            error.retryAfter = RetryAfter.parse(response.headers["retry-after"])
            throw error
        }
    }

    static func bodyError(code: Int, message: String, httpStatus: Int?, service: String, keyVariable: String?) -> RecraftError {
        let said = message.isEmpty ? "\(service) answered code \(code)" : "\(service) answered code \(code): \(message)"
        let keyHint = keyVariable.map { "check the API key (\($0) or \"api_key\")" } ?? "check the API key"
        let (errorCode, advice): (RecraftError.Code, String) =
            switch code {
            case 401: (.authentication, keyHint)
            case 402: (.insufficientCredits, "top up the account's credits, then submit again")
            case 404: (.notFound, "check the base URL and the task id")
            case 422 where message == "recordInfo is null": (.notFound, "the provider does not know this task id; check it, or the key it was created with")
            case 422: (.invalidArgument, "fix the request; resending it unchanged will fail again")
            case 429: (.rateLimited, "too many requests: wait and submit again, or lower concurrency")
            case 433: (.rateLimited, "this key's usage cap is reached: raise it in the provider's console or use another key")
            case 455: (.providerUnavailable, "the provider is in maintenance: try again later")
            case 500: (.providerUnavailable, "the provider had an internal error: try again later")
            case 501: (.jobFailed, "the provider could not generate the result")
            case 505: (.unsupported, "the provider has disabled this feature")
            default: (.protocolError, "an undocumented code; try again later")
            }
        return RecraftError(errorCode, "\(said); \(advice)", httpStatus: httpStatus, providerCode: String(code))
    }

    static func httpError(_ response: HTTPResponse, json: JSONValue?, service: String, keyVariable: String?) -> RecraftError {
        let status = response.status
        let said = json?["msg"]?.string ?? json?["message"]?.string ?? String(response.bodyText.prefix(200)).trimmed
        // The body's code explains the failure when it is one kie documents; otherwise
        // (a proxy's or a server's own JSON) the HTTP status does.
        let documented: Set<Int> = [401, 402, 404, 422, 429, 433, 455, 500, 501, 505]
        if let code = json?["code"]?.int, documented.contains(code) {
            var error = bodyError(code: code, message: said, httpStatus: status, service: service, keyVariable: keyVariable)
            error.httpStatus = status
            return error
        }
        let text = said.isEmpty ? "\(service) answered HTTP \(status)" : "\(service) answered HTTP \(status): \(said)"
        if status == 403 && said.contains("1010") {
            return RecraftError(
                .authentication, "\(text); Cloudflare blocked the client (error 1010), not the key: keep the default user_agent", httpStatus: status)
        }
        let code = HTTPStatus.code(status, otherwise: .invalidArgument)
        let advice: String? =
            switch code {
            case .authentication: "check the API key (\(keyVariable ?? "api_key"))"
            case .insufficientCredits: "top up the account's credits"
            case .notFound: "check the base URL"
            case .rateLimited: "wait and try again"
            case .providerUnavailable: "try again later"
            default: nil
            }
        return RecraftError(code, advice.map { "\(text); \($0)" } ?? text, httpStatus: status)
    }

    // MARK: Shared by the kie family (market, dedicated)

    /// Reads `data.taskId` from a create reply (market and dedicated alike).
    static func taskId(_ response: HTTPResponse, preset: Preset) throws(RecraftError) -> String {
        let envelope = try KieEnvelope(response, service: preset.serviceName, keyVariable: preset.apiKeyVariable)
        guard let taskId = envelope.data["taskId"]?.string ?? envelope.data["task_id"]?.string, !taskId.isEmpty else {
            throw RecraftError(.protocolError, "\(preset.serviceName) accepted the task but sent no taskId", httpStatus: response.status)
        }
        guard TaskIdentifier.isValid(taskId) else {
            throw RecraftError(
                .protocolError, "\(preset.serviceName) sent a taskId that is too long or holds control characters or a slash", httpStatus: response.status)
        }
        return taskId
    }

    /// `resultJson` is documented as a JSON *string*; resellers send an object, failures
    /// send `""` or `null`. Accept all of them.
    static func resultURLs(_ value: JSONValue?) -> [String] {
        var result = value
        if case .string(let text)? = value { result = text.isEmpty ? nil : JSONValue.parse(Array(text.utf8)) }
        let urls = result?["resultUrls"]?.array?.compactMap(\.string) ?? []
        // A URL with a NUL, a control character or no http(s) scheme is no result: it would
        // reach C strings and libcurl as something else.
        return urls.filter { URLPolicy.parse($0) != nil }
    }
}
