// The help text documents the commands, the flags and the exit codes; `jobs` and
// `status` show what the journal holds.

import Foundation
import RecraftSandbox
import Testing

@Suite struct HelpAndJournalTests {
    @Test func theRootHelpListsCommandsAndExitCodes() async throws {
        let cli = try CLI()
        let run = try await cli.run(["--help"])
        #expect(run.status == 0)
        for word in [
            "crisp-upscale", "creative-upscale", "remove-background", "vectorize", "resume", "status", "jobs", "sandbox",
            "EXIT CODES", "130", "64", "--provider sandbox"
        ] {
            #expect(run.stdout.contains(word), "\(word) missing from:\n\(run.stdout)")
        }
    }

    @Test func anOperationsHelpExplainsEveryFlag() async throws {
        let cli = try CLI()
        let run = try await cli.run(["crisp-upscale", "--help"])
        #expect(run.status == 0)
        for word in [
            "--output", "--force", "--option", "--provider", "--base-url", "--api-key", "KIE_API_KEY", "RECRAFT_API_TOKEN",
            "--concurrency", "--timeout", "--journal", "XDG_STATE_HOME", "--json", "--quiet", "EXIT CODES",
            "recraft resume", "photo.crisp-upscale.png"
        ] {
            #expect(run.stdout.contains(word), "\(word) missing from:\n\(run.stdout)")
        }
        for command in ["resume", "status", "jobs"] {
            let help = try await cli.run([command, "--help"])
            #expect(help.status == 0)
            #expect(help.stdout.contains("--journal"), "\(command)")
        }
    }

    @Test func jobsAndStatusShowTheJournal() async throws {
        try await withSandbox { sandbox in
            let cli = try CLI()
            try cli.images(3, in: "in")
            let batch = try await cli.run(["crisp-upscale", "in", "--json", "--provider", "sandbox", "--base-url", sandbox.baseURL])
            #expect(batch.status == 0, "\(batch.stderr)")
            let first = try #require(try batch.jsonLines().first)
            let ref = try #require(first["ref"] as? String)
            let taskId = try #require(first["job_id"] as? String)

            let table = try await cli.run(["jobs"])
            #expect(table.status == 0)
            #expect(table.stdout.hasPrefix("REF"), "\(table.stdout)")
            #expect(table.stdout.split(separator: "\n").count == 4)
            #expect(table.stdout.contains(String(ref.prefix(8))) && table.stdout.contains(taskId))
            #expect(table.stderr.contains("3 succeeded"), "\(table.stderr)")
            let filtered = try await cli.run(["jobs", "--status", "unfinished"])
            #expect(filtered.stderr.contains("no jobs match"))

            let byRef = try await cli.run(["status", String(ref.prefix(8))])
            #expect(byRef.status == 0, "\(byRef.stderr)")
            #expect(byRef.stdout.contains("succeeded") && byRef.stdout.contains(taskId), "\(byRef.stdout)")
            let byTask = try await cli.run(["status", taskId, "--json"])
            #expect(byTask.status == 0, "\(byTask.stderr)")
            let object = try #require(try byTask.jsonLines().first)
            #expect(object["state"] as? String == "succeeded")
            #expect(object["journal_status"] as? String == "succeeded")
            #expect((object["output"] as? String)?.hasSuffix("crisp-upscale.png") == true)

            // A task id the journal does not know needs the operation; then the provider is asked.
            let unknown = try await cli.run(["status", "no-such-task"])
            #expect(unknown.status == 64)
            #expect(unknown.stderr.contains("--operation"))
            let asked = try await cli.run([
                "status", "no-such-task", "--operation", "crisp_upscale",
                "--provider", "sandbox", "--base-url", sandbox.baseURL
            ])
            #expect(asked.status == 1, "\(asked.stdout)\(asked.stderr)")
            #expect(asked.stderr.contains("no-such-task"))
        }
    }
}
