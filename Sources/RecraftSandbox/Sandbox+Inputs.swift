// Getting input images (from the sandbox's own store, another loopback server, or a
// data: URL where the dialect takes one) and running image work off the event loop.

import Foundation
import NIOPosix

struct InputError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension Sandbox {
    /// The bytes behind an input URL. The machine has no network: only this sandbox's
    /// `/files/…` and other loopback servers can be reached; anything else fails the way
    /// an unreachable URL would.
    func fetchInput(_ reference: String, allowDataURL: Bool) async throws -> [UInt8] {
        let trimmed = reference.trimmingSpaces()
        if trimmed.lowercased().hasPrefix("data:") {
            guard allowDataURL else {
                throw InputError("data: URLs are not accepted here; upload the file and pass its URL")
            }
            return try Self.decodeDataURL(trimmed)
        }
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            url.host != nil
        else {
            throw InputError("could not fetch image: '\(trimmed.prefix(200))' is not an http(s) URL")
        }
        guard LoopbackHTTPClient.isLoopback(url) else {
            throw InputError(
                "could not fetch image: \(url.host ?? "") is not reachable from the sandbox "
                    + "(no network; use a URL on the sandbox or on loopback)")
        }
        if scheme == "http", url.port == port, url.path.hasPrefix("/files/") {
            let path = String(url.path.dropFirst("/files/".count))
            guard let file = files.get(path) else { throw InputError("could not fetch image: HTTP 404 for \(url.path)") }
            return file.bytes
        }
        let response: LoopbackResponse
        do {
            response = try await LoopbackHTTPClient.send(.GET, to: url)
        } catch {
            throw InputError("could not fetch image: \(error)")
        }
        guard response.status == 200 else { throw InputError("could not fetch image: HTTP \(response.status)") }
        return response.body
    }

    /// `data:[<mime>][;base64],<payload>`; only base64 payloads carry images.
    static func decodeDataURL(_ url: String) throws -> [UInt8] {
        guard let comma = url.firstIndex(of: ",") else { throw InputError("malformed data: URL (no comma)") }
        let header = url[..<comma].lowercased()
        guard header.hasSuffix(";base64") else { throw InputError("data: URL must be base64-encoded") }
        guard let data = decodeBase64(String(url[url.index(after: comma)...])) else {
            throw InputError("data: URL has invalid base64")
        }
        return data
    }

    /// Lenient base64: tolerates whitespace, missing padding and the URL-safe alphabet.
    static func decodeBase64(_ text: String) -> [UInt8]? {
        var cleaned = text.filter { !$0.isWhitespace }
            .replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while cleaned.count % 4 != 0 { cleaned += "=" }
        return Data(base64Encoded: cleaned).map(Array.init)
    }

    /// Runs `work` on NIO's blocking thread pool, so image work never stalls the server,
    /// through the cache, so repeated inputs cost one computation.
    func runImageWork(_ work: ImageWork, input: [UInt8]) async throws -> ImageWorkOutput {
        try await NIOThreadPool.singleton.runIfActive { [imageCache] in try imageCache.output(of: work, input: input).get() }
    }

    /// Stores a result and returns its public URL.
    func storeResult(_ bytes: [UInt8], format: ImageFormat, id: String) -> String {
        let path = FilePaths.result(id: id, format: format)
        files.put(path, bytes: bytes, contentType: format.mimeType)
        links.issued(path, at: WallClock.nowMillis())
        return fileURL(path)
    }
}
