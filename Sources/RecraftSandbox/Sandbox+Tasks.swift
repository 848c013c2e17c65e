// Running asynchronous tasks (Market and dedicated) and delivering their callbacks.
// The image work starts at once on the thread pool; the state a poll sees is computed
// from the task's timeline, and the callback is posted when the timeline ends.

import Foundation
import NIOHTTP1

extension Sandbox {
    func newTask(kind: TaskKind, param: String, callbackURL: String?) -> SandboxTask {
        let duration = TaskTimeline.spreadMillis(configuration.taskDuration, spread: configuration.durationSpread)
        let task = SandboxTask(
            id: tasks.newID(), kind: kind, param: param, callbackURL: callbackURL,
            timeline: TaskTimeline(createdAt: WallClock.nowMillis(), durationMillis: duration)
        )
        tasks.insert(task)
        counters.record { $0.tasksCreated += 1 }
        return task
    }

    /// Fetches the input, runs the work, records the outcome, then (if asked) calls back
    /// once the task's timeline has ended. A `failTask` fault skips the work.
    func launch(_ task: SandboxTask, input: String, work: ImageWork, forcedFailure: FaultEffects.TaskFailure? = nil) {
        background { [self] in
            let outcome =
                if let forcedFailure {
                    TaskOutcome.failure(code: forcedFailure.code, message: forcedFailure.message, beforeStart: false)
                } else {
                    await outcome(of: work, input: input, taskID: task.id)
                }
            tasks.finish(task.id, outcome: outcome, at: WallClock.nowMillis())

            guard task.callbackURL != nil else { return }
            let wait = task.timeline.createdAt + task.timeline.total - WallClock.nowMillis()
            if wait > 0 { try? await Task.sleep(for: .milliseconds(wait)) }
            guard !Task.isCancelled else { return }
            await deliverCallback(taskID: task.id)
        }
    }

    private func outcome(of work: ImageWork, input: String, taskID: String) async -> TaskOutcome {
        let bytes: [UInt8]
        do {
            bytes = try await fetchInput(input, allowDataURL: false)
        } catch {
            return .failure(code: "422", message: "\(error)", beforeStart: true)
        }
        do {
            let result = try await runImageWork(work, input: bytes)
            return .success(resultURL: storeResult(result.bytes, format: result.format, id: taskID))
        } catch let error as ImageWorkError {
            return .failure(code: "422", message: error.description, beforeStart: false)
        } catch {
            return .failure(code: "500", message: "internal error: \(error)", beforeStart: false)
        }
    }

    /// Posts the task's final record to its callBackUrl: up to 3 attempts (kie documents
    /// giving up after 3 failed retries on its dedicated APIs), signed when a secret is set.
    func deliverCallback(taskID: String) async {
        guard let task = tasks.get(taskID), let target = task.callbackURL, let url = URL(string: target) else { return }
        let now = WallClock.nowMillis()
        let payload: [String: Any]
        switch task.kind {
        case .market:
            let succeeded = task.finishedOutcome(at: now)?.succeeded == true
            payload = [
                "code": succeeded ? 200 : 501,
                "msg": succeeded ? "Playground task completed successfully." : "Playground task failed.",
                "data": marketRecord(task, at: now, forCallback: true)
            ]
        case .dedicated:
            let succeeded = task.finishedOutcome(at: now)?.succeeded == true
            payload = [
                "code": succeeded ? 200 : 501,
                "msg": succeeded ? "Recraft task completed successfully." : "Recraft task failed.",
                "data": dedicatedRecord(task, at: now)
            ]
        }
        guard let body = try? JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return
        }
        guard LoopbackHTTPClient.isLoopback(url) else {
            logLine("callback for \(taskID) not sent: \(url.host ?? "?") is not reachable from the sandbox")
            return
        }
        for attempt in 1...3 {
            guard !Task.isCancelled, !isShutDown else { return }
            var headers = [("Content-Type", "application/json")]
            if let secret = configuration.webhookSecret {
                let timestamp = String(WallClock.nowMillis() / 1000)
                let signature = HMACSHA256.kieSignature(secret: secret, taskId: taskID, timestamp: timestamp)
                headers += [("X-Webhook-Timestamp", timestamp), ("X-Webhook-Signature", signature)]
            }
            do {
                let response = try await LoopbackHTTPClient.send(
                    .POST, to: url, headers: headers, body: Array(body),
                    timeout: .seconds(15))
                counters.record { $0.callbacksSent += 1 }
                if (200..<300).contains(response.status) { return }
                logLine("callback for \(taskID) got HTTP \(response.status) (attempt \(attempt))")
            } catch {
                logLine("callback for \(taskID) failed: \(error) (attempt \(attempt))")
            }
            try? await Task.sleep(for: .milliseconds(250 * attempt))
        }
    }

    func logLine(_ line: String) {
        guard configuration.verbose else { return }
        FileHandle.standardError.write(Data("sandbox: \(line)\n".utf8))
    }
}
