/// An image operation, by its snake_case name (the same in JSON, C, Python and the CLI).
public enum Operation: String, Sendable, CaseIterable, Codable {
    case crispUpscale = "crisp_upscale"
    case creativeUpscale = "creative_upscale"
    case clarityUpscale = "clarity_upscale"
    case removeBackground = "remove_background"
    case vectorize = "vectorize"

    /// Parses a name, accepting the alias `generative_upscale` for `creative_upscale`
    /// (the legacy name Recraft's mirrors still use).
    public init?(name: String) {
        if name == "generative_upscale" { self = .creativeUpscale; return }
        self.init(rawValue: name)
    }

    /// Every accepted name, for error messages.
    static var allNames: String {
        (allCases.map(\.rawValue) + ["generative_upscale"]).joined(separator: ", ")
    }
}
