// The catalog is the one place for names: operations, what each preset offers, the
// output naming rule and the status codes. These tests walk it, so the README's table,
// the public API and the JSON the C API hands out cannot drift from `Catalog.offers`.

import FoundationEssentials
import Testing

@testable import RecraftKit

@Suite struct CatalogTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func capabilitiesAreCatalogOffers() {
        for preset in Preset.allCases {
            let offers = Catalog.offers(preset)
            #expect(Set(Capabilities.operations(preset)) == Set(offers.keys), "\(preset)")
            for operation in Operation.allCases {
                #expect(Capabilities.options(operation, preset: preset) == offers[operation]?.options, "\(preset) \(operation)")
                #expect(operation.presets.contains(preset) == (offers[operation] != nil))
            }
        }
        #expect(Operation.allCases.allSatisfy { !$0.presets.isEmpty }, "every operation is offered somewhere")
    }

    @Test func everyOperationHasItsNames() {
        let commands = Operation.allCases.map(\.commandName)
        #expect(Set(commands).count == commands.count)
        #expect(commands == ["crisp-upscale", "creative-upscale", "clarity-upscale", "remove-background", "vectorize"])
        for operation in Operation.allCases {
            #expect(OutputName.suffix(for: operation) == operation.commandName)
            #expect(!operation.summary.isEmpty && !operation.resultDescription.isEmpty)
            #expect(Operation(name: operation.rawValue) == operation)
            for alias in operation.aliases { #expect(Operation(name: alias) == operation) }
        }
        #expect(Operation(name: "generative_upscale") == .creativeUpscale)
        #expect(Operation(name: "crisp-upscale") == nil, "command names are not operation names")
    }

    /// README.md "Providers and operations": one row per preset, one column per operation,
    /// a ✓ exactly where `Catalog.offers` has the pair, the key's variable, and only option
    /// keys the preset takes.
    @Test func theReadmeTableIsTheCatalog() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.range(of: "## Providers and operations"), "README has no providers table")
        let rows = readme[section.upperBound...].split(separator: "\n").drop { !$0.hasPrefix("|") }.prefix { $0.hasPrefix("|") }
        func cells(_ line: Substring) -> [String] {
            line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast().map { String($0).trimmed }
        }
        let header = cells(try #require(rows.first))
        let operationColumns = header.enumerated().compactMap { index, name in Operation(rawValue: name).map { (index, $0) } }
        #expect(operationColumns.map(\.1) == Operation.allCases, "the table's operation columns: \(header)")
        let keyColumn = try #require(header.firstIndex(of: "key from"))
        var presets: [Preset] = []
        for line in rows.dropFirst(2) {
            let row = cells(line)
            let name = row[0].filter { $0 != "`" }
            let preset = try #require(Preset(rawValue: name), "README row for an unknown preset: \(name)")
            presets.append(preset)
            let offers = Catalog.offers(preset)
            for (column, operation) in operationColumns {
                let cell = row[column]
                #expect(cell.hasPrefix("✓") == (offers[operation] != nil), "README says \(preset) × \(operation) is \"\(cell)\"")
                // A backticked word is an option key, or the provider's own name for the operation.
                for key in backticked(cell) where key != offers[operation]?.wireName {
                    #expect(offers[operation]?.options[key] != nil, "README names option \(key) for \(preset) × \(operation)")
                }
            }
            #expect(row[keyColumn].filter { $0 != "`" } == (preset.apiKeyVariable ?? "none"), "\(preset)")
        }
        #expect(presets == Preset.allCases, "one README row per preset, in order")
    }

    private func backticked(_ text: String) -> [String] {
        text.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }

    @Test func theCatalogJSONCarriesEveryName() throws {
        let json = try #require(JSONValue.parse(Array(Capabilities.json.serialized().utf8)))
        let operations = try #require(json["operations"]?.array)
        #expect(operations.compactMap { $0["name"]?.string } == Operation.allCases.map(\.rawValue))
        #expect(operations.compactMap { $0["command"]?.string } == Operation.allCases.map(\.commandName))
        #expect(operations.compactMap { $0["output_suffix"]?.string } == Operation.allCases.map { OutputName.suffix(for: $0) })
        let presets = try #require(json["presets"]?.array)
        #expect(presets.compactMap { $0["name"]?.string } == Preset.allCases.map(\.rawValue))
        for (preset, entry) in zip(Preset.allCases, presets) {
            let offered = try #require(entry["operations"]?.object)
            #expect(Set(offered.keys) == Set(Catalog.offers(preset).keys.map(\.rawValue)))
            for (operation, offer) in Catalog.offers(preset) {
                let options = offered[operation.rawValue]?["options"]?.object ?? [:]
                #expect(options.mapValues { $0.array?.compactMap(\.string) ?? [] } == offer.options)
                #expect(offered[operation.rawValue]?["limits"]?["max_bytes"]?.int == offer.limits.maxBytes)
            }
        }
        let codes = try #require(json["status_codes"]?.array)
        #expect(codes.compactMap { $0["code"]?.int } == [0] + RecraftError.Code.all.map { Int($0.rawValue) })
        #expect(codes.compactMap { $0["name"]?.string } == ["ok"] + RecraftError.Code.all.map(\.name))
        #expect(json["result_extensions"]?.array?.compactMap(\.string) == OutputName.resultExtensions)
    }

    // MARK: - Output names

    @Test func stemsFollowTheInput() {
        let cases: [(String, String)] = [
            ("photo.png", "photo"), ("/a/b/photo.jpeg", "photo"), ("archive.tar.gz", "archive.tar"), ("noext", "noext"),
            (".hidden", ".hidden"), ("dir/", "dir"), ("https://host/x/cat.webp?sig=1#f", "cat"), ("https://host/", "image"),
            ("https://host/a%20b.png", "a b"), ("HTTP://host/Dog.PNG", "Dog"), ("", "image")
        ]
        for (input, stem) in cases {
            #expect(OutputName.stem(input: input, operation: .crispUpscale) == stem + ".crisp-upscale", "\(input)")
        }
        #expect(OutputName.stem(input: "p.png", operation: .removeBackground) == "p.remove-background")
        #expect(OutputName.stem(input: "p.png", operation: .crispUpscale, index: 0) == "p.crisp-upscale")
        #expect(OutputName.stem(input: "p.png", operation: .crispUpscale, index: 2) == "p.crisp-upscale-2")
        #expect(OutputName.stem(jobId: "task_1-a/../b", index: 2) == "task_1-ab-2")
        #expect(OutputName.stem(jobId: nil, index: 0) == "job-0")
        #expect(OutputName.stem(jobId: "../", index: 0) == "job-0")
    }

    @Test func extensionsFollowTheResult() {
        let cases: [(JobResult?, String?, String)] = [
            (.url("https://cdn/x/result.PNG"), nil, "png"),
            (.url("https://cdn/x/result.jpeg?token=1"), nil, "jpeg"),
            (.url("https://cdn/x/result.svg"), "in.png", "svg"),
            (.url("https://cdn/x/result"), "in.webp", "webp"),
            (.url("https://cdn/x/result"), nil, "png"),
            (.url("https://cdn/x/result.toolongext"), nil, "png"),
            (.url("https://cdn/x/result.p-g"), "in.jpg", "jpg"),
            (.inline(bytes: [], mimeType: "image/jpeg"), nil, "jpg"),
            (.inline(bytes: [], mimeType: "image/svg+xml"), nil, "svg"),
            (.inline(bytes: [], mimeType: "image/webp; q=1"), nil, "webp"),
            (.inline(bytes: [], mimeType: "application/octet-stream"), "in.png", "png"),
            (.inline(bytes: [0xFF, 0xD8, 0xFF, 0xE0], mimeType: "application/octet-stream"), "in.png", "jpg"),  // magic bytes
            (.inline(bytes: Array("RIFF\0\0\0\0WEBPVP8 ".utf8), mimeType: ""), nil, "webp"),
            (nil, "in.webp", "webp"),
            (nil, nil, "png")
        ]
        for (result, input, ext) in cases {
            #expect(OutputName.fileExtension(of: result, input: input) == ext, "\(String(describing: result)) \(input ?? "-")")
        }
        #expect(OutputName.fileName(stem: "photo.vectorize", result: .url("https://h/r.svg")) == "photo.vectorize.svg")
    }

    // MARK: - Status codes

    /// The ABI's numbers, names and descriptions, frozen: changing one breaks programs
    /// and scripts (docs/ABI.md). A new code adds a line here.
    static let frozenCodes: [(Int32, String, String)] = [
        (1, "invalid_argument", "invalid argument"), (2, "invalid_config", "invalid configuration"), (3, "unsupported", "unsupported"),
        (4, "invalid_input", "invalid input"), (5, "authentication", "authentication failed"), (6, "insufficient_credits", "insufficient credits"),
        (7, "rate_limited", "rate limited"), (8, "provider_unavailable", "provider unavailable"), (9, "not_found", "not found"),
        (10, "job_failed", "job failed"), (11, "timeout", "timeout"), (12, "cancelled", "cancelled"), (13, "network", "network error"),
        (14, "io", "I/O error"), (15, "protocol", "protocol error"), (16, "submit_uncertain", "submit outcome unknown"),
        (17, "not_ready", "not ready"), (18, "internal", "internal error")
    ]

    @Test func statusCodesAreOneContiguousList() {
        let all = RecraftError.Code.all
        #expect(all.map(\.rawValue) == Array(1...Int32(all.count)), "numbered 1, 2, … in order, none skipped")
        #expect(Set(all.map(\.name)).count == all.count)
        for code in all {
            #expect(RecraftError.Code(rawValue: code.rawValue) == code)
            #expect(RecraftError.Code(rawValue: code.rawValue).name == code.name)
            #expect(code.constantName == "RECRAFT_ERR_" + code.name.uppercased())
        }
        for (raw, name, description) in Self.frozenCodes {
            let code = RecraftError.Code(rawValue: raw)
            #expect(code.name == name && code.description == description, "code \(raw)")
        }
        #expect(all.count >= Self.frozenCodes.count)
        let unknown = RecraftError.Code(rawValue: 999)
        #expect(unknown.name == "error_999" && unknown.description == "error 999" && !all.contains(unknown))
        #expect(RecraftError.Code.jobFailed.name == "job_failed" && RecraftError.Code.protocolError.name == "protocol")
    }
}
