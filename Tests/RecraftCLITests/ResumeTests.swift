// Ctrl-C in the middle of a batch, then `recraft resume`: every output appears and no
// task is created twice. And what resume does with each kind of unfinished job.

import Foundation
import RecraftSandbox
import Testing

@Suite struct ResumeTests {
    @Test func anInterruptedBatchIsResumedWithoutCreatingAnyTaskTwice() async throws {
        try await withSandbox(taskDuration: .milliseconds(700)) { sandbox in
            let cli = try CLI()
            let inputs = try cli.images(20, in: "photos")
            let journal = cli.path("work/journal.jsonl")
            let running = try cli.start([
                "crisp-upscale", "photos", "--concurrency", "4", "--json", "--journal", journal,
                "--provider", "sandbox", "--base-url", sandbox.baseURL
            ])
            // Mid-way: a few results saved, others running, most not started.
            running.signal(SIGINT, when: { stdout, _ in stdout.split(separator: "\n").count >= 2 })
            let first = try await running.finish()
            #expect(first.status == 130, "\(first.stderr)")
            #expect(first.stderr.contains("recraft resume --journal \(journal)"), "\(first.stderr)")
            let saved = try first.jsonLines()
            #expect(saved.count >= 2 && saved.count < 20)
            let createdBeforeResume = sandbox.stats().tasksCreated
            #expect(createdBeforeResume < 20, "Ctrl-C stopped submitting")

            let jobs = try await cli.run(["jobs", "--journal", journal, "--json"])
            #expect(try jobs.jsonLines().contains { $0["status"] as? String == "in_flight" }, "\(jobs.stdout)")

            let resumed = try await cli.run(["resume", "--journal", journal, "--json"])
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(sandbox.stats().tasksCreated == 20, "no task created twice, none forgotten")
            for input in inputs {
                let output = input.replacingOccurrences(of: ".png", with: ".crisp-upscale.png")
                #expect(FileManager.default.fileExists(atPath: output), "\(output)")
            }
            // Between the two runs every input was reported exactly once.
            let reported = try (saved + resumed.jsonLines()).compactMap { $0["input"] as? String }
            #expect(reported.sorted() == inputs.sorted())

            let after = try await cli.run(["jobs", "--journal", journal, "--json"])
            let statuses = try after.jsonLines().map { $0["status"] as? String }
            #expect(statuses.count == 20 && statuses.allSatisfy { $0 == "succeeded" }, "\(statuses)")
            let nothing = try await cli.run(["resume", "--journal", journal])
            #expect(nothing.status == 0)
            #expect(nothing.stderr.contains("nothing to resume"))
            #expect(sandbox.stats().tasksCreated == 20)
        }
    }

