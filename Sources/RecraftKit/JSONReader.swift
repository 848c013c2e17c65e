/// The reader behind `JSONValue.parse`: one pass over the bytes, no recursion. Open
/// containers live on explicit stacks, so nesting costs heap, not call stack, and is checked
/// against `maxDepth` at each opening bracket.
struct JSONReader {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    /// One entry per open container, innermost last: `true` for an object.
    var open: [Bool] = []
    var arrays: [[JSONValue]] = []
    var objects: [[String: JSONValue]] = []
    /// The key each open object's next value goes under.
    var keys: [String] = []

    static func read(_ bytes: UnsafeBufferPointer<UInt8>) -> JSONValue? {
        var reader = JSONReader(bytes: bytes)
        return reader.read()
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// The byte at `position`, or 0 past the end. No rule of the grammar accepts a 0 byte,
    /// so running off the end fails wherever it happens.
    @inline(__always) func byte(_ position: Int) -> UInt8 { position < bytes.count ? bytes[position] : 0 }

    @inline(__always) mutating func skipSpace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    /// Steps over `byte` (after white space), or says it is not next.
    @inline(__always) mutating func take(_ expected: UInt8) -> Bool {
        skipSpace()
        guard byte(index) == expected else { return false }
        index += 1
        return true
    }

    /// Where and why `read` failed: the byte offset and what was expected there.
    var failure: (offset: Int, expected: String)?

    static let expectedValue = "a value: an object, array, string (in double quotes), number, true, false or null"
    static let expectedKey = "a key (a string in double quotes) and ':'"
    static let expectedString =
        "the rest of a string and its closing '\"': a '\"' or '\\' inside must be escaped (\\\" and \\\\), control characters too, and the text must be UTF-8"

    /// Records why reading stopped; always nil, for `return fail(...)`.
    mutating func fail(_ expected: String) -> JSONValue? {
        failure = (index, expected)
        return nil
    }

    /// Why `bytes` is not one JSON value: the byte offset and what was expected there;
    /// nil when it is one.
    static func diagnose(_ bytes: UnsafeBufferPointer<UInt8>) -> (offset: Int, expected: String)? {
        var reader = JSONReader(bytes: bytes)
        guard reader.read() == nil else { return nil }
        return reader.failure ?? (reader.index, expectedValue)
    }

    mutating func read() -> JSONValue? {
        skipSpace()
        while true {
            // A value starts here.
            var value: JSONValue
            switch byte(index) {
            case UInt8(ascii: "{"):
                guard open.count < JSONValue.maxDepth else { return fail("at most \(JSONValue.maxDepth) levels of nesting") }
                index += 1
                if take(UInt8(ascii: "}")) {
                    value = .object([:])
                } else {
                    guard let key = readKey() else { return fail(Self.expectedKey) }
                    open.append(true)
                    objects.append([:])
                    keys.append(key)
                    continue
                }
            case UInt8(ascii: "["):
                guard open.count < JSONValue.maxDepth else { return fail("at most \(JSONValue.maxDepth) levels of nesting") }
                index += 1
                if take(UInt8(ascii: "]")) {
                    value = .array([])
                } else {
                    open.append(false)
                    arrays.append([])
                    continue
                }
            case UInt8(ascii: "\""):
                index += 1
                guard let string = readString() else { return fail(Self.expectedString) }
                value = .string(string)
            case UInt8(ascii: "t"):
                guard readLiteral("true") else { return fail("true") }
                value = .bool(true)
            case UInt8(ascii: "f"):
                guard readLiteral("false") else { return fail("false") }
                value = .bool(false)
            case UInt8(ascii: "n"):
                guard readLiteral("null") else { return fail("null") }
                value = .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                guard let number = readNumber() else { return fail("a number (digits, an optional fraction and exponent)") }
                value = .number(number)
            default:
                return fail(index < bytes.count ? Self.expectedValue : "more input (the text ends early): \(Self.expectedValue)")
            }
            // The value is complete: hand it to the container it is in, closing every
            // container it completes, until one wants another value.
            while true {
                guard let isObject = open.last else {
                    skipSpace()
                    return index == bytes.count ? value : fail("the end of the input (the JSON value is complete)")
                }
                if isObject {
                    let last = objects.count - 1
                    guard objects[last].updateValue(value, forKey: keys[last]) == nil else {
                        return fail("a key not already in this object (\"\(keys[last])\" appears twice)")
                    }
                    if take(UInt8(ascii: ",")) {
                        guard let key = readKey() else { return fail(Self.expectedKey) }
                        keys[last] = key
                        break
                    }
                    guard take(UInt8(ascii: "}")) else { return fail("',' or '}' after an object member") }
                    open.removeLast()
                    keys.removeLast()
                    value = .object(objects.removeLast())
                } else {
                    arrays[arrays.count - 1].append(value)
                    if take(UInt8(ascii: ",")) { break }
                    guard take(UInt8(ascii: "]")) else { return fail("',' or ']' after an array element") }
                    open.removeLast()
                    value = .array(arrays.removeLast())
                }
            }
            skipSpace()
        }
    }

    /// `"key" :` with the white space around it.
    mutating func readKey() -> String? {
        guard take(UInt8(ascii: "\"")), let key = readString(), take(UInt8(ascii: ":")) else { return nil }
        skipSpace()
        return key
    }

    mutating func readLiteral(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - index >= count else { return false }
        for offset in 0..<count where bytes[index + offset] != literal.utf8Start[offset] { return false }
        index += count
        return true
    }

    /// A string's contents and its closing quote (the opening one is behind `index`).
    mutating func readString() -> String? {
        let start = index
        var seen: UInt8 = 0
        // The common case first: no escapes, so the bytes are the string.
        while true {
            let next = byte(index)
            if next == UInt8(ascii: "\"") {
                let raw = UnsafeBufferPointer(rebasing: bytes[start..<index])
                index += 1
                return seen < 0x80 ? String(decoding: raw, as: UTF8.self) : String(validating: raw, as: UTF8.self)
            }
            if next == UInt8(ascii: "\\") { break }
            if next < 0x20 { return nil }  // a control character, or the end of the input
            seen |= next
            index += 1
        }
        // Escapes: decode into a buffer. What they produce is whole UTF-8 sequences, so the
        // buffer is valid exactly when the raw bytes between them are.
        var utf8 = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while true {
            let next = byte(index)
            switch next {
            case UInt8(ascii: "\""):
                index += 1
                return String(validating: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let scalar = readEscape() else { return nil }
                appendUTF8(scalar, to: &utf8)
            case 0..<0x20:
                return nil
            default:
                utf8.append(next)
                index += 1
            }
        }
    }

    /// One escape, `index` at its backslash. A `\u` escape of a UTF-16 high surrogate must be
    /// followed by one of a low surrogate; a lone or unpaired half is refused, since no
    /// Unicode scalar (and so no Swift String) can hold it.
    mutating func readEscape() -> UInt32? {
        let letter = byte(index + 1)
        index += 2
        switch letter {
        case UInt8(ascii: "\""): return 0x22
        case UInt8(ascii: "\\"): return 0x5C
        case UInt8(ascii: "/"): return 0x2F
        case UInt8(ascii: "b"): return 0x08
        case UInt8(ascii: "f"): return 0x0C
        case UInt8(ascii: "n"): return 0x0A
        case UInt8(ascii: "r"): return 0x0D
        case UInt8(ascii: "t"): return 0x09
        case UInt8(ascii: "u"):
            guard let unit = readHex4() else { return nil }
            switch unit {
            case 0xD800...0xDBFF:
                guard byte(index) == UInt8(ascii: "\\"), byte(index + 1) == UInt8(ascii: "u") else { return nil }
                index += 2
                guard let low = readHex4(), (0xDC00...0xDFFF).contains(low) else { return nil }
                return 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
            case 0xDC00...0xDFFF:
                return nil
            default:
                return unit
            }
        default:
            return nil
        }
    }

    mutating func readHex4() -> UInt32? {
        var unit: UInt32 = 0
        for _ in 0..<4 {
            let next = byte(index)
            let digit: UInt8
            switch next {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = next - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = next - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = next - UInt8(ascii: "A") + 10
            default: return nil
            }
            unit = unit << 4 | UInt32(digit)
            index += 1
        }
        return unit
    }

    func appendUTF8(_ scalar: UInt32, to utf8: inout [UInt8]) {
        switch scalar {
        case ..<0x80:
            utf8.append(UInt8(scalar))
        case ..<0x800:
            utf8.append(UInt8(0xC0 | scalar >> 6))
            utf8.append(UInt8(0x80 | scalar & 0x3F))
        case ..<0x10000:
            utf8.append(UInt8(0xE0 | scalar >> 12))
            utf8.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            utf8.append(UInt8(0x80 | scalar & 0x3F))
        default:
            utf8.append(UInt8(0xF0 | scalar >> 18))
            utf8.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            utf8.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            utf8.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// `-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`, correctly rounded.
    mutating func readNumber() -> Double? {
        let start = index
        let negative = byte(index) == UInt8(ascii: "-")
        if negative { index += 1 }
        // The digits before the exponent as an integer while they fit in 15 digits (so in a
        // Double exactly), how many of them follow the dot, and whether one is not 0.
        var mantissa: UInt64 = 0
        var digits = 0
        var fractionDigits = 0
        var nonZero = false
        if byte(index) == UInt8(ascii: "0") {
            index += 1
            guard !isDigit(byte(index)) else { return nil }  // a leading zero
            digits = 1
        } else {
            guard isDigit(byte(index)) else { return nil }  // "-" alone, "-x"
            while isDigit(byte(index)) { addDigit(&mantissa, &digits, &nonZero) }
        }
        if byte(index) == UInt8(ascii: ".") {
            index += 1
            guard isDigit(byte(index)) else { return nil }  // "1."
            while isDigit(byte(index)) {
                addDigit(&mantissa, &digits, &nonZero)
                fractionDigits += 1
            }
        }
        var exponent = 0
        if (byte(index) | 0x20) == UInt8(ascii: "e") {
            index += 1
            let negativeExponent = byte(index) == UInt8(ascii: "-")
            if negativeExponent || byte(index) == UInt8(ascii: "+") { index += 1 }
            guard isDigit(byte(index)) else { return nil }  // "1e", "1e+"
            while isDigit(byte(index)) {
                // Saturates: past 1e6 the value is 0 or inf whatever the mantissa says.
                exponent = min(exponent * 10 + Int(byte(index) - UInt8(ascii: "0")), 1_000_000)
                index += 1
            }
            if negativeExponent { exponent = -exponent }
        }
        // Clinger's fast path: a mantissa exact in a Double times or over an exact power of
        // ten is one correctly rounded operation.
        let scale = exponent - fractionDigits
        if digits <= 15, (-22...22).contains(scale) {
            let magnitude = scale < 0 ? Double(mantissa) / Self.powersOfTen[-scale] : Double(mantissa) * Self.powersOfTen[scale]
            return negative ? -magnitude : magnitude
        }
        // Otherwise the standard library's correctly rounded conversion, which says inf for
        // 1e400 and 0 for 1e-400: both are refused, like JSONDecoder refused them.
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let value = Double(text), value.isFinite, value != 0 || !nonZero else { return nil }
        return value
    }

    @inline(__always) mutating func addDigit(_ mantissa: inout UInt64, _ digits: inout Int, _ nonZero: inout Bool) {
        let digit = byte(index) - UInt8(ascii: "0")
        if digits < 15 { mantissa = mantissa * 10 + UInt64(digit) }
        nonZero = nonZero || digit != 0
        digits += 1
        index += 1
    }

    static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
        1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
    ]

    @inline(__always) func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
