import Testing

@testable import RecraftKit

/// The job lifecycle without I/O: every (state, event) pair, checked against the rules,
/// and the transitions that matter spelled out.
@Suite struct JobStateMachineTests {
    typealias Machine = JobStateMachine
    typealias Event = JobStateMachine.Event

    static let result = [JobResult.url("https://files.example/r.png")]
    static let failure = RecraftError(.jobFailed, "it failed")

    /// Every state a job can be in, reached through events only.
    static let states: [(name: String, machine: Machine)] = {
        func after(_ start: Machine, _ events: [Event]) -> Machine {
            var machine = start
            for event in events { _ = machine.handle(event) }
            return machine
        }
        let new = Machine()
        return [
            ("pending", new),
            ("pending, sending", after(new, [.sending])),
            ("pending, sent", after(new, [.sending, .sent])),
            ("running (synchronous)", after(new, [.runningSynchronously, .sending])),
            ("running", after(new, [.sending, .sent, .accepted(taskId: "t1")])),
            ("running, reopened", Machine(reopened: "t2")),
            ("succeeded", after(new, [.sending, .sent, .accepted(taskId: "t1"), .polled(.succeeded(result))])),
            ("succeeded, announced", after(new, [.sending, .sent, .accepted(taskId: "t1"), .polled(.succeeded(result)), .journaled])),
            ("failed", after(new, [.failed(failure)])),
            ("failed by the provider, announced", after(Machine(reopened: "t3"), [.polled(.failed(failure)), .journaled])),
            ("cancelled", after(new, [.cancel])),
            ("cancelled while sending", after(new, [.sending, .cancel])),
            ("cancelled while sending, then accepted", after(new, [.sending, .cancel, .sent, .accepted(taskId: "t4")])),
            ("cancelled, announced", after(Machine(reopened: "t5"), [.cancel, .journaled]))
        ]
    }()

    static let events: [(name: String, event: Event)] = [
        ("sending", .sending), ("sent", .sent), ("runningSynchronously", .runningSynchronously),
        ("accepted", .accepted(taskId: "t9")), ("finishedSynchronously", .finishedSynchronously(taskId: "s1", results: result)),
        ("polled running", .polled(.running(detail: "queuing"))), ("polled succeeded", .polled(.succeeded(result))),
        ("polled failed", .polled(.failed(failure))),
        ("callback running", .callback(state: .running, results: [], error: nil)),
        ("callback succeeded", .callback(state: .succeeded, results: result, error: nil)),
        ("callback failed", .callback(state: .failed, results: [], error: failure)),
        ("cancel", .cancel), ("failed", .failed(RecraftError(.timeout, "deadline"))), ("journaled", .journaled)
    ]

