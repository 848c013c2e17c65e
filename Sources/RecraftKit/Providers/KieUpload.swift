import FoundationEssentials

/// kie's File Upload API (`POST {upload}/api/file-stream-upload`, multipart). Uploads are
/// free; the returned URL is what Market tasks take as input.
enum KieUpload {
    /// `digest`, when given, hashes the file as it is sent (for the upload cache).
    static func request(file: InputFile, configuration: Configuration, digest: UploadDigest? = nil) -> HTTPRequest {
        var http = HTTPRequest(.post, configuration.uploadURL + "/api/file-stream-upload")
        http.body = .multipart([
            MultipartPart(name: "file", content: .file(file, fileName: uniqueName(for: file.fileName), digest: digest)),
            MultipartPart(name: "uploadPath", content: .text(configuration.uploadPath))
        ])
        return http
    }

    /// Reads the file's URL from the reply: `downloadUrl`, else the older `fileUrl`.
    static func decode(_ response: HTTPResponse, keyVariable: String?) throws(RecraftError) -> String {
        let envelope = try KieEnvelope(response, service: "the upload API", keyVariable: keyVariable)
        let url = envelope.data["downloadUrl"]?.string ?? envelope.data["fileUrl"]?.string ?? envelope.data["url"]?.string
        guard let url, !url.isEmpty else {
            throw RecraftError(.protocolError, "the upload API accepted the file but sent neither downloadUrl nor fileUrl")
        }
        return url
    }

    /// Re-using a file name overwrites the old file (and a CDN may keep the old copy), so
    /// every upload gets a fresh name that keeps the original's extension.
    private static func uniqueName(for name: String) -> String {
        let ext = name.split(separator: ".").count > 1 ? "." + (name.split(separator: ".").last ?? "") : ""
        return UUID().uuidString.lowercased() + ext
    }
}
