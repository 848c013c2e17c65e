// The operation commands as users run them: one file, a folder, --json, -o, --force.

import Foundation
import RecraftSandbox
import TestSupport
import Testing

@Suite struct OperationTests {
    @Test func oneFileIsSavedNextToItsInputAndNeverOverwritten() async throws {
        try await withSandbox { sandbox in
            let cli = try CLI()
            try cli.images(1, name: "photo", width: 40, height: 30)
            let arguments = ["crisp-upscale", "photo.png", "--provider", "sandbox", "--base-url", sandbox.baseURL]

            let first = try await cli.run(arguments)
            #expect(first.status == 0, "\(first.stderr)")
            let output = try Data(contentsOf: URL(fileURLWithPath: cli.path("photo.crisp-upscale.png")))
            let size = try #require(TestImages.pngSize(Array(output)))
            #expect(size.width > 40 && size.height > 30, "an upscaled image is larger: \(size)")
            #expect(first.stderr.contains("saved photo.crisp-upscale.png"))
            #expect(FileManager.default.fileExists(atPath: cli.defaultJournal), "the default journal is under XDG_STATE_HOME")

            // Again: the output exists, so nothing is sent and it exits 0.
            let again = try await cli.run(arguments)
            #expect(again.status == 0)
            #expect(again.stderr.contains("skipped photo.png"), "\(again.stderr)")
            #expect(sandbox.stats().tasksCreated == 1)

            // --force runs it again.
            let forced = try await cli.run(arguments + ["--force"])
            #expect(forced.status == 0)
            #expect(sandbox.stats().tasksCreated == 2)
        }
    }

    @Test func theBuiltInSandboxNeedsNoAccountAndNoJournal() async throws {
        let cli = try CLI()
        try cli.images(1, name: "photo")
        let run = try await cli.run(["crisp-upscale", "photo.png", "--provider", "sandbox"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(cli.exists("photo.crisp-upscale.png"))
        #expect(!FileManager.default.fileExists(atPath: cli.defaultJournal), "its tasks die with it: nothing to resume")

        // The operations the Market dialect lacks go to the sandbox's Recraft API.
        try cli.images(1, name: "large", width: 300, height: 280)
        let vector = try await cli.run(["vectorize", "large.png", "--provider", "sandbox", "-o", "drawing.svg"])
        #expect(vector.status == 0, "\(vector.stderr)")
        let svg = try String(contentsOfFile: cli.path("drawing.svg"), encoding: .utf8)
        #expect(svg.contains("<svg"))
    }

    @Test func aFolderOfFiftyWithConcurrencyEight() async throws {
        try await withSandbox(taskDuration: .milliseconds(150)) { sandbox in
            let cli = try CLI()
            let inputs = try cli.images(50, in: "photos")
            let run = try await cli.run([
                "crisp-upscale", "photos", "-o", "upscaled", "--concurrency", "8", "--json",
                "--provider", "sandbox", "--base-url", sandbox.baseURL
            ])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(cli.files(in: "upscaled") == (0..<50).map { "image\($0).crisp-upscale.png" }.sorted())
            #expect(sandbox.stats().tasksCreated == 50)

            let lines = try run.jsonLines()
            #expect(lines.count == 50)
            #expect(Set(lines.compactMap { $0["input"] as? String }) == Set(inputs))
            for line in lines {
                #expect(line["state"] as? String == "succeeded")
                #expect(line["operation"] as? String == "crisp_upscale")
                #expect(line["error"] is NSNull)
                #expect((line["job_id"] as? String)?.isEmpty == false)
                let output = try #require(line["output"] as? String)
                #expect(output.hasPrefix(cli.path("upscaled/")) && FileManager.default.fileExists(atPath: output))
            }
            #expect(run.stderr.contains("50 saved"), "\(run.stderr)")
            // Not a terminal: plain lines, no live redraws; --json leaves success lines to stdout.
            #expect(!run.stderr.contains("\u{1B}[K"))
            #expect(!run.stderr.contains("[1/50] saved"))

            // The folder now holds results too; running it again skips them as inputs and outputs.
            let again = try await cli.run([
                "crisp-upscale", "photos", "-o", "upscaled", "--provider", "sandbox",
                "--base-url", sandbox.baseURL
            ])
            #expect(again.status == 0)
            #expect(again.stderr.contains("50 skipped"), "\(again.stderr)")
            #expect(sandbox.stats().tasksCreated == 50)
        }
    }

    @Test func jsonReportsAFailedJobWithItsErrorAndExitsOne() async throws {
        try await withSandbox { sandbox in
            try sandbox.addFault(
                SandboxFault(
                    .failTask, path: "/api/v1/jobs/createTask", times: 1,
                    message: "the model could not process this image", failCode: "500"))
            let cli = try CLI()
            try cli.images(3, in: "in")
            let run = try await cli.run([
                "crisp-upscale", "in", "--json", "--concurrency", "1",
                "--provider", "sandbox", "--base-url", sandbox.baseURL
            ])
            #expect(run.status == 1, "\(run.stderr)")
            let lines = try run.jsonLines()
            #expect(lines.count == 3)
            let failed = try #require(lines.first { $0["state"] as? String == "failed" })
            let error = try #require(failed["error"] as? [String: Any])
            #expect(error["code"] as? Int == 10)
            #expect(error["name"] as? String == "job_failed")
            #expect((error["message"] as? String)?.contains("could not process") == true)
            #expect(failed["output"] is NSNull)
            #expect(lines.filter { $0["state"] as? String == "succeeded" }.count == 2)
            #expect(run.stderr.contains("1 job(s) failed"), "\(run.stderr)")
        }
    }

    @Test func outputOptionsAndCollisions() async throws {
        try await withSandbox { sandbox in
            let cli = try CLI()
            try cli.images(1, name: "photo")
            let base = ["--provider", "sandbox", "--base-url", sandbox.baseURL, "--no-journal"]
            // -o FILE for one input: exactly that file.
            let exact = try await cli.run(["crisp-upscale", "photo.png", "-o", "big.png", "--quiet"] + base)
            #expect(exact.status == 0, "\(exact.stderr)")
            #expect(cli.exists("big.png") && !cli.exists("photo.crisp-upscale.png"))
            #expect(exact.stderr.isEmpty, "--quiet prints nothing when all is well: \(exact.stderr)")
            // Two inputs with one name would write one file: refused before anything is sent.
            try cli.images(1, in: "a", name: "same")
            try cli.images(1, in: "b", name: "same")
            let clash = try await cli.run(["crisp-upscale", "a/same.png", "b/same.png", "-o", "out"] + base)
            #expect(clash.status == 64)
            #expect(clash.stderr.contains("would both be saved"), "\(clash.stderr)")
            #expect(sandbox.stats().tasksCreated == 1)
            // -o the input itself is refused.
            let onto = try await cli.run(["crisp-upscale", "photo.png", "-o", "photo.png", "--force"] + base)
            #expect(onto.status == 64)
            #expect(onto.stderr.contains("the input itself"))
        }
    }
}
