// Every documented exit code, from the situation that should produce it, with advice
// that says what to do next. (130 is covered by ResumeTests.)

import Foundation
import RecraftSandbox
import Testing

@Suite struct ExitCodeTests {
    @Test func zeroWhenEveryJobIsDone() async throws {
        let cli = try CLI()
        try cli.images(2, in: "in")
        let run = try await cli.run(["crisp-upscale", "in", "--provider", "sandbox"])
        #expect(run.status == 0, "\(run.stderr)")
    }

    @Test func oneWhenSomeJobsFail() async throws {
        try await withSandbox { sandbox in
            try sandbox.addFault(SandboxFault(.failTask, path: "/api/v1/jobs/createTask", message: "nope", failCode: "500"))
            let cli = try CLI()
            try cli.images(1, name: "photo")
            let run = try await cli.run(["crisp-upscale", "photo.png", "--provider", "sandbox", "--base-url", sandbox.baseURL])
            #expect(run.status == 1)
            #expect(run.stderr.contains("failed photo.png"), "\(run.stderr)")
        }
    }

    @Test func threeWithoutAnAPIKey() async throws {
        let cli = try CLI()
        try cli.images(1, name: "photo")
        let run = try await cli.run(["crisp-upscale", "photo.png"])
        #expect(run.status == 3)
        #expect(
            run.stderr.contains("no API key: set KIE_API_KEY or pass --api-key, or pass --provider sandbox to try it offline"),
            "\(run.stderr)")
        let recraft = try await cli.run(["vectorize", "photo.png"], environment: ["RECRAFT_PROVIDER": "recraft"])
        #expect(recraft.status == 3)
        #expect(recraft.stderr.contains("RECRAFT_API_TOKEN"), "the preset's own variable: \(recraft.stderr)")
    }

    @Test func threeWhenTheKeyIsRefusedAndTheBatchStops() async throws {
        try await withSandbox(apiKey: "right-key") { sandbox in
            let cli = try CLI()
            try cli.images(12, in: "in")
            let run = try await cli.run([
                "crisp-upscale", "in", "--provider", "kie", "--base-url", sandbox.baseURL,
                "--api-key", "wrong-key", "--concurrency", "2", "--json"
            ])
            #expect(run.status == 3, "\(run.stderr)")
            #expect(run.stderr.contains("check the API key"), "\(run.stderr)")
            #expect(run.stderr.contains("were not submitted"), "it stops instead of failing every input: \(run.stderr)")
            let lines = try run.jsonLines()
            #expect(lines.count < 12)
            #expect(lines.allSatisfy { ($0["error"] as? [String: Any])?["name"] as? String == "authentication" })
            #expect(!run.stderr.contains("wrong-key"), "the key is never printed")
        }
    }

    @Test func threeWhenCreditsRunOut() async throws {
        try await withSandbox { sandbox in
            try sandbox.addFault(SandboxFault(.bodyCode, path: "/api/v1/jobs/createTask", status: 402, message: "Credits insufficient"))
            let cli = try CLI()
            try cli.images(1, name: "photo")
            let run = try await cli.run(["crisp-upscale", "photo.png", "--provider", "sandbox", "--base-url", sandbox.baseURL])
            #expect(run.status == 3, "\(run.stderr)")
            #expect(run.stderr.contains("top up"), "\(run.stderr)")
        }
    }

    @Test func sixtyFourForUsageErrorsWithNothingSent() async throws {
        try await withSandbox { sandbox in
            let cli = try CLI()
            try cli.images(1, name: "photo")
            let sandboxFlags = ["--provider", "sandbox", "--base-url", sandbox.baseURL]
            let cases: [([String], String)] = [
                (["crisp-upscale", "missing.png"] + sandboxFlags, "no such file or folder: missing.png"),
                (["crisp-upscale", "photo.png", "--provider", "nowhere"], "unknown provider \"nowhere\""),
                (["crisp-upscale", "photo.png", "--concurrency", "0"] + sandboxFlags, "--concurrency"),
                (["crisp-upscale", "photo.png", "--option", "scale"] + sandboxFlags, "key=value"),
                (["crisp-upscale", "photo.png", "--option", "scale=2"] + sandboxFlags, "takes no option \"scale\""),
                (["vectorize", "photo.png", "--provider", "kie", "--api-key", "k"], "kie does not offer vectorize"),
                (["crisp-upscale"], "Missing expected argument"),
                (["upscale-everything"], "Unexpected argument"),
                (["jobs", "--journal", cli.path("nothing.jsonl")], "no journal at")
            ]
            for (arguments, message) in cases {
                let run = try await cli.run(arguments)
                #expect(run.status == 64, "\(arguments): \(run.stderr)")
                #expect(run.stderr.contains(message), "\(arguments): \(run.stderr)")
            }
            #expect(sandbox.stats().tasksCreated == 0)
            #expect(sandbox.stats().uploads == 0)
        }
    }
}
