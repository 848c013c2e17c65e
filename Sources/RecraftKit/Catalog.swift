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
        InputLimits(
            types: svg ? [.png, .jpeg, .webp, .svg] : [.png, .jpeg, .webp],
            maxBytes: 10 * megabyte, maxPixels: 16_000_000, minSide: minSide, maxSide: 4096)
    }
    // Mirrors may keep Recraft's older, stricter 5 MB cap (wire-spec D.3).
    private static let mirror = InputLimits(maxBytes: 5 * megabyte, maxPixels: 16_000_000, minSide: 256, maxSide: 4096)
    private static let rasterFormats = ["response_format": ["url", "b64_json"], "output_format": ["png", "webp"]]

    static func offers(_ preset: Preset) -> [Operation: Offer] {
        switch preset {
        case .kie, .apikley, .sandbox:
            [
                .crispUpscale: Offer(wireName: "recraft/crisp-upscale", options: [:], limits: marketCrisp),
                .removeBackground: Offer(wireName: "recraft/remove-background", options: [:], limits: marketRemoveBackground)
            ]
        case .kieRecraft:
            [
                .crispUpscale: Offer(wireName: "upscale", options: ["scale": ["2", "4"], "output_format": ["png", "jpg"]], limits: marketCrisp),
                .removeBackground: Offer(wireName: "remove-background", options: ["output_format": ["png"]], limits: marketRemoveBackground)
            ]
        case .recraft:
            [
                .crispUpscale: Offer(wireName: "crispUpscale", options: rasterFormats, limits: recraft(minSide: 32)),
                .creativeUpscale: Offer(wireName: "creativeUpscale", options: rasterFormats, limits: recraft(minSide: 256)),
                .removeBackground: Offer(wireName: "removeBackground", options: rasterFormats, limits: recraft(minSide: 256, svg: true)),
                .vectorize: Offer(wireName: "vectorize", options: ["response_format": ["url", "b64_json"]], limits: recraft(minSide: 256))
            ]
        case .recraftMirror:
            [
                .creativeUpscale: Offer(wireName: "generativeUpscale", options: ["response_format": ["url", "b64_json"]], limits: mirror),
                .clarityUpscale: Offer(wireName: "clarityUpscale", options: ["response_format": ["url", "b64_json"]], limits: mirror),
                .removeBackground: Offer(wireName: "removeBackground", options: ["response_format": ["url", "b64_json"]], limits: mirror)
            ]
        }
    }

    /// The offer for `request`, with its options checked; throws `.unsupported` naming the
    /// presets that do offer what was asked. Nothing is sent when it throws.
    static func offer(for request: JobRequest, preset: Preset) throws(RecraftError) -> Offer {
        let operation = request.operation
        guard let offer = offers(preset)[operation] else {
            let others = Preset.allCases.filter { offers($0)[operation] != nil }.map(\.rawValue)
            throw RecraftError(
                .unsupported,
                "\(preset.rawValue) does not offer \(operation.rawValue); presets that do: \(others.joined(separator: ", "))")
        }
        for (name, value) in request.options.sorted(by: { $0.key < $1.key }) {
            guard let allowed = offer.options[name] else {
                let others = Preset.allCases.filter { offers($0)[operation]?.options[name] != nil }.map(\.rawValue)
                let known = offer.options.keys.sorted()
                throw RecraftError(
                    .unsupported,
                    "\(preset.rawValue) takes no option \"\(name)\" for \(operation.rawValue)"
                        + (known.isEmpty ? " (it takes no options)" : " (it takes: \(known.joined(separator: ", ")))")
                        + (others.isEmpty ? "" : "; presets that do: \(others.joined(separator: ", "))"))
            }
            guard let text = value.string?.lowercased(), allowed.contains(text) else {
                throw RecraftError(
                    .invalidArgument,
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

// MARK: - The public catalog

// What the other surfaces read instead of restating it: the CLI (its commands, help and
// output names), the C API (recraft_catalog_json, which the Python bindings check their
// helpers against) and the tests that hold README's table to `Catalog.offers`.

extension Operation {
    /// The CLI's command for it, also the suffix of its result files: `crisp-upscale`.
    public var commandName: String { String(rawValue.map { $0 == "_" ? "-" : $0 }) }

    /// Other names it is accepted by (`Operation(name:)`).
    public var aliases: [String] { self == .creativeUpscale ? ["generative_upscale"] : [] }

    /// What it does, in one line (the CLI command's abstract).
    public var summary: String {
        switch self {
        case .crispUpscale: "Upscale images, keeping them faithful (Recraft's crisp upscale)."
        case .creativeUpscale: "Upscale images, adding detail (Recraft's creative, or generative, upscale)."
        case .clarityUpscale: "Upscale images, sharpening them (the clarity upscale of Recraft's mirrors)."
        case .removeBackground: "Cut the subject out of images, on a transparent background."
        case .vectorize: "Turn raster images into SVG."
        }
    }

    /// What the result is like, in one sentence (the CLI command's discussion).
    public var resultDescription: String {
        switch self {
        case .crispUpscale: "Sharper, larger images with no invented detail."
        case .creativeUpscale: "Larger images with new detail."
        case .clarityUpscale: "Larger, clearer images."
        case .removeBackground: "The background becomes transparent (PNG)."
        case .vectorize: "Raster in, SVG out."
        }
    }

    /// The presets that offer it, in `Preset.allCases` order.
    public var presets: [Preset] { Capabilities.presets(offering: self) }
}

/// What each preset offers, from `Catalog.offers`: operations, option keys and their
/// allowed values, input limits.
public enum Capabilities {
    /// The operations `preset` offers, in `Operation.allCases` order.
    public static func operations(_ preset: Preset) -> [Operation] {
        let offers = Catalog.offers(preset)
        return Operation.allCases.filter { offers[$0] != nil }
    }

    /// The presets that offer `operation`, in `Preset.allCases` order.
    public static func presets(offering operation: Operation) -> [Preset] {
        Preset.allCases.filter { Catalog.offers($0)[operation] != nil }
    }

    /// The option keys `preset` takes for `operation`, each with its allowed values (lower
    /// case, numbers as text); nil when the preset does not offer the operation.
    public static func options(_ operation: Operation, preset: Preset) -> [String: [String]]? {
        Catalog.offers(preset)[operation]?.options
    }

    /// The whole catalog, as `recraft_catalog_json` returns it:
    /// `{"operations": [{"name", "aliases", "command", "output_suffix", "presets"}],
    ///   "presets": [{"name", "dialect", "api_key_variable", "base_url", "operations":
    ///   {NAME: {"options": {KEY: [VALUE]}, "limits": {"types", "max_bytes", "max_pixels",
    ///   "min_side", "max_side"}}}, "credits": {"balance", "unit", "costs", "refreshes_links"}}],
    ///   "status_codes": [{"code", "name", "constant", "description"}],
    ///   "result_extensions": [EXT]}`. Operations, presets and codes are in their order.
    public static var json: JSONValue {
        let operations = Operation.allCases.map { operation in
            JSONValue.object([
                "name": .string(operation.rawValue),
                "aliases": .array(operation.aliases.map(JSONValue.string)),
                "command": .string(operation.commandName),
                "output_suffix": .string(OutputName.suffix(for: operation)),
                "presets": .array(operation.presets.map { .string($0.rawValue) })
            ])
        }
        let presets = Preset.allCases.map { preset in
            var offered: [String: JSONValue] = [:]
            for (operation, offer) in Catalog.offers(preset) {
                offered[operation.rawValue] = .object([
                    "options": .object(offer.options.mapValues { .array($0.map(JSONValue.string)) }),
                    "limits": offer.limits.json
                ])
            }
            return JSONValue.object([
                "name": .string(preset.rawValue),
                "dialect": .string(preset.dialect.rawValue),
                "api_key_variable": preset.apiKeyVariable.map(JSONValue.string) ?? .null,
                "base_url": preset.defaultBaseURL.map(JSONValue.string) ?? .null,
                "operations": .object(offered),
                "credits": Catalog.account(preset).json
            ])
        }
        let codes =
            [JSONValue.object(["code": .number(0), "name": .string("ok"), "constant": .string("RECRAFT_OK"), "description": .string("ok")])]
            + RecraftError.Code.all.map { code in
                JSONValue.object([
                    "code": .number(Double(code.rawValue)),
                    "name": .string(code.name),
                    "constant": .string(code.constantName),
                    "description": .string(code.description)
                ])
            }
        return .object([
            "operations": .array(operations),
            "presets": .array(presets),
            "status_codes": .array(codes),
            "result_extensions": .array(OutputName.resultExtensions.map(JSONValue.string))
        ])
    }
}

extension RecraftError.Code {
    /// The C constant: `RECRAFT_ERR_` and the name in upper case.
    public var constantName: String { "RECRAFT_ERR_" + name.uppercased() }
}

extension InputLimits {
    var json: JSONValue {
        let types: [InputCheck.ImageType] = [.png, .jpeg, .webp, .svg]
        return .object([
            "types": .array(types.filter(self.types.contains).map { .string($0.rawValue) }),
            "max_bytes": .number(Double(maxBytes)),
            "max_pixels": maxPixels.map { .number(Double($0)) } ?? .null,
            "min_side": minSide.map { .number(Double($0)) } ?? .null,
            "max_side": maxSide.map { .number(Double($0)) } ?? .null
        ])
    }
}
