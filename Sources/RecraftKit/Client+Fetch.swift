import Dispatch
import FoundationEssentials

#if canImport(Glibc)
import Glibc
#endif

extension Client {
    /// GETs a file (a result, or an input a provider wants as bytes) into `partial`.
    /// No Authorization header: file hosts are not the provider's API and never see the key.
    func fetch(_ url: String, to partial: String) async throws(RecraftError) {
        if url.lowercased().hasPrefix("http://") && !configuration.allowInsecureHTTP && !Configuration.isLoopback(url) {
            throw RecraftError(.protocolError, "\(url) uses plain http to a remote host; set \"allow_insecure_http\": true to accept it")
        }
        var request = HTTPRequest(.get, url)  // no Authorization: never send the key to a file host
        request.connectTimeout = configuration.connectTimeout
        request.timeout = nil  // a large file may take long; a stalled one may not
        request.stallTimeout = configuration.stallTimeout
        request.maxResponseBytes = configuration.maxDownloadBytes
        request.destination = partial
        request.followRedirects = true
        let response: HTTPResponse
        do throws(RecraftError) {
            response = try await retrying(.upload) { () async throws(RecraftError) -> HTTPResponse in
                let response: HTTPResponse
                do { response = try await transport.perform(request) } catch let error as TransportError {
                    throw Client.classify(error, idempotent: true)
                } catch { throw RecraftError(.internal, "\(error)") }
                if (500...599).contains(response.status) || response.status == 429 {
                    throw RecraftError(.providerUnavailable, "the file host answered HTTP \(response.status)", httpStatus: response.status)
                }
                return response
            }
        } catch {
            unlink(partial)
            throw error
        }
        guard (200..<300).contains(response.status) else {
            unlink(partial)
            throw RecraftError(.notFound, "the file host answered HTTP \(response.status) for \(url)", httpStatus: response.status)
        }
        // Flushed to disk so a crash after "done" loses nothing: not on the transport's
        // thread (it would stall every transfer) nor on the cooperative pool.
        let synced = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let fd = Glibc.open(partial, O_WRONLY | O_CLOEXEC)
                let ok = fd >= 0 && fsync(fd) == 0
                if fd >= 0 { close(fd) }
                continuation.resume(returning: ok)
            }
        }
        guard synced else {
            unlink(partial)
            throw RecraftError(.io, "could not flush the downloaded file to disk")
        }
    }

    /// Downloads an input image given as a URL to a temporary file, for providers that
    /// take bytes only. The caller removes the file.
    func fetchInput(_ url: String) async throws(RecraftError) -> String {
        var template = Array("/tmp/recraft-input-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw RecraftError(.io, "cannot create a temporary file: \(String(cString: strerror(errno)))") }
        close(fd)
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        do throws(RecraftError) {
            try await fetch(url, to: path)
        } catch {
            unlink(path)
            throw RecraftError(error.code, "cannot fetch the input image: \(error.message)", httpStatus: error.httpStatus)
        }
        return path
    }
}
