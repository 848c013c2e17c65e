import RecraftKit

/// Creates a client from a JSON configuration, e.g.
/// {"provider": "kie"} or {"provider": "sandbox", "base_url": "http://127.0.0.1:8080"}.
/// Keys: provider (required: kie, apikley, kie-recraft, recraft, recraft-mirror, sandbox),
/// api_key (else the provider's environment variable), base_url, upload_url, timeout_ms,
/// connect_timeout_ms, stall_timeout_ms, job_timeout_ms, max_retries, poll_initial_ms,
/// poll_max_ms, submit_rate_limit, poll_rate_limit ("20/10s", "5/s" or "off"),
/// max_response_bytes, max_download_bytes, allow_insecure_http, user_agent, upload_path,
/// journal_path, webhook_secret, store, store_scope, durable_downloads (default true: a
/// saved result is synced to disk before it is renamed into place; false skips the sync),
/// upload_cache (default true: the same bytes are uploaded once for the account while the
/// link is good; false: no hash of the input, every input uploaded).
/// Unknown keys are refused.
/// On success *client_out is the caller's; free with recraft_client_free.
/// Does not take ownership of config_json. The client is safe to share between threads.
/// Returns RECRAFT_ERR_INVALID_ARGUMENT for NULLs, RECRAFT_ERR_INVALID_CONFIG for a bad
/// configuration, RECRAFT_ERR_AUTHENTICATION when no API key can be found.
@c public func recraft_client_new(_ config_json: UnsafePointer<CChar>?, _ client_out: UnsafeMutablePointer<OpaquePointer?>?) -> recraft_status {
    guarded { () throws(RecraftError) in
        let out = try output(client_out, "client_out")
        let client = try Client(json: try argument(config_json, "config_json"))
        out.pointee = Handles.make(ClientHandle(client))
    }
}

/// Frees a client handle. Jobs it submitted keep working and keep what they need alive
/// until they are freed. Accepts NULL; a second free of the same handle is ignored.
@c public func recraft_client_free(_ client: OpaquePointer?) {
    _ = Handles.release(UnsafeRawPointer(client), as: ClientHandle.self)
}

/// Submits a job described by request_json and returns at once; the work goes on in the
/// background. request_json: {"operation": "crisp_upscale", "image": "<local path or
/// https URL>", "callback_url": "<optional>", "options": {...}, "ref": "<optional>"}.
/// "ref" is the caller's own reference: the same ref submitted again, by any process on
/// the account (the shared store), follows the first job instead of paying twice.
/// On success *job_out is the caller's; free with recraft_job_free.
/// Does not take ownership of request_json. Fails without sending anything for a bad
/// request (RECRAFT_ERR_INVALID_ARGUMENT), an operation or option the provider does not
/// offer (RECRAFT_ERR_UNSUPPORTED), or an unreadable or unacceptable input file
/// (RECRAFT_ERR_INVALID_INPUT).
@c public func recraft_submit(
    _ client: OpaquePointer?, _ request_json: UnsafePointer<CChar>?, _ job_out: UnsafeMutablePointer<OpaquePointer?>?
) -> recraft_status {
    guarded { () throws(RecraftError) in
        let handle = try Handles.get(UnsafeRawPointer(client), as: ClientHandle.self, "client")
        let out = try output(job_out, "job_out")
        let request = try JobRequest(json: try argument(request_json, "request_json"))
        out.pointee = makeJobHandle(try handle.client.submit(request), client: handle)
    }
}

/// Re-attaches to a task the provider already has, by the id recraft_job_id gave, to
/// wait for it and download its results. Nothing is submitted or paid again.
/// operation is the operation's name (e.g. "crisp_upscale").
/// On success *job_out is the caller's; free with recraft_job_free.
/// Does not take ownership of operation or job_id. Returns RECRAFT_ERR_INVALID_ARGUMENT
/// for an unknown operation or an empty, over-long or multi-line id, and
/// RECRAFT_ERR_UNSUPPORTED for a synchronous provider (recraft, recraft-mirror: they keep
/// no task) or an operation the provider does not offer. An id the provider does not know
/// is not an error here: the job then fails with RECRAFT_ERR_NOT_FOUND.
@c public func recraft_job_open(
    _ client: OpaquePointer?, _ operation: UnsafePointer<CChar>?, _ job_id: UnsafePointer<CChar>?, _ job_out: UnsafeMutablePointer<OpaquePointer?>?
) -> recraft_status {
    guarded { () throws(RecraftError) in
        let handle = try Handles.get(UnsafeRawPointer(client), as: ClientHandle.self, "client")
        let out = try output(job_out, "job_out")
        let name = try argument(operation, "operation")
        guard let op = Operation(name: name) else {
            throw RecraftError(.invalidArgument, "unknown operation \"\(name)\"; use e.g. crisp_upscale or remove_background")
        }
        out.pointee = makeJobHandle(try handle.client.open(operation: op, id: try argument(job_id, "job_id")), client: handle)
    }
}
