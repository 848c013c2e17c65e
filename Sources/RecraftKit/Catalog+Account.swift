/// What each preset's account side offers: where its balance is read, in what unit,
/// what each operation is documented to cost, whether its result links can be
/// refreshed and how long they live. One table; the CLI's cost check, the C and Python
/// `credits` calls, downloads and README's "credits" column all read it.
struct AccountOffer: Sendable {
    /// The balance endpoint, nil when the preset documents none.
    var balance: BalanceEndpoint?
    /// The unit of balances and costs: "credits" (kie) or "units" (Recraft API units).
    var unit: String
    /// The documented price of one job per operation, in `unit` (wire-spec A.3, D.3);
    /// an operation missing here has no documented price.
    var costs: [Operation: Double]
    /// True when result links can be refreshed (kie's `POST /api/v1/common/download-url`).
    var refreshesLinks: Bool
    /// How long the provider keeps a result link valid (both say about 24 h).
    var linkLifetime: Duration = .seconds(24 * 3600)
}

enum BalanceEndpoint: Sendable {
    /// kie: `GET /api/v1/chat/credit` → `{"code":200,"msg":"success","data":<balance>}`.
    case kieCredit
    /// Recraft: `GET {base}/users/me` → `{id, credits, email?, name?}`.
    case recraftUser
}

extension Catalog {
    static func account(_ preset: Preset) -> AccountOffer {
        let kiePrices: [Operation: Double] = [.crispUpscale: 0.5, .removeBackground: 1]
        switch preset {
        case .kie:
            return AccountOffer(balance: .kieCredit, unit: "credits", costs: kiePrices, refreshesLinks: true)
        case .sandbox:
            // The emulator charges kie's prices and serves kie's account endpoints.
            return AccountOffer(balance: .kieCredit, unit: "credits", costs: kiePrices, refreshesLinks: true)
        case .apikley:
            // A Market mirror: the credit path is kie's, prices and link refresh are not documented.
            return AccountOffer(balance: .kieCredit, unit: "credits", costs: [:], refreshesLinks: false)
        case .kieRecraft:
            // Documented by a third party only (wire-spec B): no balance or price to trust.
            return AccountOffer(balance: nil, unit: "credits", costs: [:], refreshesLinks: false)
        case .recraft:
            return AccountOffer(
                balance: .recraftUser, unit: "units",
                costs: [.crispUpscale: 4, .creativeUpscale: 250, .removeBackground: 10, .vectorize: 10], refreshesLinks: false)
        case .recraftMirror:
            return AccountOffer(balance: nil, unit: "units", costs: [:], refreshesLinks: false)
        }
    }
}

extension Capabilities {
    /// The documented price of one `operation` job at `preset`, in `creditUnit(preset)`;
    /// nil when the docs give none (or the preset does not offer it).
    public static func cost(_ operation: Operation, preset: Preset) -> Double? {
        Catalog.offers(preset)[operation] == nil ? nil : Catalog.account(preset).costs[operation]
    }

    /// True when `preset` has a balance endpoint (`Client.credits()`).
    public static func hasBalance(_ preset: Preset) -> Bool { Catalog.account(preset).balance != nil }

    /// The unit of `preset`'s balance and prices: "credits" or "units".
    public static func creditUnit(_ preset: Preset) -> String { Catalog.account(preset).unit }
}

extension AccountOffer {
    /// For `recraft_catalog_json`: `{"balance": bool, "unit", "costs": {OPERATION: N},
    /// "refreshes_links": bool}`.
    var json: JSONValue {
        .object([
            "balance": .bool(balance != nil),
            "unit": .string(unit),
            "costs": .object(Dictionary(uniqueKeysWithValues: costs.map { ($0.key.rawValue, JSONValue.number($0.value)) })),
            "refreshes_links": .bool(refreshesLinks)
        ])
    }
}
