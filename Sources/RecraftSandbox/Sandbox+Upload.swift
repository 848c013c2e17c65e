// kie's File Upload API (wire-spec C): stream (multipart), base64 and URL uploads.
// Files land in the in-memory store and are served from /files/uploads/<path>/<name>.
// Unlike the job APIs, these answer errors with a matching HTTP status.

import Foundation
import Hummingbird

extension Sandbox {
    private func uploadError(_ status: HTTPResponse.Status, _ message: String) -> SandboxReply {
        Reply.json(["success": false, "code": Int(status.code), "msg": message, "data": NSNull()], status: status)
    }

    func upload(_ request: SandboxRequest, kind: Endpoint.UploadKind) async -> SandboxReply {
        guard isAuthorised(request) else { return uploadError(.unauthorized, "You do not have access permissions") }
        let bytes: [UInt8]
        let folder: String?
        let requestedName: String?
        let declaredType: String?
        switch kind {
        case .stream:
            guard let boundary = Multipart.boundary(fromContentType: request.contentType) else {
                return uploadError(.badRequest, "Content-Type must be multipart/form-data with a boundary")
            }
            let parts: [MultipartPart]
            do {
                parts = try Multipart.parse(request.body, boundary: boundary)
            } catch {
                return uploadError(.badRequest, "malformed multipart body: \(error)")
            }
            guard let file = parts.first(where: { $0.name == "file" }) else {
                return uploadError(.badRequest, "file is required")
            }
            bytes = file.body
            folder = parts.first { $0.name == "uploadPath" }?.text
            requestedName = parts.first { $0.name == "fileName" }?.text
            declaredType = file.contentType
        case .base64, .url:
            guard let body = JSONFields(request.body) else {
                return uploadError(.badRequest, "request body must be a JSON object")
            }
            folder = body.string("uploadPath")
            requestedName = body.string("fileName")
            if kind == .base64 {
                guard let data = body.string("base64Data"), !data.isEmpty else {
                    return uploadError(.badRequest, "base64Data is required")
                }
                let decoded = data.hasPrefix("data:") ? try? Self.decodeDataURL(data) : Self.decodeBase64(data)
                guard let decoded else { return uploadError(.badRequest, "base64Data is not valid base64") }
                bytes = decoded
                declaredType = data.hasPrefix("data:") ? String(data.dropFirst(5).prefix { $0 != ";" && $0 != "," }) : nil
            } else {
                guard let fileURL = body.string("fileUrl"), !fileURL.isEmpty else {
                    return uploadError(.badRequest, "fileUrl is required")
                }
                do {
                    bytes = try await fetchInput(fileURL, allowDataURL: false)
                } catch {
                    return uploadError(.badRequest, "\(error)")
                }
                declaredType = nil
            }
        }
        guard let folder, !folder.isEmpty else { return uploadError(.badRequest, "uploadPath is required") }
        if let problem = Self.uploadPathProblem(folder) { return uploadError(.badRequest, problem) }
        guard !bytes.isEmpty else { return uploadError(.badRequest, "file is empty") }

        let sniffed = ImageFormat.sniff(bytes)
        let mimeType = sniffed?.mimeType ?? declaredType.flatMap { $0.isEmpty ? nil : $0 } ?? "application/octet-stream"
        let name: String
        if let requestedName, !requestedName.isEmpty {
            guard !requestedName.contains("/"), requestedName != ".", requestedName != ".." else {
                return uploadError(.badRequest, "fileName must not contain '/'")
            }
            name = requestedName
        } else {
            name = FilePaths.randomHex(16) + "." + (sniffed?.fileExtension ?? "bin")
        }
        // Re-using a name overwrites, as kie documents.
        let path = FilePaths.upload(folder: folder, name: name)
        files.put(path, bytes: bytes, contentType: mimeType)
        counters.record { $0.uploads += 1 }

        let url = fileURL(path)
        var data: [String: Any] = [
            "fileName": name,
            "filePath": "\(folder)/\(name)",
            "fileSize": bytes.count,
            "mimeType": mimeType,
            "uploadedAt": WallClock.iso8601(millis: WallClock.nowMillis())
        ]
        data[configuration.omitUploadDownloadURL ? "fileUrl" : "downloadUrl"] = url
        return Reply.json(["success": true, "code": 200, "msg": "File uploaded successfully", "data": data])
    }

    /// kie wants a folder path with no leading or trailing slash; the sandbox also refuses
    /// empty or dot segments so no path can escape its folder.
    static func uploadPathProblem(_ folder: String) -> String? {
        if folder.hasPrefix("/") || folder.hasSuffix("/") {
            return "uploadPath must not start or end with '/' (got '\(folder.prefix(100))')"
        }
        let segments = folder.split(separator: "/", omittingEmptySubsequences: false)
        if segments.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) {
            return "uploadPath has an empty or dot segment"
        }
        return folder.utf8.count > 512 ? "uploadPath is too long" : nil
    }
}
