/// The JSON objects the C API takes (a configuration, a request), read with an error that
/// says where the text stops being JSON and what was expected there, with the text around
/// that byte: a path put into a request with snprintf, unescaped, is found at once.
enum JSONSyntax {
    /// `text` as a JSON object, or an error with `code` naming `what` ("the request"),
    /// the byte offset and what was expected; `example` shows a good one.
    static func object(_ text: String, what: String, code: RecraftError.Code, example: String) throws(RecraftError) -> [String: JSONValue] {
        let bytes = Array(text.utf8)
        if let value = JSONValue.parse(bytes) {
            guard let object = value.object else {
                throw RecraftError(code, "\(what) is JSON but not an object: pass e.g. \(example)")
            }
            return object
        }
        let (offset, expected) = bytes.withUnsafeBufferPointer { JSONReader.diagnose($0) } ?? (0, JSONReader.expectedValue)
        throw RecraftError(
            code,
            "\(what) is not valid JSON: at byte \(offset) (\(context(bytes, offset))) expected \(expected); build it with a JSON library or escape strings with recraft_json_quote, e.g. \(example)"
        )
    }

    /// Up to 20 bytes either side of `offset`, with `>>>` at the offset, control bytes as `?`.
    static func context(_ bytes: [UInt8], _ offset: Int) -> String {
        let at = min(max(0, offset), bytes.count)
        let before = bytes[max(0, at - 20)..<at]
        let after = bytes[at..<min(bytes.count, at + 20)]
        func shown(_ part: ArraySlice<UInt8>) -> String {
            String(decoding: part.map { $0 < 0x20 ? UInt8(ascii: "?") : $0 }, as: UTF8.self)
        }
        return "near \"\(shown(before))>>>\(shown(after))\""
    }
}
