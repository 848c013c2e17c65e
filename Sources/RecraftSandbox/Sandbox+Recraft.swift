// Recraft's synchronous image tools (wire-spec D) at /v1/images/*, and the legacy
// mirror paths /recraft/v1/images/* (seed 001). The reply holds the result. Errors use
// real HTTP statuses: 401 text/plain, 400 JSON `{code, message}`.

import Foundation
import Hummingbird

enum RecraftDialect: Sendable { case official, mirror }

extension Sandbox {
    private func recraftError(_ code: String, _ message: String) -> SandboxReply {
        Reply.json(["code": code, "message": message], status: .badRequest)
    }

    /// API units charged per image (wire-spec D.3; the mirror's legacy tools priced alike).
    static func credits(for operation: ImageOperation) -> Int {
        switch operation {
        case .crispUpscale, .clarityUpscale: 4
        case .creativeUpscale, .generativeUpscale: 250
        case .removeBackground, .vectorize: 10
        }
    }

    func recraftImage(_ request: SandboxRequest, operation: ImageOperation, dialect: RecraftDialect) async -> SandboxReply {
        guard isAuthorised(request) else { return Reply.text("request unauthorized", status: .unauthorized) }

        var upload: [UInt8]?
        var imageURL: String?
        var responseFormat: String?
        var imageFormat: String?
        if let boundary = Multipart.boundary(fromContentType: request.contentType) {
            let parts: [MultipartPart]
            do {
                parts = try Multipart.parse(request.body, boundary: boundary)
            } catch {
                return recraftError("invalid_request", "malformed multipart body: \(error)")
            }
            // The docs name the file field `file`, the OpenAPI spec `image`: take either.
            upload = parts.first { $0.name == "image" }?.body ?? parts.first { $0.name == "file" }?.body
            responseFormat = parts.first { $0.name == "response_format" }?.text
            imageFormat = parts.first { $0.name == "image_format" }?.text
        } else if let body = JSONFields(request.body) {
            imageURL = body.string("image_url")
            if body.has("response_format") { responseFormat = body.string("response_format") ?? "" }
            if body.has("image_format") { imageFormat = body.string("image_format") ?? "" }
        } else {
            return recraftError("invalid_request", "body must be multipart/form-data or a JSON object")
        }

        let base64Reply: Bool
        switch responseFormat?.trimmingSpaces() {
        case nil, "", "url": base64Reply = false
        case "b64_json": base64Reply = true
        case let other?: return recraftError("invalid_request", "response_format must be url or b64_json, got '\(other.prefix(40))'")
        }
        // Raster results are lossless WebP by default (docs); the legacy mirror predates
        // image_format and answers PNG.
        var output: ImageFormat = dialect == .official ? .webp : .png
        switch imageFormat?.trimmingSpaces() {
        case nil, "": break
        case "png": output = .png
        case "webp": output = .webp
        case let other?: return recraftError("invalid_request", "image_format must be png or webp, got '\(other.prefix(40))'")
        }
        guard upload != nil || !(imageURL ?? "").isEmpty else {
            return recraftError("invalid_request", "image is required (multipart field 'image' or JSON 'image_url')")
        }
        guard ledger.charge(Double(Self.credits(for: operation))) else { return recraftInsufficientCredits() }
        counters.record { $0.syncRequests += 1 }

        let input: [UInt8]
        if let upload {
            input = upload
        } else {
            do {
                input = try await fetchInput(imageURL ?? "", allowDataURL: true)
            } catch {
                return recraftError("invalid_image", "\(error)")
            }
        }
        if configuration.syncDelay > .zero { try? await Task.sleep(for: configuration.syncDelay) }

        let limits = dialect == .official ? ImageLimits.recraft(operation) : .mirror
        let work = ImageWork(operation: operation, scale: 4, output: output, limits: limits)
        let imageID = UUID().uuidString.lowercased()
        let result: ImageWorkOutput
        do {
            result = try await runImageWork(work, input: input)
        } catch let error as ImageWorkError {
            return recraftError("invalid_image", error.description)
        } catch {
            return Reply.text("500 internal error: \(error)", status: .internalServerError)
        }

        var image: [String: Any] = ["image_id": imageID]
        if base64Reply {
            image["b64_json"] = Data(result.bytes).base64EncodedString()
        } else {
            image["url"] = storeResult(result.bytes, format: result.format, id: imageID)
        }
        return Reply.json([
            "created": WallClock.nowMillis() / 1000,
            "credits": Self.credits(for: operation),
            "image": image
        ])
    }
}
