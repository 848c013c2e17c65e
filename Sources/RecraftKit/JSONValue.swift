/// Any JSON value. Provider replies are decoded into this first and read defensively,
/// because providers disagree with their own docs (`msg` vs `message`, `failCode` as a
/// string or a number, `resultJson` as a string, an object, `""` or `null`).
///
/// `parse(_:)` and `serialized()` are a byte-level reader and writer of their own (below),
/// not Foundation's JSONDecoder and JSONEncoder: what providers, webhooks and users send is
/// hostile, and the reader is linear in its input, bounded in depth and strict. The
/// `Codable` conformance stays for Swift code that embeds a `JSONValue` in its own Codable
/// types (the CLI's output sidecar).
public enum JSONValue: Sendable, Equatable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// How deep arrays and objects may nest in what `parse(_:)` accepts: `[[1]]` is 2 deep,
    /// a lone scalar 0. Deeper input is refused (nil) at the bracket that crosses the limit,
    /// before anything under it is read. Provider replies, callbacks, journals and configs
    /// nest fewer than ten deep.
    public static let maxDepth = 64

    /// Parses `bytes` as one JSON text (RFC 8259), or returns nil when they are not one.
    ///
    /// Strict, in time linear in the input, with nesting bounded by `maxDepth`. Refused:
    /// anything before or after the value but white space (a byte order mark too), trailing
    /// commas, invalid UTF-8, control characters in strings, unknown escapes, a `\u` escape
    /// of a UTF-16 surrogate that is not one half of a pair, leading zeros, `+1`, `.5`, `1.`,
    /// `NaN`, `Infinity`, a number whose magnitude a Double cannot hold (`1e400`, and `1e-400`,
    /// which would round to zero), and an object that names a key twice (`{"a":1,"a":2}`; key
    /// equality is String's, so `"\u00e9"` and `"e\u0301"` are the same key).
    ///
    /// Before this reader, Foundation's JSONDecoder kept the first of two equal keys
    /// (`{"a":1,"a":2}` read as `{"a":1}`), accepted trailing commas (`[1,]`), a leading byte
    /// order mark and nesting to 512, and took time quadratic in the nesting (about a second
    /// for 1 KB nested 500 deep).
    public static func parse<Bytes: Sequence>(_ bytes: Bytes) -> JSONValue? where Bytes.Element == UInt8 {
        if let value = bytes.withContiguousStorageIfAvailable(JSONReader.read) { return value }
        return Array(bytes).withUnsafeBufferPointer(JSONReader.read)
    }

    /// The value as compact JSON, keys sorted by their UTF-8 bytes: the same text, byte for
    /// byte, as JSONEncoder with `[.sortedKeys, .withoutEscapingSlashes]` printed before this
    /// writer. Numbers that are integral and below 1e15 in magnitude print as integers (`-0`
    /// as `0`), others as Swift's shortest round-tripping description without a trailing
    /// `.0` (`0.1`, `1e-07`, `1.5e+300`). Strings escape `"`, `\` and the control characters
    /// below U+0020 (as `\b \f \n \r \t`, else `\u00XX`), nothing else.
    ///
    /// JSON has no spelling for NaN or an infinity, and JSONEncoder refused containers nested
    /// 512 deep or more: a value holding either serialises, as a whole, to `null`, as before.
    public func serialized() -> String {
        var writer = JSONWriter()
        guard writer.write(self, depth: 0) else { return "null" }
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// For Codable types that hold a `JSONValue`. Asks for an object, then an array, then each
    /// scalar: a container that fails to decode is not decoded again as another kind (the
    /// previous chain of `try?` re-decoded every level, quadratic in the nesting).
    public init(from decoder: any Decoder) throws {
        if let container = try? decoder.container(keyedBy: AnyKey.self) {
            var object: [String: JSONValue] = [:]
            for key in container.allKeys { object[key.stringValue] = try container.decode(JSONValue.self, forKey: key) }
            self = .object(object)
        } else if var container = try? decoder.unkeyedContainer() {
            var array: [JSONValue] = []
            while !container.isAtEnd { array.append(try container.decode(JSONValue.self)) }
            self = .array(array)
        } else {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let value = try? container.decode(Bool.self) {
                self = .bool(value)
            } else if let value = try? container.decode(Double.self) {
                self = .number(value)
            } else {
                self = .string(try container.decode(String.self))
            }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            if value.rounded() == value, abs(value) < 1e15 { try container.encode(Int64(value)) } else { try container.encode(value) }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    public var object: [String: JSONValue]? {
        if case .object(let object) = self { return object }
        return nil
    }

    public var array: [JSONValue]? {
        if case .array(let array) = self { return array }
        return nil
    }

    /// The value as a string; numbers and booleans are spelled out (providers send
    /// `failCode` either way).
    public var string: String? {
        switch self {
        case .string(let value): return value
        case .number(let value):
            return value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        case .bool(let value): return String(value)
        default: return nil
        }
    }

    /// The value as an integer, accepting numeric strings ("200").
    public var int: Int? {
        switch self {
        case .number(let value):
            return value.rounded() == value && abs(value) < 1e15 ? Int(value) : nil
        case .string(let value): return Int(value.trimmed)
        default: return nil
        }
    }

    public var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var isNull: Bool { self == .null }
}

/// Lets a string literal stand for a JSON string (`["event": "submit"]`).
extension JSONValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}
