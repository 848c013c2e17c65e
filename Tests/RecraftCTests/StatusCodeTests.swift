import FoundationEssentials
import RecraftKit
import Testing

@testable import RecraftC

/// The status codes are written once, in `RecraftError.Code.all`. The C enum
/// (`recraft_status` in Types.swift), the header generated from it, `recraft_status_name`
/// and the catalog JSON must agree with that list; the Python bindings' errors.py is held
/// to the header by bindings/python/tests/test_catalog.py.
@Suite struct StatusCodeTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let header = root.appendingPathComponent("include/recraft.h")

    /// `invalid_argument` → `errInvalidArgument`, the case's name in Types.swift.
    static func caseName(_ name: String) -> String {
        "err" + name.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// `case errInvalidArgument = 1` … in Types.swift's `recraft_status`, by name and value
    /// (the header is generated from it: its constant names follow these case names).
    @Test func theCEnumHasExactlyTheCoresCodes() throws {
        let source = try String(contentsOf: Self.root.appendingPathComponent("Sources/RecraftC/Types.swift"), encoding: .utf8)
        let body = try #require(source.range(of: "enum recraft_status").map { source[$0.upperBound...] }?.split(separator: "}").first)
        var cases: [String: Int32] = [:]
        for line in body.split(separator: "\n") {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "=" })
            guard words.count == 3, words[0] == "case", let value = Int32(words[2]) else { continue }
            cases[String(words[1])] = value
        }
        var expected = ["ok": Int32(0)]
        for code in RecraftError.Code.all { expected[Self.caseName(code.name)] = code.rawValue }
        #expect(cases == expected, "Types.swift's recraft_status against RecraftError.Code.all")
        for code in RecraftError.Code.all {
            #expect(recraft_status(code).rawValue == code.rawValue, "recraft_status(code) keeps the value")
        }
        let next = (RecraftError.Code.all.map(\.rawValue).max() ?? 0) + 1
        #expect(recraft_status(rawValue: next) == nil)
    }

    @Test func theHeaderHasExactlyTheCoresCodes() throws {
        let text = try String(contentsOf: Self.header, encoding: .utf8)
        var constants: [String: Int32] = [:]
        for line in text.split(separator: "\n") {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "=" })
            guard words.count == 2, words[0].hasPrefix("RECRAFT_ERR_") || words[0] == "RECRAFT_OK",
                let value = Int32(words[1])
            else { continue }
            constants[String(words[0])] = value
        }
        var expected = ["RECRAFT_OK": Int32(0)]
        for code in RecraftError.Code.all { expected[code.constantName] = code.rawValue }
        #expect(constants == expected, "include/recraft.h (make header) against RecraftError.Code.all")
    }

    @Test func statusNamesAreTheDescriptions() {
        #expect(String(cString: recraft_status_name(0)) == "ok")
        for code in RecraftError.Code.all {
            #expect(String(cString: recraft_status_name(code.rawValue)) == code.description)
        }
        let next = (RecraftError.Code.all.map(\.rawValue).max() ?? 0) + 1
        #expect(String(cString: recraft_status_name(next)) == "unknown status")
        #expect(String(cString: recraft_status_name(-1)) == "unknown status")
    }

    @Test func theCatalogExportIsTheCatalog() throws {
        var out: UnsafeMutablePointer<CChar>?
        #expect(recraft_catalog_json(nil) == .errInvalidArgument)
        #expect(recraft_catalog_json(&out) == .ok)
        let text = String(cString: try #require(out))
        recraft_string_free(out)
        #expect(text == Capabilities.json.serialized())
        let codes = JSONValue.parse(Array(text.utf8))?["status_codes"]?.array ?? []
        #expect(codes.compactMap { $0["constant"]?.string } == ["RECRAFT_OK"] + RecraftError.Code.all.map(\.constantName))
    }

    @Test func outputNamesThroughTheCAPI() throws {
        var out: UnsafeMutablePointer<CChar>?
        #expect(recraft_output_stem("https://host/a/cat.webp?x=1", "remove_background", &out) == .ok)
        #expect(out.map { String(cString: $0) } == "cat.remove-background")
        recraft_string_free(out)
        out = nil
        #expect(recraft_output_stem("cat.png", "generative_upscale", &out) == .ok)
        #expect(out.map { String(cString: $0) } == "cat.creative-upscale", "an alias names its operation")
        recraft_string_free(out)
        out = nil
        #expect(recraft_output_stem("cat.png", "crisp-upscale", &out) == .errInvalidArgument)
        #expect(out == nil)
        #expect(recraft_job_file_name(nil, 0, nil, &out) == .errInvalidArgument)
    }
}

/// A message handed to C is a C string: an interior NUL becomes a space, nothing else changes.
@Suite struct LastErrorTextTests {
    @Test func interiorNULsBecomeSpaces() {
        #expect("a\0b\0".replacingNUL() == "a b ")
        #expect("é\u{301} plain".replacingNUL() == "é\u{301} plain")
        #expect("".replacingNUL() == "")
    }
}
