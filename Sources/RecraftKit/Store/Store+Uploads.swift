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

    func rememberUpload(scope: String, sha256: String, host: String, url: String) async throws(RecraftError) {
        try await write { connection, _ throws(StoreFailure) in
            try connection.execute(
                """
                INSERT INTO recraft_uploads (scope, sha256, host, url, expires_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (scope, sha256, host) DO UPDATE SET url = excluded.url, expires_at = excluded.expires_at
                """, [.text(scope), .text(sha256), .text(host), .text(url), .int(Store.wallMs() + Store.uploadLifetimeMs)])
            try connection.execute("DELETE FROM recraft_uploads WHERE scope = ? AND expires_at < ?", [.text(scope), .int(Store.wallMs())])
        }
    }
}
