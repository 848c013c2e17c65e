// The CLI's operation commands come from the core's catalog: one per `Operation.allCases`,
// named and described by it, and `clarity-upscale` runs where a preset offers it.

import Foundation
import RecraftKit
import RecraftSandbox
import TestSupport
import Testing

@Suite struct CommandCatalogTests {
    @Test func everyOperationHasACommand() async throws {
        let cli = try CLI()
        let root = try await cli.run(["--help"])
        #expect(root.status == 0)
        let listed = root.stdout.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) }
        for operation in RecraftKit.Operation.allCases {
            #expect(listed.contains(operation.commandName), "`recraft --help` lists no \(operation.commandName):\n\(root.stdout)")
            let help = try await cli.run([operation.commandName, "--help"])
            #expect(help.status == 0, "\(operation.commandName): \(help.stderr)")
            // ArgumentParser wraps lines: compare the words.
            let text = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            #expect(text.contains(operation.summary), "\(operation.commandName)'s abstract is the catalog's:\n\(help.stdout)")
            #expect(text.contains(OutputName.stem(input: "photo.png", operation: operation) + ".png"))
            for preset in operation.presets {
                #expect(text.contains(preset.rawValue), "\(operation.commandName)'s help names \(preset.rawValue)")
            }
        }
    }

    @Test func clarityUpscaleAgainstTheMirrorPaths() async throws {
        try await withSandbox { sandbox in
            let cli = try CLI()
            try cli.images(1, name: "photo", width: 256, height: 256)
            let run = try await cli.run([
                "clarity-upscale", "photo.png", "--provider", "recraft-mirror", "--base-url", sandbox.baseURL,
                "--api-key", "k", "--no-journal"
            ])
            #expect(run.status == 0, "\(run.stderr)")
            let output = try Data(contentsOf: URL(fileURLWithPath: cli.path("photo.clarity-upscale.png")))
            let size = try #require(TestImages.pngSize(Array(output)))
            #expect(size.width > 256 && size.height > 256, "an upscaled image is larger: \(size)")

            // The sandbox preset sends it to the sandbox's mirror paths itself.
            let viaSandbox = try await cli.run([
                "clarity-upscale", "photo.png", "-o", "again.png", "--provider", "sandbox",
                "--base-url", sandbox.baseURL, "--no-journal"
            ])
            #expect(viaSandbox.status == 0, "\(viaSandbox.stderr)")
            #expect(cli.exists("again.png"))

            // A preset that does not offer it says which do, and sends nothing.
            let kie = try await cli.run(["clarity-upscale", "photo.png", "-o", "kie.png", "--provider", "kie", "--api-key", "k", "--no-journal"])
            #expect(kie.status == 64, "\(kie.stderr)")
            #expect(kie.stderr.contains("recraft-mirror"), "\(kie.stderr)")
        }
    }

    @Test func earlierResultsOfEveryOperationAreNotInputs() async throws {
        let cli = try CLI()
        try cli.images(1, in: "in", name: "photo")
        for operation in RecraftKit.Operation.allCases {
            try Data(TestImages.png(width: 8, height: 8)).write(
                to: URL(fileURLWithPath: cli.path("in/" + OutputName.stem(input: "photo.png", operation: operation) + ".png")))
        }
        let run = try await cli.run(["crisp-upscale", "in", "--provider", "sandbox", "--json", "--no-journal"])
        #expect(run.status == 0, "\(run.stderr)")
        let inputs = try run.jsonLines().compactMap { $0["input"] as? String }
        #expect(inputs.allSatisfy { ($0 as NSString).lastPathComponent == "photo.png" }, "a result was taken as an input: \(inputs)")
    }
}
