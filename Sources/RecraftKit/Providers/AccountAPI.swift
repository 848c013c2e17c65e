/// The account requests of the kie family and Recraft: the balance and kie's link
/// refresh. Both are free reads on the provider's API host, with the key.
extension BalanceEndpoint {
    func request(baseURL: String) -> HTTPRequest {
        switch self {
        case .kieCredit: HTTPRequest(.get, baseURL + "/api/v1/chat/credit")
        case .recraftUser: HTTPRequest(.get, baseURL + "/users/me")
        }
    }

    /// The balance a reply carries, or the error it is.
    func decode(_ response: HTTPResponse, preset: Preset) throws(RecraftError) -> Double {
        let service = preset.serviceName
        let value: JSONValue?
        switch self {
        case .kieCredit:
            value = try KieEnvelope(response, service: service, keyVariable: preset.apiKeyVariable).data
        case .recraftUser:
            guard (200..<300).contains(response.status) else {
                throw RecraftProvider.error(response, service: service, keyVariable: preset.apiKeyVariable)
            }
            value = JSONValue.parse(response.body)?["credits"]
        }
        guard let balance = TaskReceipt.amount(value) else {
            throw RecraftError(
                .protocolError, "\(service) sent a balance reply with no readable balance (HTTP \(response.status)); try again later",
                httpStatus: response.status)
        }
        return balance
    }
}

/// kie's `POST /api/v1/common/download-url {"url": …}` → `data: "<link valid 20 min>"`
/// (wire-spec A.4): only for kie-generated URLs, any other gives 422.
enum LinkRefresh {
    static func request(url: String, baseURL: String) -> HTTPRequest {
        var request = HTTPRequest(.post, baseURL + "/api/v1/common/download-url")
        request.body = .bytes(Array(JSONValue.object(["url": .string(url)]).serialized().utf8), contentType: "application/json")
        return request
    }

    static func decode(_ response: HTTPResponse, preset: Preset) throws(RecraftError) -> String {
        let envelope = try KieEnvelope(response, service: preset.serviceName, keyVariable: preset.apiKeyVariable)
        guard let fresh = envelope.data.string ?? envelope.data["url"]?.string, URLPolicy.parse(fresh) != nil else {
            throw RecraftError(.protocolError, "\(preset.serviceName) refreshed the link but sent no usable URL", httpStatus: response.status)
        }
        return fresh
    }
}
