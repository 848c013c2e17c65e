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

extension String {
    /// The text percent-encoded for a URL query value: only unreserved characters stay.
    var percentEncodedQueryValue: String {
        // Task ids and most values need no escape: hand the string back without building one.
        if utf8.allSatisfy(\.isUnreservedInQuery) { return self }
        var out = ""
        for byte in utf8 {
            switch byte.isUnreservedInQuery {
            case true:
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case false:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(hex[Int(byte >> 4)])
                out.unicodeScalars.append(hex[Int(byte & 0xF)])
            }
        }
        return out
    }

    /// Every occurrence of `target` replaced (FoundationEssentials has no `replacingOccurrences`).
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        return split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

extension UInt8 {
    /// RFC 3986's unreserved characters: what a query value may hold unescaped.
    fileprivate var isUnreservedInQuery: Bool {
        switch self {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }
}