    @Test(arguments: 0..<states.count)
    func everyEventKeepsTheRules(stateIndex: Int) {
        let (name, before) = Self.states[stateIndex]
        for (eventName, event) in Self.events {
            var machine = before
            let actions = machine.handle(event)
            let pair = "\(name) + \(eventName)"
            if before.isTerminal {
                // Terminal is sticky: state, results and error never change again.
                #expect(machine.state == before.state, "\(pair)")
                #expect(machine.results == before.results, "\(pair)")
                #expect(machine.error == before.error, "\(pair)")
                #expect(!actions.contains(.journalEnd), "\(pair): the end is recorded once")
                #expect(!actions.contains(.send), "\(pair): nothing billed goes out after the end")
                #expect(!actions.contains(.cancelDriver), "\(pair)")
            }
            // The end is journaled exactly when the job becomes terminal.
            #expect(actions.contains(.journalEnd) == (!before.isTerminal && machine.isTerminal), "\(pair)")
            // Announced once, only after the journal has the end.
            #expect(actions.contains(.announce) == (eventName == "journaled" && before.isTerminal && !before.announced), "\(pair)")
            #expect(machine.announced == (before.announced || actions.contains(.announce)), "\(pair)")
            if machine.announced { #expect(machine.isTerminal, "\(pair)") }
            // A task id, once known, is never lost.
            if let id = before.taskId { #expect(machine.taskId == id || eventName == "accepted" || eventName == "finishedSynchronously", "\(pair)") }
            // A request may go out only from a live, uncancelled job; the answer is always given.
            if eventName == "sending" {
                #expect(actions.contains(.send) == (!before.isTerminal && !before.cancelRequested), "\(pair)")
                #expect(actions.contains(.send) != actions.contains(.abandonSend), "\(pair)")
            }
            // Callbacks are routed while running; stopped when a job with a task id ends.
            #expect(actions.contains(.register(taskId: "t9")) == (eventName == "accepted" && !before.isTerminal), "\(pair)")
            if actions.contains(.journalEnd), let id = machine.taskId, before.registered {
                #expect(actions.contains(.unregister(taskId: id)), "\(pair)")
            }
            #expect(!machine.registered || !machine.isTerminal, "\(pair): an ended job takes no callbacks")
            // A cancel never cuts a billed request that is on its way.
            if eventName == "cancel" && before.sending { #expect(!actions.contains(.cancelDriver), "\(pair)") }
            if eventName == "cancel" { #expect(actions.contains(.cancelDownloads), "\(pair)") }
        }
    }

    @Test func theUsualPath() {
        var machine = Machine()
        #expect(machine.handle(.sending) == [.send])
        #expect(machine.sending)
        #expect(machine.handle(.sent) == [])
        #expect(machine.handle(.accepted(taskId: "t1")) == [.register(taskId: "t1")])
        #expect(machine.state == .running)
        #expect(machine.handle(.polled(.running(detail: "generating"))) == [])
        #expect(machine.providerState == "generating")
        #expect(machine.handle(.polled(.succeeded(Self.result))) == [.unregister(taskId: "t1"), .journalEnd])
        #expect(machine.state == .succeeded && machine.results == Self.result && !machine.announced)
        #expect(machine.handle(.journaled) == [.announce])
        #expect(machine.handle(.journaled) == [])
    }

    @Test func aCancelWhileSendingEndsUncertainAndKeepsTheTaskId() {
        var machine = Machine()
        _ = machine.handle(.sending)
        let actions = machine.handle(.cancel)
        #expect(actions == [.journalEnd, .cancelDownloads], "the driver goes on: the request finishes")
        #expect(machine.state == .cancelled)
        #expect(machine.error?.code == .submitUncertain)
        _ = machine.handle(.sent)
        #expect(machine.handle(.accepted(taskId: "t7")) == [], "not registered: the job has ended")
        #expect(machine.taskId == "t7")
        #expect(machine.handle(.sending) == [.abandonSend], "and never resent")
    }

    @Test func aCancelBeforeSendingStopsTheDriverAndNothingGoesOut() {
        var machine = Machine()
        #expect(machine.handle(.cancel) == [.journalEnd, .cancelDriver, .cancelDownloads])
        #expect(machine.error?.code == .cancelled)
        #expect(machine.handle(.sending) == [.abandonSend])
    }

    @Test func aCancelOfARunningTaskSaysHowToCollectIt() {
        var machine = Machine(reopened: "t8")
        #expect(machine.handle(.cancel) == [.unregister(taskId: "t8"), .journalEnd, .cancelDriver, .cancelDownloads])
        #expect(machine.error?.message.contains("reopen it by id") == true)
    }

    @Test func aSynchronousProviderRunsAndFinishesInOneReply() {
        var machine = Machine()
        _ = machine.handle(.runningSynchronously)
        #expect(machine.state == .running)
        #expect(machine.handle(.finishedSynchronously(taskId: "img", results: Self.result)) == [.journalEnd])
        #expect(machine.state == .succeeded && machine.taskId == "img")
    }

    @Test func aCallbackThatSaysRunningChangesNothing() {
        var machine = Machine(reopened: "t1")
        #expect(machine.handle(.callback(state: .running, results: [], error: nil)) == [])
        #expect(machine.state == .running)
        #expect(machine.handle(.callback(state: .failed, results: [], error: Self.failure)) == [.unregister(taskId: "t1"), .journalEnd])
        #expect(machine.error == Self.failure)
    }
}