    /// The crash test of issue 4: the process is killed with SIGKILL mid-way (no handler
    /// runs, nothing is flushed but what the journal already fsync'ed); a new process
    /// collects every job from the journal, and the sandbox created each task once. A kill
    /// that lands between a create request and its reply leaves that job uncertain, which
    /// resume reports rather than resubmits; the count of created tasks holds either way.
    @Test func aBatchKilledWithSIGKILLIsCollectedByANewProcess() async throws {
        try await withSandbox(taskDuration: .milliseconds(700)) { sandbox in
            let cli = try CLI()
            let inputs = try cli.images(20, in: "photos")
            let journal = cli.path("work/journal.jsonl")
            let running = try cli.start([
                "crisp-upscale", "photos", "--concurrency", "4", "--json", "--journal", journal,
                "--provider", "sandbox", "--base-url", sandbox.baseURL
            ])
            running.signal(SIGKILL, when: { stdout, _ in stdout.split(separator: "\n").count >= 2 })
            let killed = try await running.finish()
            #expect(killed.status != 0)
            let created = sandbox.stats().tasksCreated
            #expect(created < 20, "killed mid-way")

            let resumed = try await cli.run(["resume", "--journal", journal, "--json"])
            let uncertain = resumed.stderr.components(separatedBy: "uncertain: ").count - 1
            #expect(resumed.status == (uncertain == 0 ? 0 : 1), "\(resumed.stderr)")
            #expect(sandbox.stats().tasksCreated <= 20, "no task created twice")
            let missing = inputs.filter {
                !FileManager.default.fileExists(atPath: $0.replacingOccurrences(of: ".png", with: ".crisp-upscale.png"))
            }
            // Every job but the uncertain ones is collected, including one killed between
            // its submit and its first journal line (it is submitted again: it was never sent).
            #expect(missing.count == uncertain, "every job but the uncertain ones collected: \(missing)\n\(resumed.stderr)")
            if uncertain == 0 { #expect(sandbox.stats().tasksCreated == 20, "each task created once") }
        }
    }

    @Test func neverSentIsSubmittedAndUncertainIsReportedNotResubmitted() async throws {
        try await withSandbox { sandbox in
            let cli = try CLI()
            let images = try cli.images(2, in: "in")
            // A journal as a crashed program leaves it: one job recorded but never sent,
            // one whose submit went out with no answer recorded.
            let journal = cli.path("journal.jsonl")
            func event(_ fields: String) -> String { #"{"v":1,"time":0,"# + fields + "}\n" }
            let text =
                event(
                    #""event":"submit","ref":"aaaaaaaa-0000-0000-0000-000000000001","provider":"sandbox","base_url":"\#(sandbox.baseURL)","operation":"crisp_upscale","image":"\#(images[0])","options":{}"#
                )
                + event(
                    #""event":"submit","ref":"bbbbbbbb-0000-0000-0000-000000000002","provider":"sandbox","base_url":"\#(sandbox.baseURL)","operation":"crisp_upscale","image":"\#(images[1])","options":{}"#
                )
                + event(#""event":"sending","ref":"bbbbbbbb-0000-0000-0000-000000000002""#)
            try text.write(toFile: journal, atomically: true, encoding: .utf8)

            let resumed = try await cli.run(["resume", "--journal", journal, "--base-url", sandbox.baseURL])
            #expect(resumed.status == 1, "an uncertain job is not done: \(resumed.stderr)")
            #expect(cli.exists("in/image0.crisp-upscale.png"), "the never-sent job was submitted, saved next to its input")
            #expect(!cli.exists("in/image1.crisp-upscale.png"))
            #expect(sandbox.stats().tasksCreated == 1, "the uncertain one was not submitted again")
            #expect(resumed.stderr.contains("uncertain: crisp_upscale of"), "\(resumed.stderr)")
            #expect(resumed.stderr.contains("--forget bbbbbbbb"))

            let again = try await cli.run(["resume", "--journal", journal, "--base-url", sandbox.baseURL])
            #expect(again.status == 1)
            #expect(sandbox.stats().tasksCreated == 1, "the never-sent job is not submitted twice either")

            let forget = try await cli.run(["resume", "--journal", journal, "--forget", "bbbbbbbb"])
            #expect(forget.status == 0, "\(forget.stderr)")
            let settled = try await cli.run(["resume", "--journal", journal])
            #expect(settled.status == 0, "\(settled.stderr)")
            #expect(settled.stderr.contains("nothing to resume"))
        }
    }

    /// Killed between `submit` returning (the sidecar's "submitted" line) and the job's first
    /// journal line: the billed request never went out (the journal's "sending" line comes
    /// first), so resume submits it, once, and saves it where the batch would have.
    @Test func aJobWithNoJournalLineIsSubmittedOnce() async throws {
        try await withSandbox { sandbox in
            let cli = try CLI()
            let images = try cli.images(1, in: "in")
            let journal = cli.path("journal.jsonl")
            try "".write(toFile: journal, atomically: true, encoding: .utf8)
            let output = images[0].replacingOccurrences(of: ".png", with: ".crisp-upscale")
            let sidecar =
                #"{"event":"submitted","job":{"base_url":"\#(sandbox.baseURL)","exact":false,"force":false,"image":"\#(images[0])","#
                + #""operation":"crisp_upscale","options":{},"output":"\#(output)","provider":"sandbox","sandbox":true},"#
                + #""key":"cccccccc-0000-0000-0000-000000000003"}"# + "\n"
            try sidecar.write(toFile: journal + ".outputs.jsonl", atomically: true, encoding: .utf8)

            let resumed = try await cli.run(["resume", "--journal", journal])
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(resumed.stderr.contains("1 never sent"), "\(resumed.stderr)")
            #expect(cli.exists("in/image.crisp-upscale.png"))
            #expect(sandbox.stats().tasksCreated == 1)
            let again = try await cli.run(["resume", "--journal", journal])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stderr.contains("nothing to resume"), "\(again.stderr)")
            #expect(sandbox.stats().tasksCreated == 1, "submitted once")
        }
    }

    @Test func aJobPastItsTimeoutIsCollectedByResume() async throws {
        // The timeout must leave room for the upload and the create on a busy machine;
        // the task outlasts it by far.
        try await withSandbox(taskDuration: .seconds(8)) { sandbox in
            let cli = try CLI()
            try cli.images(1, name: "slow")
            let run = try await cli.run(["crisp-upscale", "slow.png", "--timeout", "3", "--provider", "sandbox", "--base-url", sandbox.baseURL])
            #expect(run.status == 1)
            #expect(run.stderr.contains("`recraft resume` collects"), "\(run.stderr)")
            #expect(!cli.exists("slow.crisp-upscale.png"))
            let resumed = try await cli.run(["resume"])
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(cli.exists("slow.crisp-upscale.png"))
            #expect(sandbox.stats().tasksCreated == 1)
        }
    }

    @Test func withTheBuiltInSandboxCtrlCSaysToRunTheCommandAgain() async throws {
        let cli = try CLI()
        try cli.images(12, in: "photos")
        let running = try cli.start(["crisp-upscale", "photos", "--provider", "sandbox", "--concurrency", "1"])
        running.signal(SIGINT, when: { _, stderr in stderr.contains("[1/12]") })
        let run = try await running.finish()
        #expect(run.status == 130)
        #expect(run.stderr.contains("run the same command again"), "\(run.stderr)")
    }
}
