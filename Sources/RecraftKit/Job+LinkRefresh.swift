import FoundationEssentials

#if canImport(Glibc)
import Glibc
#endif

extension Job {
    /// The file host's answers that mean "this link is no longer good" (expired signed
    /// links answer 403 at most hosts, deleted files 404 or 410).
    static let expiredLinkStatuses: Set<Int> = [403, 404, 410]

    /// Fetches result `url` into `partial`, refreshing the link once where the preset can
    /// (kie's download-url): before the first try when the task completed longer ago than
    /// the link lives (a job reopened from an old journal entry), else after the file host
    /// refused it with 403/404/410. Returns the partial file that holds the bytes (a new
    /// one when the first was used up by a refused try). The refresh request goes to the
    /// API host with the key; no file host ever sees it.
    func fetchResult(_ url: String, into partial: String, target: String) async throws(RecraftError) -> String {
        let account = Catalog.account(client.configuration.provider)
        var link = url
        var refreshed = false
        if account.refreshesLinks, let completed = core.withLock({ $0.machine.receipt.completedAtMillis }),
            Self.nowMillis() - completed > account.linkLifetime.milliseconds, let fresh = try? await client.refreshedLink(url)
        {
            link = fresh
            refreshed = true
        }
        do {
            try await client.fetch(link, to: partial, durable: client.configuration.durableDownloads)
            return partial
        } catch {
            guard !refreshed, account.refreshesLinks, error.code == .notFound, let status = error.httpStatus,
                Self.expiredLinkStatuses.contains(status)
            else { throw failure(error, refreshed: refreshed) }
            let fresh: String
            do throws(RecraftError) {
                guard let got = try await client.refreshedLink(url) else { throw failure(error, refreshed: false) }
                fresh = got
            } catch let refusal {
                throw failure(
                    RecraftError(
                        error.code, "\(error.message); refreshing the link failed too: \(refusal.message)", httpStatus: error.httpStatus),
                    refreshed: true)
            }
            let second = try PartialFile.create(beside: target)  // fetch removed the first on failure
            do throws(RecraftError) { try await client.fetch(fresh, to: second, durable: client.configuration.durableDownloads) } catch {
                throw failure(error, refreshed: true)
            }
            return second
        }
    }

    /// The error a user sees when a result could not be fetched: what happened, the task
    /// id and how to collect the result later.
    private func failure(_ error: RecraftError, refreshed: Bool) -> RecraftError {
        guard error.code == .notFound else { return error }
        let task = id.map { "task \($0)" } ?? "the task"
        let tried = refreshed ? " (the link was refreshed once and still refused)" : ""
        return RecraftError(
            .notFound,
            "\(error.message)\(tried); providers keep results about 24 h: reopen \(task) by id (recraft resume, recraft_job_open) to try again, "
                + "or run the job again if it is gone", httpStatus: error.httpStatus)
    }

    static func nowMillis() -> Int { Int((Date().timeIntervalSince1970 * 1000).rounded()) }
}
