import FoundationEssentials
import Testing

@testable import RecraftKit

/// JSONValue's own reader and writer (`JSONValue.parse`, `serialized()`): RFC 8259 strict,
/// linear, bounded in depth, and printing what JSONEncoder printed before them. Foundation's
/// JSONEncoder and JSONDecoder appear here only as the reference. No network.
@Suite struct JSONReaderTests {
    func parse(_ text: String) -> JSONValue? { JSONValue.parse(Array(text.utf8)) }

    func number(_ text: String) -> Double? {
        if case .number(let value)? = parse(text) { return value }
        return nil
    }

    /// What serialized() printed when it was JSONEncoder, which `encode(to:)` still feeds.
    static func encoderText(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }

    static func nested(_ depth: Int, _ open: String, _ middle: String, _ close: String) -> String {
        String(repeating: open, count: depth) + middle + String(repeating: close, count: depth)
    }

    // MARK: Reading

    @Test(arguments: [
        ("null", JSONValue.null), ("true", .bool(true)), (" false ", .bool(false)), ("0", .number(0)),
        ("-12", .number(-12)), ("\"\"", .string("")), ("[]", .array([])), ("{}", .object([:])),
        (" \t\r\n[ 1 , \"a\" , null ] \n", .array([.number(1), .string("a"), .null])),
        (#"{"a": {"b": [true, {}]}, "c": -1.5e2}"#, .object(["a": .object(["b": .array([.bool(true), .object([:])])]), "c": .number(-150)])),
        (#"["\u0000", "\u007f", "\u00e9\u2028"]"#, .array([.string("\u{0}"), .string("\u{7F}"), .string("é\u{2028}")])),
        ("[\"\u{7F}é😀\"]", .array([.string("\u{7F}é😀")]))
    ])
    func readsValidDocuments(text: String, expected: JSONValue) {
        #expect(parse(text) == expected)
    }

    @Test(arguments: [
        // Not one value, or not only one.
        "", "   ", "\u{FEFF}[1]", "[1] x", "1 2", "[1]]", "{}}", "nul", "tru", "nulll", "truefalse",
        // Punctuation.
        "[1,]", #"{"a":1,}"#, "[,1]", "[1,,2]", "{,}", "[1 2]", #"{"a" 1}"#, #"{"a"}"#, #"{"a":}"#, "{1:2}", "{'a':1}",
        "[", "{", #"{"a":1"#, "[1,",
        // Numbers.
        "01", "-01", "[00]", "+1", ".5", "1.", "1.e5", "-", "--1", "1e", "1e+", "1E-", "0x10", "NaN", "Infinity",
        "-Infinity", "1e400", "-1e400", "1.7976931348623159e308", "1e-400", "[-]",
        // Strings.
        "\"", "\"abc", "\"a\tb\"", "\"a\nb\"", #""\x""#, #""\U0041""#, #""\u12""#, #""\u12g4""#, "\"\\", "'a'",
        // Surrogates: lone, reversed, or a high half followed by anything but a low half.
        #""\ud800""#, #""\udc00""#, #""\udfff\ud800""#, #""\ud800\u0041""#, #""\ud800x""#, #""\ud800\ud800""#, #""\ud83d\u"#
    ])
    func rejects(text: String) {
        #expect(parse(text) == nil)
    }

    @Test(
        arguments: [
            [0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xC0, 0xAF, 0x22],  // a stray byte, a cut sequence, an overlong "/"
            [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // a UTF-8 surrogate, past U+10FFFF
            [0x22, 0xC3, 0x5C, 0x6E, 0xA9, 0x22],  // a sequence an escape cuts in two
            [0x22, 0x00, 0x22], [0x5B, 0x31, 0x00, 0x5D]  // NUL in a string and between tokens
        ] as [[UInt8]])
    func rejectsInvalidUTF8AndNUL(bytes: [UInt8]) {
        #expect(JSONValue.parse(bytes) == nil)
    }

    @Test func readsEscapesAndSurrogatePairs() {
        #expect(parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{8}\u{C}\n\r\t"))
        #expect(parse(#""\u0041\u00E9\u20ac\uFFFF""#) == .string("Aé€\u{FFFF}"))
        #expect(parse(#""\ud83d\ude00 \uD834\uDD1E""#) == .string("😀 𝄞"))
        #expect(parse(#""a\u0000b""#) == .string("a\u{0}b"))
        #expect(JSONValue.parse([0x22, 0xC3, 0xA9, 0x5C, 0x6E, 0xF0, 0x9F, 0x98, 0x80, 0x22] as [UInt8]) == .string("é\n😀"))
    }

    @Test func readsNumbersCorrectlyRounded() {
        let cases: [(String, Double)] = [
            ("0", 0), ("-0", -0.0), ("1E5", 1e5), ("1e+5", 1e5), ("12.5e-1", 1.25), ("0.1", 0.1), ("0.000", 0),
            ("0e-999999", 0), ("9007199254740993", 9_007_199_254_740_992), ("123456789012345678901234567890", 1.2345678901234568e29),
            ("0.1000000000000000055511151231257827021181583404541015625", 0.1),
            ("1.7976931348623157e308", .greatestFiniteMagnitude), ("2.2250738585072014e-308", .leastNormalMagnitude),
            ("4.9406564584124654e-324", .leastNonzeroMagnitude), ("2.4703282292062328e-324", .leastNonzeroMagnitude)
        ]
        for (text, expected) in cases {
            #expect(number(text) == expected, "\(text)")
            #expect(number(text)?.sign == expected.sign, "\(text)")
        }
        // The fast path and the slow one agree with the standard library on random decimals.
        var rng = FuzzTests.Generator(state: 0xD161_7500)
        for _ in 0..<20000 {
            var text = Bool.random(using: &rng) ? "-" : ""
            text +=
                Int.random(in: 0...3, using: &rng) == 0 ? "0" : String(UInt64.random(in: 1...UInt64.max >> Int.random(in: 0...63, using: &rng), using: &rng))
            if Bool.random(using: &rng) { text += "." + String(UInt64.random(in: 0...UInt64.max >> Int.random(in: 0...63, using: &rng), using: &rng)) }
            if Bool.random(using: &rng) { text += ["e", "E-", "e+"].randomElement(using: &rng)! + String(Int.random(in: 0...40, using: &rng)) }
            #expect(number(text) == Double(text)!, "\(text)")
        }
    }

    @Test func refusesDuplicateKeys() {
        // JSONDecoder kept the first: {"a":1,"a":2} was {"a":1}.
        #expect(parse(#"{"a":1,"a":2}"#) == nil)
        #expect(parse(#"{"taskId":"mine","state":"success","taskId":"theirs"}"#) == nil)
        #expect(parse(#"{"data":{"x":[{"k":1,"k":1}]}}"#) == nil)
        // Canonically equivalent keys are one String, so one key.
        #expect(parse(#"{"\u00e9":1,"e\u0301":2}"#) == nil)
        // The same key in different objects is fine.
        #expect(parse(#"[{"a":1},{"a":2},{"a":{"a":3}}]"#) != nil)
    }

    @Test func nestingStopsAtMaxDepth() {
        let limit = JSONValue.maxDepth
        #expect(limit == 64)
        #expect(parse(Self.nested(limit, "[", "1", "]")) != nil)
        #expect(parse(Self.nested(limit + 1, "[", "1", "]")) == nil)
        #expect(parse(Self.nested(limit, "[", "", "]")) != nil)  // an empty container counts too
        #expect(parse(Self.nested(limit + 1, "[", "", "]")) == nil)
        #expect(parse(Self.nested(limit, #"{"a":"#, "1", "}")) != nil)
        #expect(parse(Self.nested(limit + 1, #"{"a":"#, "1", "}")) == nil)
        #expect(parse(Self.nested(limit / 2, #"{"a":["#, "1", "]}")) != nil)
        #expect(parse(Self.nested(limit / 2, #"{"a":["#, "{}", "]}")) == nil)
        var value = JSONValue.null
        for _ in 0..<limit { value = .array([value]) }
        #expect(parse(value.serialized()) == value)
    }

    /// Nesting costs no call stack: a recursive reader would overflow it here, and the old
    /// decoder spent about a second on 1 KB nested 500 deep. The bound is generous (a debug
    /// build on a busy machine) and still far below what a quadratic reader needs.
    @Test func deepOrLargeInputIsLinear() {
        let clock = ContinuousClock()
        let start = clock.now
        #expect(parse(Self.nested(100_000, "[", "", "]")) == nil)
        #expect(parse(Self.nested(100_000, #"{"a":"#, "1", "}")) == nil)
        #expect(parse(String(repeating: "[", count: 1_000_000)) == nil)
        #expect(parse(Self.nested(500, "[", "", "]")) == nil)
        // 4,000 siblings each nested 63 deep: valid, about 0.5 MB.
        let sibling = Self.nested(JSONValue.maxDepth - 1, "[", "1", "]")
        #expect(parse("[" + Array(repeating: sibling, count: 4000).joined(separator: ",") + "]")?.array?.count == 4000)
        #expect(parse("0." + String(repeating: "7", count: 1_000_000)) != nil)
        #expect(clock.now - start < .seconds(10))
    }

    @Test func readsEveryKindOfByteCollection() {
        let text = #"{"code":200,"data":{"taskId":"t1","resultUrls":["https://a/b.png"]}}"#
        let expected = parse(text)
        #expect(expected != nil)
        #expect(JSONValue.parse(Array(text.utf8)[...]) == expected)
        #expect(JSONValue.parse(Array(("  " + text).utf8).dropFirst(2)) == expected)
        #expect(JSONValue.parse(Data(text.utf8)) == expected)
        #expect(JSONValue.parse(text.utf8) == expected)
        #expect(JSONValue.parse(text.utf8.lazy.map { $0 }) == expected)  // not contiguous
    }

    // MARK: Writing

    @Test func writesWhatJSONEncoderWrote() {
        let corners: [JSONValue] = [
            .number(0.1), .number(1e-7), .number(1.5e300), .number(-0.0), .number(1e15), .number(999_999_999_999_999),
            .number(-1e15), .number(2e15), .number(1e16), .number(1e21), .number(1e-5), .number(0.0001), .number(1e15 + 0.5),
            .number(.leastNonzeroMagnitude), .number(.greatestFiniteMagnitude), .number(-123.456),
            .string("a\"b\\c/d\u{8}\u{C}\n\r\t\u{0}\u{1}\u{1F}\u{7F}\u{80}\u{2028}\u{2029}\u{FEFF}é😀"),
            .object([
                "b": .null, "a": .null, "B": .null, "é": .null, "e\u{301}f": .null, "\u{10000}": .null, "\u{FFFF}": .null,
                "": .null, "a1": .null, "a10": .null, "a2": .null, "~": .null, "\u{7F}": .null, "_": .null
            ]),
            .array([.null, .bool(true), .bool(false), .object([:]), .array([])]),
            .number(.nan), .array([.number(.infinity)]), .object(["a": .number(-.infinity)])
        ]
        for value in corners { #expect(value.serialized() == Self.encoderText(value), "\(value)") }
        #expect(JSONValue.number(1e-7).serialized() == "1e-07")
        #expect(JSONValue.number(-0.0).serialized() == "0")
        #expect(JSONValue.array([.number(.nan)]).serialized() == "null")
        var rng = FuzzTests.Generator(state: 0x0E4C_0DE5)
        for _ in 0..<500 {
            let value = Self.randomValue(&rng)
            #expect(value.serialized() == Self.encoderText(value), "\(value)")
        }
    }

    @Test func writerRefusesWhatJSONEncoderRefused() {
        var value = JSONValue.null
        for _ in 0..<511 { value = .array([value]) }
        #expect(value.serialized().hasPrefix("[[[") && value.serialized() == Self.encoderText(value))
        value = .object(["a": value])
        #expect(value.serialized() == "null" && Self.encoderText(value) == "null")
    }

    @Test func roundTripsRandomValues() {
        var rng = FuzzTests.Generator(state: 0x0051_7EED)
        for _ in 0..<2000 {
            let value = Self.randomValue(&rng)
            let text = value.serialized()
            #expect(parse(text) == value, "\(text)")
            #expect(parse(text)?.serialized() == text)
        }
    }

    // MARK: Codable

    /// The conformance the CLI's sidecar uses: JSONDecoder reads through `init(from:)` what
    /// the reader reads, and deep nesting no longer re-decodes every level.
    @Test func codableAgreesWithTheReader() throws {
        var rng = FuzzTests.Generator(state: 0xC0DA_B1E)
        for _ in 0..<300 {
            let text = Self.randomValue(&rng).serialized()
            #expect(try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) == parse(text), "\(text)")
        }
        struct Record: Codable, Equatable { var options: [String: JSONValue] }
        let record = Record(options: ["scale": .number(4), "tags": .array(["a", .null]), "deep": parse(Self.nested(60, "[", "1", "]"))!])
        #expect(try JSONDecoder().decode(Record.self, from: JSONEncoder().encode(record)) == record)
        let deep = Self.nested(200, "[", "1", "]")
        #expect(try JSONDecoder().decode(JSONValue.self, from: Data(deep.utf8)).serialized() == deep)
    }

    // MARK: Random values

    static func randomString(_ rng: inout FuzzTests.Generator) -> String {
        var scalars = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...8, using: &rng) {
            switch Int.random(in: 0..<6, using: &rng) {
            case 0: scalars.append(Unicode.Scalar(UInt8.random(in: 0...0x7F, using: &rng)))
            case 1: scalars.append(Unicode.Scalar(UInt8.random(in: 0x61...0x7A, using: &rng)))
            case 2: scalars.append(Unicode.Scalar(UInt32.random(in: 0x80...0xD7FF, using: &rng)) ?? "?")
            case 3: scalars.append(Unicode.Scalar(UInt32.random(in: 0xE000...0x10FFFF, using: &rng)) ?? "?")
            case 4: scalars.append(["\u{2028}", "\u{301}", "é", "\"", "\\", "/", "\u{7F}", "\u{FEFF}"].randomElement(using: &rng)!)
            default: scalars.append(Unicode.Scalar(UInt8.random(in: 0...0x1F, using: &rng)))
            }
        }
        return String(scalars)
    }

    static func randomNumber(_ rng: inout FuzzTests.Generator) -> Double {
        switch Int.random(in: 0..<6, using: &rng) {
        case 0: return Double(Int.random(in: -1000...1000, using: &rng))
        case 1: return Double(Int64.random(in: -(1 << 53)...(1 << 53), using: &rng))
        case 2: return Double.random(in: -1...1, using: &rng)
        case 3:
            let bits = Double(bitPattern: rng.next())
            return bits.isFinite ? bits : 0.5
        case 4: return [0.1, 1e-7, 1.5e300, -0.0, 1e15, 1e15 - 1, -1e15, 1e16, 2e15, 1e21, 1e-5, 1e15 + 0.5].randomElement(using: &rng)!
        default: return Double(Int.random(in: -1000...1000, using: &rng)) / 8
        }
    }

    static func randomValue(_ rng: inout FuzzTests.Generator, depth: Int = 0) -> JSONValue {
        switch Int.random(in: 0..<(depth > 4 ? 4 : 6), using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2: return .number(randomNumber(&rng))
        case 3: return .string(randomString(&rng))
        case 4: return .array((0..<Int.random(in: 0...4, using: &rng)).map { _ in randomValue(&rng, depth: depth + 1) })
        default:
            var object: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0...4, using: &rng) { object[randomString(&rng)] = randomValue(&rng, depth: depth + 1) }
            return .object(object)
        }
    }
}
