/// What each preset offers: operations, their wire names, options and input limits.
/// One table serves validation, error messages and the README's table.
struct Offer: Sendable {
    /// The provider's name for the operation (model slug, path segment).
    let wireName: String
    /// Option name → allowed values (lower case; numbers as text).
    let options: [String: [String]]
    let limits: InputLimits
}

/// Documented input limits (wire-spec A.3, D.3); nil means not limited or not documented.
struct InputLimits: Sendable {
    var types: Set<InputCheck.ImageType> = [.png, .jpeg, .webp]
    var maxBytes: Int
    var maxPixels: Int? = nil
    /// Bounds on the shorter and on the longer side.
    var minSide: Int? = nil
    var maxSide: Int? = nil
}

enum Catalog {
    static let megabyte = 1_000_000
    private static let marketCrisp = InputLimits(maxBytes: 10 * megabyte)
    private static let marketRemoveBackground = InputLimits(maxBytes: 5 * megabyte, maxPixels: 16_000_000, minSide: 256, maxSide: 4096)
    private static func recraft(minSide: Int, svg: Bool = false) -> InputLimits {
        InputLimits(types: svg ? [.png, .jpeg, .webp, .svg] : [.png, .jpeg, .webp],
                    maxBytes: 10 * megabyte, maxPixels: 16_000_000, minSide: minSide, maxSide: 4096)
    }
    // Mirrors may keep Recraft's older, stricter 5 MB cap (wire-spec D.3).
    private static let mirror = InputLimits(maxBytes: 5 * megabyte, maxPixels: 16_000_000, minSide: 256, maxSide: 4096)
    private static let rasterFormats = ["response_format": ["url", "b64_json"], "output_format": ["png", "webp"]]

    static func offers(_ preset: Preset) -> [Operation: Offer] {
        switch preset {
        case .kie, .apikley, .sandbox:
            [.crispUpscale: Offer(wireName: "recraft/crisp-upscale", options: [:], limits: marketCrisp),
             .removeBackground: Offer(wireName: "recraft/remove-background", options: [:], limits: marketRemoveBackground)]
        case .kieRecraft:
            [.crispUpscale: Offer(wireName: "upscale", options: ["scale": ["2", "4"], "output_format": ["png", "jpg"]], limits: marketCrisp),
             .removeBackground: Offer(wireName: "remove-background", options: ["output_format": ["png"]], limits: marketRemoveBackground)]
        case .recraft:
            [.crispUpscale: Offer(wireName: "crispUpscale", options: rasterFormats, limits: recraft(minSide: 32)),
             .creativeUpscale: Offer(wireName: "creativeUpscale", options: rasterFormats, limits: recraft(minSide: 256)),
             .removeBackground: Offer(wireName: "removeBackground", options: rasterFormats, limits: recraft(minSide: 256, svg: true)),
             .vectorize: Offer(wireName: "vectorize", options: ["response_format": ["url", "b64_json"]], limits: recraft(minSide: 256))]
        case .recraftMirror:
            [.creativeUpscale: Offer(wireName: "generativeUpscale", options: ["response_format": ["url", "b64_json"]], limits: mirror),
             .clarityUpscale: Offer(wireName: "clarityUpscale", options: ["response_format": ["url", "b64_json"]], limits: mirror),
             .removeBackground: Offer(wireName: "removeBackground", options: ["response_format": ["url", "b64_json"]], limits: mirror)]
        }
    }

    /// The offer for `request`, with its options checked; throws `.unsupported` naming the
    /// presets that do offer what was asked. Nothing is sent when it throws.
    static func offer(for request: JobRequest, preset: Preset) throws(RecraftError) -> Offer {
        let operation = request.operation
        guard let offer = offers(preset)[operation] else {
            let others = Preset.allCases.filter { offers($0)[operation] != nil }.map(\.rawValue)
            throw RecraftError(.unsupported,
                "\(preset.rawValue) does not offer \(operation.rawValue); presets that do: \(others.joined(separator: ", "))")
        }
        for (name, value) in request.options.sorted(by: { $0.key < $1.key }) {
            guard let allowed = offer.options[name] else {
                let others = Preset.allCases.filter { offers($0)[operation]?.options[name] != nil }.map(\.rawValue)
                let known = offer.options.keys.sorted()
                throw RecraftError(.unsupported,
                    "\(preset.rawValue) takes no option \"\(name)\" for \(operation.rawValue)"
                    + (known.isEmpty ? " (it takes no options)" : " (it takes: \(known.joined(separator: ", ")))")
                    + (others.isEmpty ? "" : "; presets that do: \(others.joined(separator: ", "))"))
            }
            guard let text = value.string?.lowercased(), allowed.contains(text) else {
                throw RecraftError(.invalidArgument,
                    "option \"\(name)\" is \(value.serialized()); \(preset.rawValue) accepts \(allowed.joined(separator: " or ")) for \(operation.rawValue)")
            }
        }
        return offer
    }
}

extension JobRequest {
    /// An option's value as lower-case text (validated against the catalog already).
    func option(_ name: String) -> String? { options[name]?.string?.lowercased() }
}
