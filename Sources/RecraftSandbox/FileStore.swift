// Uploaded and result files, kept in memory: an emulator's files live as long as it does.

import Foundation
import Hummingbird
import Synchronization

struct StoredFile: Sendable {
    var bytes: [UInt8]
    var contentType: String
}

final class FileStore: Sendable {
    private let files = Mutex([String: StoredFile]())

    /// Stores (or overwrites, as kie's upload API does) the file at `path`.
    func put(_ path: String, bytes: [UInt8], contentType: String) {
        files.withLock { $0[path] = StoredFile(bytes: bytes, contentType: contentType) }
    }

    func get(_ path: String) -> StoredFile? { files.withLock { $0[path] } }
}

/// Where files live under `/files/`: uploads and results apart, so an upload path can
/// never overwrite a result.
enum FilePaths {
    static func upload(folder: String, name: String) -> String { "uploads/\(folder)/\(name)" }
    static func result(id: String, format: ImageFormat) -> String { "results/\(id).\(format.fileExtension)" }

    /// A random lowercase hex string of `count` characters.
    static func randomHex(_ count: Int) -> String {
        let digits = Array("0123456789abcdef")
        return String((0..<count).map { _ in digits[Int.random(in: 0..<16)] })
    }
}

extension Sandbox {
    /// `GET|HEAD /files/<path>`: the stored bytes with their type and length. Clients must
    /// fetch results without credentials, as they would from a CDN; those that send an
    /// Authorization header anyway are counted so tests can catch them.
    func serveFile(_ request: SandboxRequest, path: String) -> Response {
        let authorised = request.headers[.authorization] != nil
        counters.record {
            $0.fileDownloads += 1
            if authorised { $0.fileDownloadsWithAuthorization += 1 }
        }
        let decoded = path.removingPercentEncoding ?? path
        guard let file = files.get(decoded) else { return Reply.text("404 file not found", status: .notFound) }
        return Reply.bytes(file.bytes, contentType: file.contentType, headOnly: request.method == .head)
    }
}
