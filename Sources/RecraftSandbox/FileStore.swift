// Uploaded and result files, kept in memory: an emulator's files live as long as it does.

import Foundation
import Hummingbird
import Synchronization

struct StoredFile: Sendable {
    var bytes: [UInt8]
    var contentType: String
}

final class FileStore: Sendable {
    /// Memory the store may hold. Past it the least recently used files are dropped (and then 404),
    /// as real result URLs expire: a benchmark of many thousand jobs must not exhaust
    /// the machine, and clients download results right after they are ready.
    let budgetBytes: Int
    private let state = Mutex(State())

    private struct State {
        var files = [String: StoredFile]()
        var totalBytes = 0
        /// Paths in the order they were (re)written or read; stale entries are skipped on eviction.
        var order = [(path: String, generation: Int)]()
        var orderStart = 0
        var generation = 0
        var generations = [String: Int]()

        /// Drops the order's stale entries (evicted, rewritten or read again since) once
        /// they are most of it, so that reads do not grow it without end.
        mutating func compactOrder() {
            guard order.count > 4096, order.count > 2 * files.count else { return }
            order = order[orderStart...].filter { generations[$0.path] == $0.generation }
            orderStart = 0
        }
    }

    init(budgetBytes: Int = 2 << 30) { self.budgetBytes = budgetBytes }

    /// Stores (or overwrites, as kie's upload API does) the file at `path`.
    func put(_ path: String, bytes: [UInt8], contentType: String) {
        state.withLock { state in
            state.totalBytes -= state.files[path]?.bytes.count ?? 0
            state.files[path] = StoredFile(bytes: bytes, contentType: contentType)
            state.totalBytes += bytes.count
            state.generation += 1
            state.generations[path] = state.generation
            state.order.append((path, state.generation))
            // Evict the oldest, but never the file just written.
            while state.totalBytes > budgetBytes, state.orderStart < state.order.count - 1 {
                let oldest = state.order[state.orderStart]
                state.orderStart += 1
                guard state.generations[oldest.path] == oldest.generation, let file = state.files[oldest.path] else { continue }
                state.files[oldest.path] = nil
                state.generations[oldest.path] = nil
                state.totalBytes -= file.bytes.count
            }
            state.compactOrder()
        }
    }

    /// The file, which becomes the newest: eviction drops the least recently used, so an
    /// input that clients keep reusing (the library's upload cache) is not dropped between
    /// a client's check that it is served and the task's fetch of it.
    func get(_ path: String) -> StoredFile? {
        state.withLock { state in
            guard let file = state.files[path] else { return nil }
            state.generation += 1
            state.generations[path] = state.generation
            state.order.append((path, state.generation))
            state.compactOrder()
            return file
        }
    }
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
    func serveFile(_ request: SandboxRequest, path: String) -> SandboxReply {
        let authorised = request.headers[.authorization] != nil
        counters.record {
            $0.fileDownloads += 1
            if authorised { $0.fileDownloadsWithAuthorization += 1 }
        }
        let decoded = path.removingPercentEncoding ?? path
        if let refusal = expiredLinkRefusal(request, path: decoded) { return refusal }
        guard let file = files.get(decoded) else { return Reply.text("404 file not found", status: .notFound) }
        return Reply.bytes(file.bytes, contentType: file.contentType, headOnly: request.method == .head)
    }
}
