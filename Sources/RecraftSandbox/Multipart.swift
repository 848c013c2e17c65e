// A multipart/form-data parser (RFC 7578) over a fully received body. Written for
// hostile input: every index is bounds-checked, and a malformed body is an error
// value, never a trap.

import Foundation

struct MultipartPart: Sendable {
    var name: String
    var filename: String?
    var contentType: String?
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }
}

struct MultipartError: Error, CustomStringConvertible {
    var description: String
}

enum Multipart {
    /// The boundary parameter of a `multipart/form-data` Content-Type, unquoted.
    static func boundary(fromContentType contentType: String) -> String? {
        let pieces = splitParameters(contentType).map { $0.trimmingSpaces() }
        guard let kind = pieces.first, kind.lowercased() == "multipart/form-data" else { return nil }
        for piece in pieces.dropFirst() {
            guard let equals = piece.firstIndex(of: "=") else { continue }
            guard piece[..<equals].trimmingSpaces().lowercased() == "boundary" else { continue }
            var value = piece[piece.index(after: equals)...].trimmingSpaces()
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            // RFC 2046: 1 to 70 characters.
            return (1...70).contains(value.utf8.count) ? value : nil
        }
        return nil
    }

    static func parse(_ body: [UInt8], boundary: String) throws -> [MultipartPart] {
        let delimiter = Array("--\(boundary)".utf8)
        let separator = Array("\r\n--\(boundary)".utf8)
        guard var cursor = firstIndex(of: delimiter, in: body, from: 0) else {
            throw MultipartError(description: "multipart body has no boundary line")
        }
        cursor += delimiter.count
        var parts = [MultipartPart]()
        while true {
            // After a delimiter: "--" closes the body, otherwise CRLF starts a part.
            if body.count >= cursor + 2, body[cursor] == UInt8(ascii: "-"), body[cursor + 1] == UInt8(ascii: "-") {
                return parts
            }
            cursor = skipLinearWhitespace(body, from: cursor)
            guard body.count >= cursor + 2, body[cursor] == 13, body[cursor + 1] == 10 else {
                throw MultipartError(description: "malformed multipart delimiter line")
            }
            cursor += 2
            guard let headerEnd = firstIndex(of: [13, 10, 13, 10], in: body, from: cursor) else {
                throw MultipartError(description: "multipart part without a header end")
            }
            let headers = String(decoding: body[cursor..<headerEnd], as: UTF8.self)
            let contentStart = headerEnd + 4
            guard let contentEnd = firstIndex(of: separator, in: body, from: contentStart) else {
                throw MultipartError(description: "multipart body is truncated (no closing boundary)")
            }
            parts.append(try part(headers: headers, body: Array(body[contentStart..<contentEnd])))
            guard parts.count <= 64 else { throw MultipartError(description: "too many multipart parts") }
            cursor = contentEnd + separator.count
        }
    }

    private static func part(headers: String, body: [UInt8]) throws -> MultipartPart {
        var name: String?
        var filename: String?
        var contentType: String?
        for line in headers.split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let field = line[..<colon].trimmingSpaces().lowercased()
            let value = line[line.index(after: colon)...].trimmingSpaces()
            if field == "content-type" { contentType = value }
            guard field == "content-disposition" else { continue }
            for parameter in splitParameters(value) {
                guard let equals = parameter.firstIndex(of: "=") else { continue }
                let key = parameter[..<equals].trimmingSpaces().lowercased()
                var raw = parameter[parameter.index(after: equals)...].trimmingSpaces()
                if raw.count >= 2, raw.hasPrefix("\""), raw.hasSuffix("\"") { raw = String(raw.dropFirst().dropLast()) }
                if key == "name" { name = raw }
                if key == "filename" { filename = raw }
            }
        }
        guard let name else { throw MultipartError(description: "multipart part without a name") }
        return MultipartPart(name: name, filename: filename, contentType: contentType, body: body)
    }

    /// Splits `form-data; name="a;b"; filename="x"` on semicolons outside quotes.
    private static func splitParameters(_ value: String) -> [String] {
        var result = [String]()
        var current = ""
        var quoted = false
        for character in value {
            if character == "\"" { quoted.toggle() }
            if character == ";", !quoted {
                result.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        result.append(current)
        return result
    }

    private static func skipLinearWhitespace(_ body: [UInt8], from start: Int) -> Int {
        var index = start
        while index < body.count, body[index] == 32 || body[index] == 9 { index += 1 }
        return index
    }

    /// First occurrence of `needle` in `haystack` at or after `start` (memchr on the first byte).
    static func firstIndex(of needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard let first = needle.first, start >= 0, haystack.count - needle.count >= start else { return nil }
        return haystack.withUnsafeBufferPointer { hay -> Int? in
            guard let base = hay.baseAddress else { return nil }
            var index = start
            let last = hay.count - needle.count
            while index <= last {
                guard let hit = memchr(base + index, Int32(first), last - index + 1) else { return nil }
                let found = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                if memcmp(base + found, needle, needle.count) == 0 { return found }
                index = found + 1
            }
            return nil
        }
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }
}
