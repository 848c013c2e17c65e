extension StringProtocol {
    /// The text without leading and trailing white space (FoundationEssentials has no
    /// `trimmingCharacters`).
    var trimmed: String {
        let scalars = unicodeScalars.drop(while: \.properties.isWhitespace)
        var end = scalars.endIndex
        while end > scalars.startIndex, scalars[scalars.index(before: end)].properties.isWhitespace {
            end = scalars.index(before: end)
        }
        return String(String.UnicodeScalarView(scalars[scalars.startIndex..<end]))
    }
}
