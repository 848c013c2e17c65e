/// An image operation, by its snake_case name (the same in JSON, C, Python and the CLI).
public enum Operation: String, Sendable, CaseIterable, Codable {
    case crispUpscale = "crisp_upscale"
    case creativeUpscale = "creative_upscale"
    case clarityUpscale = "clarity_upscale"
    case removeBackground = "remove_background"
    case vectorize = "vectorize"

    /// Parses a name, accepting the aliases (`aliases`, in Catalog.swift): `generative_upscale`
    /// for `creative_upscale`, the legacy name Recraft's mirrors still use.
    public init?(name: String) {
        guard let operation = Self(rawValue: name) ?? Self.allCases.first(where: { $0.aliases.contains(name) }) else { return nil }
        self = operation
    }

    /// Every accepted name, for error messages.
    static var allNames: String {
        (allCases.map(\.rawValue) + allCases.flatMap(\.aliases)).joined(separator: ", ")
    }
}
