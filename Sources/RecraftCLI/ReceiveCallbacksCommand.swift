// `recraft receive-callbacks`: a ready callback receiver, so that using callbacks needs no
// web server of one's own. It listens on an address, checks kie's signature (with
// --webhook-secret or RECRAFT_WEBHOOK_SECRET), and records each outcome in the shared
// store, where the job waiting on the task (in any process, on any machine using the same
// store) finds it within a second.

import ArgumentParser
import Foundation
import RecraftKit
import RecraftSandbox

struct ReceiveCallbacksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receive-callbacks",
        abstract: "Receive the provider's callbacks and record them in the shared store, for the jobs waiting on them anywhere.",
        discussion: """
            Point each job's callback_url at this address (any path). The provider, base URL and API key must be the \
            ones the jobs were submitted with (they decide the account's scope in the store), or pass --store-scope. \
            Answers 200 to a callback it recorded, 401 to a bad signature, 400 to anything else; prints one line per callback.

            \(ExitCodes.help)
            """
    )

    @OptionGroup var client: ClientOptions
    @OptionGroup var journal: JournalOptions

    @Option(help: ArgumentHelp("Where to listen, HOST:PORT (default: 127.0.0.1:8090).", valueName: "address"))
    var listen = "127.0.0.1:8090"

    @Option(
        name: .customLong("webhook-secret"),
        help: ArgumentHelp("kie's webhookHmacKey, to check each callback's signature (default: $RECRAFT_WEBHOOK_SECRET).", valueName: "key"))
    var webhookSecret: String?

    @Option(name: .customLong("store-scope"), help: ArgumentHelp("The account's scope in the store, if the jobs set one.", valueName: "scope"))
    var storeScope: String?

    func validate() throws {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65_535).contains(port) else {
            throw ValidationError("--listen must be HOST:PORT, got \(listen)")
        }
    }

    func run() async throws {
        try await CommandFailure.guarding("receive-callbacks") {
            var settings = try client.settings()
            settings.store = try journal.storeLocation()
            guard !settings.runsEmbeddedSandbox else {
                throw CommandFailure("pass --base-url: the jobs' provider must be the one the callbacks come from", exitCode: .usage)
            }
            let pool = try await ClientPool.start(settings, journalPath: nil)
            let endpoint = pool.endpoint(for: .crispUpscale)
            var configuration: Configuration
            do throws(RecraftError) {
                configuration = try pool.client(for: endpoint).configuration
                configuration.webhookSecret = webhookSecret ?? ProcessInfo.processInfo.environment["RECRAFT_WEBHOOK_SECRET"].flatMap { $0.isEmpty ? nil : $0 }
                configuration.storeScope = storeScope
            } catch {
                throw CommandFailure(
                    ErrorAdvice.message(error, preset: endpoint.preset), exitCode: ErrorAdvice.isAccountProblem(error) ? .authentication : .usage)
            }
            let receiver: Client
            do throws(RecraftError) { receiver = try Client(configuration) } catch {
                throw CommandFailure(ErrorAdvice.message(error, preset: endpoint.preset), exitCode: .usage)
            }
            let colon = listen.lastIndex(of: ":") ?? listen.endIndex
            let host = String(listen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            let port = Int(listen[listen.index(after: colon)...]) ?? 8090
            let signals = TerminationSignals()
            let server = try await Receiver.start(host: host, port: port) { method, _, headers, body in
                guard method == "POST" else { return (405, #"{"error": "POST only"}"#) }
                do throws(RecraftError) {
                    let outcome = try receiver.handleCallback(body: body, headers: headers)
                    Console.output(
                        JSONValue.object(["task_id": .string(outcome.taskId), "state": .string(outcome.state.description)]).serialized())
                    return (200, #"{"ok": true}"#)
                } catch {
                    Console.error("recraft: refused a callback: \(error.message)")
                    let status = error.code == .authentication ? 401 : error.code == .storeUnavailable ? 503 : 400
                    return (status, JSONValue.object(["error": .string(error.code.name)]).serialized())
                }
            }
            Console.error("recraft: receiving callbacks at \(server.baseURL) (Ctrl-C stops)")
            _ = await signals.next()
            await server.shutdown()
            await pool.shutdown()
        }
    }
}
