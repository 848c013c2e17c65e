import FoundationEssentials
import TestSupport
import Testing

@testable import RecraftKit

/// A short, deterministic fuzz run on every `swift test`: the corpus in Tests/FuzzCorpus,
/// mutated, plus random JSON shaped like provider replies, fed to every decoder
/// (`FuzzEntry`). Passing means nothing trapped. The long run is libFuzzer's
/// (`recraft-fuzz`, see the README).
@Suite struct FuzzTests {
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let keys = [
        "code", "msg", "message", "data", "taskId", "task_id", "state", "resultJson", "resultUrls",
        "failCode", "failMsg", "status", "successFlag", "response", "resultImageUrl", "image", "url",
        "b64_json", "image_id", "downloadUrl", "fileUrl", "provider", "operation", "options"
    ]

    static func corpus() throws -> [[UInt8]] {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("FuzzCorpus")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        return try names.map { [UInt8](try Data(contentsOf: folder.appendingPathComponent($0))) }
    }

    static func randomJSON(_ rng: inout Generator, depth: Int = 0) -> String {
        switch Int.random(in: 0..<(depth > 3 ? 5 : 8), using: &rng) {
        case 0: return "null"
        case 1: return Bool.random(using: &rng) ? "true" : "false"
        case 2: return String(Int.random(in: -1000...100_000, using: &rng))
        case 3: return "1e\(Int.random(in: -400...400, using: &rng))"
        case 4: return "\"" + ["", "success", "fail", "waiting", "{\\\"resultUrls\\\":[1]}", "\\u0000", "é", "https://x/y"].randomElement(using: &rng)! + "\""
        case 5, 6:
            // Distinct keys: the reader refuses an object that names one twice (the corpus
            // has a reply that does).
            let count = Int.random(in: 0...5, using: &rng)
            let fields = keys.shuffled(using: &rng).prefix(count).map { key in
                "\"\(key)\": \(randomJSON(&rng, depth: depth + 1))"
            }
            return "{" + fields.joined(separator: ",") + "}"
        default:
            return "[" + (0..<Int.random(in: 0...3, using: &rng)).map { _ in randomJSON(&rng, depth: depth + 1) }.joined(separator: ",") + "]"
        }
    }

    static func mutate(_ input: [UInt8], _ rng: inout Generator, edits: Int = 8) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...edits, using: &rng) {
            guard !bytes.isEmpty else {
                bytes = [UInt8.random(in: 0...255, using: &rng)]
                continue
            }
            let at = Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<5, using: &rng) {
            case 0: bytes[at] = UInt8.random(in: 0...255, using: &rng)
            case 1: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: at)
            case 2: bytes.remove(at: at)
            case 3: bytes = Array(bytes.prefix(at))  // truncated body
            default: bytes.insert(contentsOf: Array(randomJSON(&rng).utf8), at: at)
            }
        }
        return bytes
    }

    @Test func decodersSurviveMutatedAndRandomInput() throws {
        var rng = Generator(state: 0x5EED)
        let seeds = try Self.corpus()
        #expect(seeds.count >= 5)
        for seed in seeds { FuzzEntry.feed(seed) }
        for _ in 0..<1000 {
            FuzzEntry.feed(Self.mutate(seeds.randomElement(using: &rng)!, &rng))
            FuzzEntry.feed(Array(#"{"code":200,"msg":"ok","data":\#(Self.randomJSON(&rng))}"#.utf8))
        }
        // Image headers that claim absurd sizes or stop short.
        let png = TestImages.png(width: 2, height: 2)
        for cut in 0..<png.count { FuzzEntry.feed(Array(png.prefix(cut))) }
        FuzzEntry.feed([0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x00] + [UInt8](repeating: 0xFF, count: 64))
        FuzzEntry.feed(Array("RIFF\0\0\0\0WEBPVP8 ".utf8) + [UInt8](repeating: 0, count: 20))
    }

    /// The JSON reader's own arm, cheaper than `feed` so it runs more often: the corpus
    /// (deep nesting, duplicate keys, surrogates, big numbers among it), random replies, and
    /// documents at and past `JSONValue.maxDepth`, mutated. `feedJSON` traps on a reader or
    /// writer bug; the count shows the mutations still reach documents that parse.
    @Test func jsonReaderRoundTripsWhatItAccepts() throws {
        var rng = Generator(state: 0x7502_50)
        let depth = JSONValue.maxDepth
        var seeds = try Self.corpus()
        seeds += (0..<50).map { _ in Array(Self.randomJSON(&rng).utf8) }
        // 64 and 66 deep, then 64 and 65.
        seeds += [depth / 2, depth / 2 + 1].map { Array((String(repeating: #"{"a":["#, count: $0) + "1" + String(repeating: "]}", count: $0)).utf8) }
        seeds += [depth, depth + 1].map { Array((String(repeating: "[", count: $0) + String(repeating: "]", count: $0)).utf8) }
        for seed in seeds { FuzzEntry.feedJSON(seed) }
        var parsed = 0
        // One or two edits, so that many mutants still parse and reach the writer.
        for _ in 0..<20000 where FuzzEntry.feedJSON(Self.mutate(seeds.randomElement(using: &rng)!, &rng, edits: 2)) != nil { parsed += 1 }
        #expect(parsed > 2000, "only \(parsed) of 20000 mutated inputs parsed")
    }

    /// The header target: header lines and values at their extremes, mutated.
    @Test func headerParsersSurviveMutatedInput() throws {
        var rng = Generator(state: 0x4EAD_E125)
        let seeds = [
            "Retry-After: 120\r\nContent-Type: application/json\r\n", "Retry-After: 99999999999999999999",
            "Retry-After: Fri, 31 Dec 9999 23:59:59 GMT", "Retry-After: Sun, 06 Nov 99999999999 08:49:37 GMT",
            "X-Webhook-Timestamp: -9223372036854775808\nX-Webhook-Signature: AAAA", "Location: http:/host/x",
            "Location: http://127.attacker.example/", "Content-Type: text/plain; charset=\u{0}", "x: [::1]", "Retry-After: -1"
        ].map { Array($0.utf8) }
        for seed in seeds { FuzzEntry.feedHeaders(seed) }
        for _ in 0..<3000 { FuzzEntry.feedHeaders(Self.mutate(seeds.randomElement(using: &rng)!, &rng)) }
    }
}
