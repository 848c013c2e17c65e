import FoundationEssentials
import RecraftKit

#if canImport(Glibc)
import Glibc
#endif

/// Lists what the client's journal holds (the JSONL file journal_path when set, else this
/// account's jobs in the shared store's ledger, with "live" true for those a running
/// worker still has), as JSON:
/// {"entries": [{"ref", "status", "provider", "operation", "image", "task_id", "results",
/// "error"}], "problems": ["line 7: ..."]}. status is "not_sent" (safe to submit again),
/// "uncertain" (the billed request went out and no reply was recorded), "in_flight"
/// (reopen it with recraft_job_open and its task_id), "succeeded", "failed" or "cancelled".
/// Lines a crash truncated are skipped and named in problems. Returns
/// RECRAFT_ERR_IO when the journal cannot be read, RECRAFT_ERR_STORE_UNAVAILABLE when the
/// store cannot.
/// On success *json_out is the caller's; free with recraft_string_free.
@c public func recraft_journal_list(_ client: OpaquePointer?, _ json_out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> recraft_status {
    guarded { () throws(RecraftError) in
        let handle = try Handles.get(UnsafeRawPointer(client), as: ClientHandle.self, "client")
        let out = try output(json_out, "json_out")
        let (entries, problems) = try handle.client.journalEntries()
        let json = JSONValue.object(["entries": .array(entries.map(\.json)), "problems": .array(problems.map(JSONValue.string))])
        out.pointee = strdup(json.serialized().replacingNUL())
    }
}

/// Feeds in a callback request the provider POSTed to a job's callback_url: body is the
/// request body (JSON text), headers_json a JSON object of its headers (may be NULL when
/// no webhook_secret is configured). With webhook_secret set, the signature
/// (X-Webhook-Timestamp, X-Webhook-Signature) is verified first, in constant time and
/// within a 5-minute window; a bad one gives RECRAFT_ERR_AUTHENTICATION. A waiting job of
/// this client for the task completes at once. Idempotent. Returns
/// RECRAFT_ERR_INVALID_ARGUMENT for a body that is not a JSON object or names no task,
/// RECRAFT_ERR_PROTOCOL for a task record it cannot read, RECRAFT_ERR_UNSUPPORTED for a
/// synchronous provider.
/// On success *result_json_out is the caller's, {"task_id", "state", "results", "error"};
/// free with recraft_string_free. Does not take ownership of body or headers_json.
@c public func recraft_callback_handle(
    _ client: OpaquePointer?, _ body: UnsafePointer<CChar>?, _ headers_json: UnsafePointer<CChar>?,
    _ result_json_out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> recraft_status {
    guarded { () throws(RecraftError) in
        let handle = try Handles.get(UnsafeRawPointer(client), as: ClientHandle.self, "client")
        let out = try output(result_json_out, "result_json_out")
        let text = try argument(body, "body")
        var headers: [String: String] = [:]
        if headers_json != nil {
            guard let object = JSONValue.parse(Array(try argument(headers_json, "headers_json").utf8))?.object else {
                throw RecraftError(.invalidArgument, "headers_json is not a JSON object of header names to values")
            }
            for (name, value) in object { if let value = value.string { headers[name] = value } }
        }
        let outcome = try handle.client.handleCallback(body: Array(text.utf8), headers: headers)
        let json = JSONValue.object([
            "task_id": .string(outcome.taskId),
            "state": .string(outcome.state.description),
            "results": .array(outcome.results.map { .string($0.urlString) }),
            "error": outcome.error.map { .string($0.message) } ?? .null
        ])
        out.pointee = strdup(json.serialized().replacingNUL())
    }
}
