// Asynchronous tasks (kie Market and kie dedicated), by id.

import Synchronization

/// What a task was asked to do.
enum TaskKind: Sendable, Equatable {
    /// A Market task; `model` is the slug (`recraft/crisp-upscale`, `recraft/remove-background`).
    case market(model: String)
    /// A dedicated-dialect task.
    case dedicated(ImageOperation)
}

/// How a task's image work ended.
enum TaskOutcome: Sendable, Equatable {
    case success(resultURL: String)
    /// `code` is kie's failCode ("422", "500"); `beforeStart` marks an input that could
    /// not even be fetched (dedicated status 3, "creation failed").
    case failure(code: String, message: String, beforeStart: Bool)

    var succeeded: Bool {
        if case .success = self { return true }
        return false
    }
}

struct SandboxTask: Sendable {
    let id: String
    let kind: TaskKind
    /// The create request as compact JSON (kie's `param`).
    let param: String
    let callbackURL: String?
    let timeline: TaskTimeline
    var outcome: TaskOutcome?
    var workDoneAt: Int?

    func phase(at now: Int) -> TaskPhase { timeline.phase(at: now, workDoneAt: workDoneAt) }

    /// The outcome, but only once the timeline says the task has ended.
    func finishedOutcome(at now: Int) -> TaskOutcome? {
        phase(at: now) == .finished ? outcome : nil
    }

    var completedAt: Int? { workDoneAt.map { timeline.completedAt(workDoneAt: $0) } }
}

final class TaskStore: Sendable {
    private let tasks = Mutex([String: SandboxTask]())

    func insert(_ task: SandboxTask) { tasks.withLock { $0[task.id] = task } }

    func get(_ id: String) -> SandboxTask? { tasks.withLock { $0[id] } }

    func finish(_ id: String, outcome: TaskOutcome, at millis: Int) {
        tasks.withLock { tasks in
            tasks[id]?.outcome = outcome
            tasks[id]?.workDoneAt = millis
        }
    }

    /// A fresh 32-hex id, like the ids in kie's live callbacks.
    func newID() -> String {
        while true {
            let id = FilePaths.randomHex(32)
            if get(id) == nil { return id }
        }
    }
}
