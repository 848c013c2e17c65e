/// The upload cache: an input's public URL by the SHA-256 of its bytes (never by its file
/// name: kie overwrites files that share a name), so that no worker uploads the same
/// image twice while an earlier upload's link is still good for a whole job. Expiry is
/// wall-clock time, since it is the file host's.
extension Store {
    /// How long an uploaded file is taken to stay downloadable. kie's pages say 3 days in
    /// one place and 24 hours in another; the shorter is assumed.
    static let uploadLifetimeMs: Int64 = 24 * 3600 * 1000

    /// A URL for these bytes at `host` still valid `validForMs` from now, if one is known.
    func cachedUpload(scope: String, sha256: String, host: String, validForMs: Int64) async throws(RecraftError) -> String? {
        try await run { connection, _ throws(StoreFailure) -> String? in
            try connection.execute(
                "SELECT url FROM recraft_uploads WHERE scope = ? AND sha256 = ? AND host = ? AND expires_at > ?",
                [.text(scope), .text(sha256), .text(host), .int(Store.wallMs() + validForMs)]
            ).rows.first?.first?.text
        }
    }

    /// Whether an upload of a file of `size` bytes at `host` is known and still valid
    /// `validForMs` from now: if not, no file of that size can be in the cache, and its
    /// hash need not be taken before uploading it.
    func mayHaveUpload(scope: String, size: Int, host: String, validForMs: Int64) async throws(RecraftError) -> Bool {
        try await run { connection, _ throws(StoreFailure) -> Bool in
            !(try connection.execute(
                "SELECT 1 FROM recraft_upload_sizes WHERE scope = ? AND host = ? AND size = ? AND expires_at > ?",
                [.text(scope), .text(host), .int(Int64(size)), .int(Store.wallMs() + validForMs)]
            ).rows.isEmpty)
        }
    }

    func rememberUpload(scope: String, sha256: String, size: Int, host: String, url: String) async throws(RecraftError) {
        try await write { connection, _ throws(StoreFailure) in
            let now = Store.wallMs()
            let expires = now + Store.uploadLifetimeMs
            try connection.execute(
                """
                INSERT INTO recraft_uploads (scope, sha256, host, url, expires_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (scope, sha256, host) DO UPDATE SET url = excluded.url, expires_at = excluded.expires_at
                """, [.text(scope), .text(sha256), .text(host), .text(url), .int(expires)])
            try connection.execute(
                """
                INSERT INTO recraft_upload_sizes (scope, host, size, expires_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (scope, host, size) DO UPDATE SET expires_at = excluded.expires_at
                """, [.text(scope), .text(host), .int(Int64(size)), .int(expires)])
            try connection.execute("DELETE FROM recraft_uploads WHERE scope = ? AND expires_at < ?", [.text(scope), .int(now)])
            try connection.execute("DELETE FROM recraft_upload_sizes WHERE scope = ? AND expires_at < ?", [.text(scope), .int(now)])
        }
    }
}
