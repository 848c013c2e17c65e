// Every path the sandbox serves, grouped by the provider dialect it belongs to. The
// gate resolves a request to one of these before anything else happens, so counting,
// auth and (later) fault injection can be decided per endpoint and per provider.

import Hummingbird

/// The image operations behind the endpoints.
enum ImageOperation: String, Sendable {
    case crispUpscale, creativeUpscale, removeBackground, vectorize
    /// Legacy mirror names: clarity behaves like crisp, generative like creative.
    case clarityUpscale, generativeUpscale
}

enum Endpoint: Sendable, Equatable {
    case marketCreateTask
    case marketRecordInfo
    case dedicatedCreate(ImageOperation)
    case dedicatedRecordInfo(ImageOperation)
    case upload(UploadKind)
    case recraft(ImageOperation)
    case mirror(ImageOperation)
    case file(path: String)
    case stats
    case reset
    case faults
    case kieCredit
    case kieDownloadURL
    case recraftUser

    enum UploadKind: Sendable, Equatable { case stream, base64, url }

    /// The providers a request can be attributed to (rate limits are per provider).
    enum Provider: String, Sendable { case kie, kieUpload, recraft, mirror, sandbox }

    var provider: Provider {
        switch self {
        case .marketCreateTask, .marketRecordInfo, .dedicatedCreate, .dedicatedRecordInfo, .kieCredit, .kieDownloadURL: .kie
        case .upload: .kieUpload
        case .recraft, .recraftUser: .recraft
        case .mirror: .mirror
        case .file, .stats, .reset, .faults: .sandbox
        }
    }

    /// API endpoints sit behind the (emulated) Cloudflare UA check; file hosting and the
    /// sandbox's own admin paths do not, so plain curl and urllib can read them.
    var isAPI: Bool { provider != .sandbox }

    var allowedMethods: [HTTPRequest.Method] {
        switch self {
        case .marketRecordInfo, .dedicatedRecordInfo, .stats, .kieCredit, .recraftUser: [.get]
        case .file: [.get, .head]
        case .faults: [.get, .post, .delete]
        default: [.post]
        }
    }

    private static let table: [String: Endpoint] = [
        "/api/v1/jobs/createTask": .marketCreateTask,
        "/api/v1/jobs/recordInfo": .marketRecordInfo,
        "/api/v1/recraft/upscale": .dedicatedCreate(.crispUpscale),
        "/api/v1/recraft/remove-background": .dedicatedCreate(.removeBackground),
        "/api/v1/recraft/upscale/record-info": .dedicatedRecordInfo(.crispUpscale),
        "/api/v1/recraft/remove-background/record-info": .dedicatedRecordInfo(.removeBackground),
        "/api/file-stream-upload": .upload(.stream),
        "/api/file-base64-upload": .upload(.base64),
        "/api/file-url-upload": .upload(.url),
        "/v1/images/crispUpscale": .recraft(.crispUpscale),
        "/v1/images/creativeUpscale": .recraft(.creativeUpscale),
        "/v1/images/removeBackground": .recraft(.removeBackground),
        "/v1/images/vectorize": .recraft(.vectorize),
        // Deprecated in Recraft's spec but still served (wire-spec D.3).
        "/v1/images/clarityUpscale": .recraft(.clarityUpscale),
        "/v1/images/generativeUpscale": .recraft(.generativeUpscale),
        "/v1/users/me": .recraftUser,
        "/api/v1/chat/credit": .kieCredit,
        "/api/v1/common/download-url": .kieDownloadURL,
        "/recraft/v1/images/generativeUpscale": .mirror(.generativeUpscale),
        "/recraft/v1/images/clarityUpscale": .mirror(.clarityUpscale),
        "/recraft/v1/images/removeBackground": .mirror(.removeBackground),
        "/sandbox/stats": .stats,
        "/sandbox/reset": .reset,
        "/sandbox/faults": .faults
    ]

    /// Resolves a request path (no query). Trailing slashes are not forgiven: the real
    /// services 404 on them too, and a client that adds one should find out here.
    init?(path: String) {
        if path.hasPrefix("/files/") {
            let stored = String(path.dropFirst("/files/".count))
            guard !stored.isEmpty else { return nil }
            self = .file(path: stored)
            return
        }
        guard let endpoint = Endpoint.table[path] else { return nil }
        self = endpoint
    }
}
