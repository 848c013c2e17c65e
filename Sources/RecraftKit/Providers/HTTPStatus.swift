/// What an HTTP status means, decided once for every dialect: each dialect names only
/// what it makes of the statuses this table leaves open (`otherwise`), and adds its own
/// advice to the message.
enum HTTPStatus {
    static func code(_ status: Int, otherwise: RecraftError.Code) -> RecraftError.Code {
        switch status {
        case 401, 403: .authentication
        case 402: .insufficientCredits
        case 404: .notFound
        case 429: .rateLimited
        case 500...599: .providerUnavailable
        default: otherwise
        }
    }

    /// A status a later attempt may not meet (a file host's too).
    static func isTransient(_ status: Int) -> Bool { status == 429 || (500...599).contains(status) }
}
