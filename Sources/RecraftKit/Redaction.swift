/// Takes a secret out of text, however it was echoed.
///
/// Works on UTF-8 bytes, not Characters: a key followed by a combining mark forms other
/// grapheme clusters, and a String search would no longer find it. A provider's reply is
/// often quoted cut short (its first 200 characters), which can cut the key too: any run
/// of the key's first 8 bytes or more is taken out as well.
enum Redaction {
    static let replacement = Array("[redacted]".utf8)
    /// The shortest start of the key that counts as the key.
    static let fragment = 8

    static func redact(_ text: String, secret: String) -> String {
        let key = Array(secret.utf8)
        guard !key.isEmpty else { return text }
        let bytes = Array(text.utf8)
        let enough = min(key.count, fragment)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var changed = false
        var i = 0
        while i < bytes.count {
            var matched = 0
            while matched < key.count, i + matched < bytes.count, bytes[i + matched] == key[matched] { matched += 1 }
            if matched >= enough {
                out += replacement
                i += matched
                changed = true
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        // A fragment may end inside a multi-byte character of the key; decoding turns what
        // is left of that character into U+FFFD.
        return changed ? String(decoding: out, as: UTF8.self) : text
    }
}
