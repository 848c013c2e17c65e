import FoundationEssentials

/// Recraft's own synchronous API (`{base}/images/crispUpscale`, …) and its mirrors'
/// legacy paths (`{base}/recraft/v1/images/generativeUpscale`, …). One request holds the
/// whole job: the reply carries the result, as a URL or inline base64.
struct RecraftProvider: Provider {
    let preset: Preset
    var isSynchronous: Bool { true }
    /// Mirrors take multipart files only; the official API takes a file or a URL.
    var inputKind: InputKind { preset == .recraftMirror ? .file : .either }

    func submit(_ request: JobRequest, offer: Offer, through api: ProviderAPI) async throws(RecraftError) -> Submission {
        let path = preset == .recraftMirror ? "/recraft/v1/images/" : "/images/"
        var http = HTTPRequest(.post, api.configuration.baseURL + path + offer.wireName)
        var fields: [(String, String)] = [("response_format", request.option("response_format") ?? "url")]
        // Raster results are lossless WebP unless asked otherwise; PNG is what most
        // callers expect, so ask for it where the preset takes the option.
        if offer.options["output_format"] != nil { fields.append(("image_format", request.option("output_format") ?? "png")) }
        switch request.image {
        case .file:
            guard let file = request.input else {
                throw RecraftError(.internal, "a local file reached the Recraft submit without being checked")
            }
            // The official spec names the field `image`; the mirrors' docs say `file`.
            let field = preset == .recraftMirror ? "file" : "image"
            http.body = .multipart(
                [MultipartPart(name: field, content: .file(file, fileName: file.fileName))]
                    + fields.map { MultipartPart(name: $0.0, content: .text($0.1)) })
        case .url(let url):
            var body: [String: JSONValue] = ["image_url": .string(url)]
            for (name, value) in fields { body[name] = .string(value) }
            http.body = .bytes(Array(JSONValue.object(body).serialized().utf8), contentType: "application/json")
        }
        http.stallBeforeReply = false  // Recraft says nothing while it works on the image
        let response = try await api.call(http, kind: .submit)
        return try Self.decode(response, service: preset.serviceName, keyVariable: preset.apiKeyVariable)
    }

    func status(taskId: String, operation: Operation, through api: ProviderAPI) async throws(RecraftError) -> TaskStatus {
        throw RecraftError(
            .unsupported,
            "\(preset.rawValue) is synchronous: it keeps no task to look up later, so a job cannot be reopened by id; submit it again")
    }

    /// Reads `{created, credits, image: {image_id, url | b64_json}}` (or `data: [...]`), or
    /// the error a non-2xx reply carries, in the provider's own words.
    static func decode(_ response: HTTPResponse, service: String, keyVariable: String?) throws(RecraftError) -> Submission {
        guard (200..<300).contains(response.status) else { throw error(response, service: service, keyVariable: keyVariable) }
        guard let json = JSONValue.parse(response.body) else {
            throw RecraftError(.protocolError, "\(service) sent a reply that is not JSON (HTTP \(response.status))", httpStatus: response.status)
        }
        let images = json["image"].map { [$0] } ?? json["data"]?.array ?? []
        var results: [JobResult] = []
        for image in images {
            if let url = image["url"]?.string, URLPolicy.parse(url) != nil {
                results.append(.url(url))
            } else if let encoded = image["b64_json"]?.string, let data = Data(base64Encoded: encoded) {
                let bytes = [UInt8](data)
                results.append(.inline(bytes: bytes, mimeType: InputCheck.sniff(Array(bytes.prefix(512)))?.rawValue ?? "application/octet-stream"))
            }
        }
        guard !results.isEmpty else {
            // Resellers in front of Recraft sometimes answer errors in kie's envelope on
            // HTTP 200 ({"code": 401, "msg": …}): that is the error, in their words.
            if let code = json["code"]?.int, code != 200 {
                let message = json["msg"]?.string ?? json["message"]?.string ?? ""
                throw KieEnvelope.bodyError(code: code, message: message, httpStatus: response.status, service: service, keyVariable: keyVariable)
            }
            throw RecraftError(.protocolError, "\(service) answered HTTP \(response.status) with no image", httpStatus: response.status)
        }
        let given = images.first?["image_id"]?.string
        let id = given.flatMap { TaskIdentifier.isValid($0) ? $0 : nil } ?? "local-" + UUID().uuidString.lowercased()
        return .finished(taskId: id, results: results, receipt: TaskReceipt(credits: TaskReceipt.amount(json["credits"])))
    }

    /// Any non-2xx is an error; the body is plain text or JSON, and the caller sees its text.
    static func error(_ response: HTTPResponse, service: String, keyVariable: String?) -> RecraftError {
        let status = response.status
        var said = String(response.bodyText.prefix(500)).trimmed
        if response.contentType.contains("json") || said.hasPrefix("{"), let json = JSONValue.parse(response.body) {
            said =
                [json["message"], json["error"]?["message"], json["error"], json["detail"], json["code"]]
                .compactMap { $0?.string }.first { !$0.isEmpty } ?? said
        }
        let text = "\(service) answered HTTP \(status)" + (said.isEmpty ? "" : ": \(said)")
        let requestId = response.headers["x-recraft-requestid"].map { " (request id \($0))" } ?? ""
        let code = HTTPStatus.code(status, otherwise: .invalidInput)
        let advice =
            switch code {
            case .authentication: "check the API key (\(keyVariable ?? "api_key"))"
            case .insufficientCredits: "top up the account's API units"
            case .notFound: "check the base URL"
            case .rateLimited: "wait and try again (Recraft allows 5 requests per second)"
            case .providerUnavailable: "try again later"
            default: "fix the input or options; resending it unchanged will fail again"
            }
        var error = RecraftError(code, "\(text)\(requestId); \(advice)", httpStatus: status)
        error.retryAfter = RetryAfter.parse(response.headers["retry-after"])
        return error
    }
}
