import RecraftKit

/// The account's balance, in the provider's unit (kie credits, Recraft API units; the
/// catalog's "credits"."unit", see recraft_catalog_json). Asks the provider each time
/// (kie GET /api/v1/chat/credit, Recraft GET /v1/users/me): a free request, and it
/// blocks the calling thread until the reply, within timeout_ms.
/// On success *balance_out is set; it is untouched on error.
/// Returns RECRAFT_ERR_INVALID_ARGUMENT for a NULL or freed client or a NULL balance_out,
/// RECRAFT_ERR_UNSUPPORTED for a preset that documents no balance endpoint (kie-recraft,
/// recraft-mirror), RECRAFT_ERR_AUTHENTICATION for a refused key, and the network,
/// timeout, provider and protocol codes when the balance could not be read.
@c public func recraft_client_credits(_ client: OpaquePointer?, _ balance_out: UnsafeMutablePointer<Double>?) -> recraft_status {
    guarded { () throws(RecraftError) in
        let handle = try Handles.get(UnsafeRawPointer(client), as: ClientHandle.self, "client")
        let out = try output(balance_out, "balance_out")
        out.pointee = try handle.client.creditsBlocking()
    }
}
