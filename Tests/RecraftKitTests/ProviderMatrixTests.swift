import FoundationEssentials
import FoundationXML
import RecraftSandbox
import TestSupport
import Testing

@testable import RecraftKit

/// Every preset × operation pair a provider offers, end to end against the sandbox:
/// submit → wait → download, and the output checked (dimensions, alpha, SVG).
@Suite struct ProviderMatrixTests {
    static let pairs: [(Preset, Operation)] = Preset.allCases.flatMap { preset in
        Catalog.offers(preset).keys.sorted { $0.rawValue < $1.rawValue }.map { (preset, $0) }
    }

    static func client(_ preset: Preset, sandbox: Sandbox) throws -> Client {
        let base = preset == .recraft ? sandbox.baseURL + "/v1" : sandbox.baseURL
        return try Client(
            json: #"{"provider": "\#(preset.rawValue)", "api_key": "test-key", "base_url": "\#(base)", "poll_initial_ms": 20, "poll_max_ms": 100}"#)
    }

    @Test(arguments: pairs)
    func pairRunsEndToEnd(preset: Preset, operation: Operation) async throws {
        var configuration = SandboxConfiguration()
        configuration.taskDuration = .milliseconds(60)
        let sandbox = try await Sandbox.start(configuration)
        defer { Task { await sandbox.shutdown() } }
        let input = try TestImages.file(width: 256, height: 256)
        let job = try Self.client(preset, sandbox: sandbox).submit(JobRequest(operation: operation, image: .file(input)))
        #expect(await job.wait(timeout: .seconds(60)) == .succeeded, "\(preset) \(operation): \(job.error?.message ?? "")")
        #expect(job.id?.isEmpty == false)
        let output = try await job.download(to: input + ".result")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: output)))
        switch operation {
        case .vectorize:
            #expect(InputCheck.sniff(Array(bytes.prefix(512))) == .svg)
            let parser = XMLParser(data: Data(bytes))
            #expect(parser.parse(), "the SVG does not parse")
        case .removeBackground:
            let header = try #require(TestImages.pngSize(bytes), "expected a PNG")
            #expect(header.width == 256 && header.height == 256)
            #expect(bytes[25] == 6 || bytes[25] == 4, "colour type \(bytes[25]) has no alpha")
        case .crispUpscale, .creativeUpscale, .clarityUpscale:
            let size = try #require(TestImages.pngSize(bytes), "expected a PNG")
            #expect(size.width >= 512 && size.height >= 512, "\(size)")
        }
        #expect(sandbox.stats().fileDownloadsWithAuthorization == 0)
    }

    @Test func dedicatedScaleAndFormatOptionsAreSent() async throws {
        let sandbox = try await Sandbox.start()
        defer { Task { await sandbox.shutdown() } }
        let input = try TestImages.file(width: 40, height: 40)
        let client = try Self.client(.kieRecraft, sandbox: sandbox)
        let job = try client.submit(JobRequest(operation: .crispUpscale, image: .file(input), options: ["scale": .number(2)]))
        #expect(await job.wait(timeout: .seconds(30)) == .succeeded, "\(job.error?.message ?? "")")
        let output = try await job.download(to: input + ".x2.png")
        let size = try #require(TestImages.pngSize([UInt8](try Data(contentsOf: URL(fileURLWithPath: output)))))
        #expect(size.width == 80 && size.height == 80)
    }

    @Test func recraftInlineResultsAndURLInputs() async throws {
        let sandbox = try await Sandbox.start()
        defer { Task { await sandbox.shutdown() } }
        let input = try TestImages.file(width: 64, height: 64)
        let client = try Self.client(.recraft, sandbox: sandbox)
        // b64_json: the result arrives inline and is saved exactly like a URL result.
        let inline = try client.submit(JobRequest(operation: .crispUpscale, image: .file(input), options: ["response_format": .string("b64_json")]))
        #expect(await inline.wait(timeout: .seconds(30)) == .succeeded, "\(inline.error?.message ?? "")")
        guard case .inline? = inline.results.first else {
            Issue.record("expected an inline result")
            return
        }
        let saved = try await inline.download(to: input + ".b64.png")
        #expect(TestImages.pngSize([UInt8](try Data(contentsOf: URL(fileURLWithPath: saved))))?.width == 256)
        // A URL input goes to the official API as JSON image_url.
        let byURL = try client.submit(JobRequest(operation: .crispUpscale, image: .url(inline.results.isEmpty ? "" : sandbox.baseURL + "/files/none.png")))
        #expect(await byURL.wait(timeout: .seconds(30)) == .failed)
        #expect(byURL.error?.httpStatus != nil, "the provider's own reply should surface: \(byURL.error?.message ?? "")")
        // The mirror takes files only: a URL input is fetched first (without the key).
        let mirror = try Self.client(.recraftMirror, sandbox: sandbox)
        let uploaded = try await Self.client(.sandbox, sandbox: sandbox).upload(path: try TestImages.file(width: 256, height: 256))
        let fromURL = try mirror.submit(JobRequest(operation: .removeBackground, image: .url(uploaded)))
        #expect(await fromURL.wait(timeout: .seconds(30)) == .succeeded, "\(fromURL.error?.message ?? "")")
        #expect(sandbox.stats().fileDownloadsWithAuthorization == 0)
    }

    @Test func synchronousJobsCannotBeReopened() throws {
        let client = try Client(json: #"{"provider": "recraft", "api_key": "k-1"}"#)
        #expect(throws: RecraftError.self) { try client.open(operation: .crispUpscale, id: "abc") }
    }
}
