import FoundationEssentials

/// Feeds arbitrary bytes to every decoder that reads what a provider, a callback or a
/// user sends, for the fuzz targets (`Sources/RecraftFuzz`) and the fuzz tests. Nothing
/// here may trap, whatever the input; a thrown `RecraftError` is the right answer to junk.
/// The one deliberate trap is `feedJSON`'s oracle, which finds bugs rather than junk.
package enum FuzzEntry {
    package static func feed(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        for status in [200, 401, 429, 500] {
            let response = HTTPResponse(
                status: status, headers: ["content-type": "application/json", "retry-after": text],
                body: bytes, bytesWritten: 0)
            _ = try? KieEnvelope(response, service: "fuzz", keyVariable: nil)
            _ = try? KieUpload.decode(response, keyVariable: nil)
            _ = try? RecraftProvider.decode(response, service: "fuzz", keyVariable: nil)
            _ = RecraftProvider.error(response, service: "fuzz", keyVariable: nil)
        }
        if let json = feedJSON(bytes) {
            _ = try? MarketProvider.decodeRecord(json, service: "fuzz")
            _ = try? MarketProvider.decodeRecord(json["data"] ?? .null, service: "fuzz")
            _ = try? DedicatedProvider.decodeRecord(json, service: "fuzz")
            _ = try? DedicatedProvider.decodeRecord(json["data"] ?? .null, service: "fuzz")
        }
        _ = try? Configuration(json: text)
        _ = try? JobRequest(json: text)
        _ = ImageInfo.read(bytes)
        _ = RetryAfter.parse(text)
        _ = try? RateLimit.parse(text, key: "fuzz")
        feedCallback(bytes)
    }

    /// The second target: what reaches the library in HTTP headers (reply header lines,
    /// `Retry-After`, `Content-Type`, the webhook signature headers) and URLs from replies.
    /// The bytes are read as header lines; every value also goes in as each header alone.
    package static func feedHeaders(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        var headers: [String: String] = [:]
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            if let (name, value) = Transfer.headerField(String(line)) { headers[name] = value }
        }
        let values = Array(headers.values) + [text]
        for value in values {
            _ = RetryAfter.parse(value)
            _ = RetryAfter.parse(value, now: Date(timeIntervalSince1970: 0))
            _ = URLPolicy.parse(value)
            _ = URLPolicy.isLoopback(host: value)
            for status in [200, 429, 503] {
                let response = HTTPResponse(
                    status: status, headers: ["content-type": value, "retry-after": value, "x-recraft-requestid": value],
                    body: Array(#"{"code":429,"msg":"slow down"}"#.utf8), bytesWritten: 0)
                _ = try? KieEnvelope(response, service: "fuzz", keyVariable: nil)
                _ = RecraftProvider.error(response, service: "fuzz", keyVariable: nil)
            }
            let body = Array(#"{"code":200,"data":{"taskId":"t1","state":"success","resultJson":"{\"resultUrls\":[\"https://x/y.png\"]}"}}"#.utf8)
            _ = try? signedClient?.handleCallback(body: body, headers: ["X-Webhook-Timestamp": value, "X-Webhook-Signature": value])
        }
        _ = try? signedClient?.handleCallback(body: Array(#"{"data":{"taskId":"t1","state":"waiting"}}"#.utf8), headers: headers)
    }

    /// The JSON reader and writer, checked against themselves: the bytes read the same
    /// contiguous or not, and whatever they read serialises to text that reads back to the
    /// same value and serialises to the same text again. A mismatch is a bug in the reader
    /// or the writer, so it traps (libFuzzer reports a crash); junk just reads as nil.
    @discardableResult
    package static func feedJSON(_ bytes: [UInt8]) -> JSONValue? {
        let value = JSONValue.parse(bytes)
        precondition(JSONValue.parse(bytes.lazy.map { $0 }) == value, "the JSON reader's two paths disagree")
        guard let value else { return nil }
        let text = value.serialized()
        let again = JSONValue.parse(Array(text.utf8))
        precondition(again == value, "JSON read back differently after serialising: \(text)")
        precondition(again?.serialized() == text, "JSON serialised differently the second time: \(text)")
        return value
    }

    /// The callback parser, with a signing secret so the signature path runs too.
    private static let callbackClient: Client? = try? Client(Configuration(provider: .sandbox, baseURL: "http://127.0.0.1:9"))
    private static let signedClient: Client? = {
        guard var configuration = try? Configuration(provider: .sandbox, baseURL: "http://127.0.0.1:9") else { return nil }
        configuration.webhookSecret = "fuzz-secret"
        return try? Client(configuration)
    }()

    private static func feedCallback(_ bytes: [UInt8]) {
        let text = String(decoding: bytes.prefix(64), as: UTF8.self)
        _ = try? callbackClient?.handleCallback(body: bytes, headers: [:])
        _ = try? signedClient?.handleCallback(body: bytes, headers: ["X-Webhook-Timestamp": text, "X-Webhook-Signature": text])
    }
}
