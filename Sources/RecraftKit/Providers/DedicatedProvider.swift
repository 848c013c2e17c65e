/// kie's dedicated Recraft endpoints, as the seed document describes them:
/// `POST /api/v1/recraft/upscale` {image_url, scale, format, callBackUrl} and
/// `POST /api/v1/recraft/remove-background` {image_url, output_format, callBackUrl}, then
/// `GET /api/v1/recraft/<op>/record-info?taskId=` with status 0 running, 1 succeeded,
/// 2 and 3 failed. Undocumented officially (wire-spec B), so replies are read defensively.
struct DedicatedProvider: Provider {
    let preset: Preset
    var inputKind: InputKind { .url }
    var isSynchronous: Bool { false }
    var sendsCallbacks: Bool { true }
    func callbackStatus(_ data: JSONValue, service: String) throws(RecraftError) -> TaskStatus {
        try Self.decodeRecord(data, service: service)
    }

    func submit(_ request: JobRequest, offer: Offer, through api: ProviderAPI) async throws(RecraftError) -> Submission {
        guard case .url(let image) = request.image else {
            throw RecraftError(.internal, "a local file reached the dedicated submit without being uploaded")
        }
        var body: [String: JSONValue] = ["image_url": .string(image)]
        switch request.operation {
        case .crispUpscale:
            // Send every field explicitly: kie does not always apply documented defaults.
            body["scale"] = .number(Double(request.option("scale") ?? "4") ?? 4)
            body["format"] = .string((request.option("output_format") ?? "png").uppercased())
        default:
            body["output_format"] = .string((request.option("output_format") ?? "png").uppercased())
        }
        if let callback = request.callbackURL { body["callBackUrl"] = .string(callback) }
        var http = HTTPRequest(.post, api.configuration.baseURL + "/api/v1/recraft/" + offer.wireName)
        http.body = .bytes(Array(JSONValue.object(body).serialized().utf8), contentType: "application/json")
        return .accepted(taskId: try KieEnvelope.taskId(try await api.call(http, kind: .submit), preset: preset))
    }

    func status(taskId: String, operation: Operation, through api: ProviderAPI) async throws(RecraftError) -> TaskStatus {
        let segment = Catalog.offers(preset)[operation]?.wireName ?? "upscale"
        let url = api.configuration.baseURL + "/api/v1/recraft/\(segment)/record-info?taskId=" + taskId.percentEncodedQueryValue
        let response = try await api.call(HTTPRequest(.get, url), kind: .poll)
        let envelope = try KieEnvelope(response, service: preset.serviceName, keyVariable: preset.apiKeyVariable)
        return try Self.decodeRecord(envelope.data, service: preset.serviceName)
    }

    static func decodeRecord(_ data: JSONValue, service: String) throws(RecraftError) -> TaskStatus {
        guard data.object != nil else { throw RecraftError(.protocolError, "\(service) sent a task record with no data") }
        guard let status = data["status"]?.int ?? data["successFlag"]?.int else {
            // Not a number this dialect defines ("pending", null, missing): keep polling;
            // the job's deadline bounds it.
            let word = data["status"]?.string ?? data["successFlag"]?.string ?? "unknown"
            return .running(detail: word.isEmpty ? "unknown" : word)
        }
        switch status {
        case 0:
            return .running(detail: "processing")
        case 1:
            let response = data["response"]
            let candidates = [response?["resultImageUrl"], response?["resultUrl"], data["resultImageUrl"], data["resultUrl"]]
            var urls = candidates.compactMap { $0?.string }.filter { URLPolicy.parse($0) != nil }
            urls += (response?["resultUrls"]?.array ?? []).compactMap(\.string).filter { URLPolicy.parse($0) != nil }
            urls += KieEnvelope.resultURLs(data["resultJson"])
            guard let first = urls.first else {
                throw RecraftError(.protocolError, "\(service) reported success but sent no result URL")
            }
            return .succeeded([.url(first)] + urls.dropFirst().filter { $0 != first }.map(JobResult.url))
        case 2, 3:
            // The seed and kie's real dedicated APIs disagree on which of 2 and 3 means
            // "creation failed"; either way the job failed, and the provider's text says why.
            let code = (data["errorCode"]?.string).flatMap { $0.isEmpty ? nil : $0 }
            let message =
                [data["errorMessage"], data["errorMsg"], data["failMsg"], data["msg"]]
                .compactMap { $0?.string }.first { !$0.isEmpty } ?? "no reason given"
            return .failed(RecraftError(.jobFailed, "the task failed at \(service) (status \(status)): \(message)", providerCode: code))
        default:
            return .running(detail: "status \(status)")
        }
    }
}
