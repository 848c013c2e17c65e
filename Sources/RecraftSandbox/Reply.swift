// Building replies: JSON (from dictionaries or Encodable values), plain text, bytes.

import Foundation
import Hummingbird
import NIOCore

/// A reply as the handlers build it: complete bytes, so the gate (and the fault plan)
/// can still inspect or alter it before it becomes a Hummingbird `Response`.
struct SandboxReply: Sendable {
    var status: HTTPResponse.Status
    var contentType: String
    var body: [UInt8]
    var headers = HTTPFields()
    /// HEAD: headers (with the real Content-Length) but no body.
    var headOnly = false

    var response: Response {
        var fields = headers
        fields[.contentType] = contentType
        fields[.contentLength] = String(body.count)
        let payload = headOnly ? ResponseBody() : ResponseBody(byteBuffer: ByteBuffer(bytes: body))
        return Response(status: status, headers: fields, body: payload)
    }
}

enum Reply {
    /// JSON from a JSONSerialization-compatible value (dictionaries, arrays, String,
    /// Int, Double, Bool, NSNull). Keys are sorted so replies are stable to read.
    static func json(_ object: Any, status: HTTPResponse.Status = .ok) -> SandboxReply {
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        return bytes(Array(data), contentType: "application/json", status: status)
    }

    static func encodable(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> SandboxReply {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return bytes(Array(data), contentType: "application/json", status: status)
    }

    static func text(_ text: String, status: HTTPResponse.Status) -> SandboxReply {
        bytes(Array(text.utf8), contentType: "text/plain; charset=utf-8", status: status)
    }

    /// Go's net/http default 404, which is what Recraft answers for unknown paths.
    static func notFound() -> SandboxReply { text("404 page not found", status: .notFound) }

    static func bytes(
        _ bytes: [UInt8], contentType: String, status: HTTPResponse.Status = .ok, headOnly: Bool = false
    ) -> SandboxReply {
        SandboxReply(status: status, contentType: contentType, body: bytes, headOnly: headOnly)
    }
}

/// Reading fields out of a parsed JSON request body without trusting its types.
struct JSONFields {
    let object: [String: Any]

    /// nil when the body is not a JSON object.
    init?(_ body: [UInt8]) {
        guard let parsed = try? JSONSerialization.jsonObject(with: Data(body)), let object = parsed as? [String: Any] else {
            return nil
        }
        self.object = object
    }

    init(object: [String: Any]) { self.object = object }

    func has(_ key: String) -> Bool { object[key] != nil && !(object[key] is NSNull) }

    func string(_ key: String) -> String? { object[key] as? String }

    func nested(_ key: String) -> JSONFields? { (object[key] as? [String: Any]).map(JSONFields.init(object:)) }

    /// An integer sent as a JSON number (2, 2.0) or a numeric string ("2").
    func integer(_ key: String) -> Int? {
        switch object[key] {
        case let number as NSNumber:
            let value = number.doubleValue
            return value.rounded() == value && abs(value) < 1e9 ? Int(value) : nil
        case let text as String: return Int(text)
        default: return nil
        }
    }

    /// The object back as compact JSON text (kie's `param` field).
    func serialized() -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

/// Wall-clock time in the shapes the dialects use.
enum WallClock {
    static func nowMillis() -> Int { Int((Date().timeIntervalSince1970 * 1000).rounded()) }

    static func iso8601(millis: Int) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
    }
}
