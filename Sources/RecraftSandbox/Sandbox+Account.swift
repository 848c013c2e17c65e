// The account side of the providers: the balance (kie `GET /api/v1/chat/credit`,
// Recraft `GET /v1/users/me`), charging it per job (402 once it is spent), and result
// links that expire (`result_ttl`) and are refreshed by kie's
// `POST /api/v1/common/download-url` (wire-spec A.4, A.6, D.1).

import Foundation
import Hummingbird
import Synchronization

/// One balance for every dialect, charged in each dialect's own unit (kie credits,
/// Recraft API units): an emulator needs one number to spend, not two accounts.
final class SandboxLedger: Sendable {
    private let state: Mutex<(balance: Double, spent: Double)>

    init(balance: Double) { state = Mutex((balance, 0)) }

    var balance: Double { state.withLock { $0.balance } }

    /// Takes `amount` off the balance, or refuses (and takes nothing) when it is short.
    func charge(_ amount: Double) -> Bool {
        state.withLock { state in
            guard state.balance >= amount else { return false }
            state.balance -= amount
            state.spent += amount
            return true
        }
    }
}

/// When each result link was issued, and the fresh links `download-url` handed out.
final class LinkRegistry: Sendable {
    private let state = Mutex((issued: [String: Int](), tokens: [String: (path: String, expiresAt: Int)]()))
    /// kie: a refreshed link is valid for 20 minutes.
    static let refreshedLifetimeMillis = 20 * 60 * 1000

    func issued(_ path: String, at millis: Int) { state.withLock { $0.issued[path] = millis } }

    func issuedAt(_ path: String) -> Int? { state.withLock { $0.issued[path] } }

    func refresh(_ path: String, now: Int) -> String {
        let token = FilePaths.randomHex(32)
        state.withLock { state in
            state.tokens = state.tokens.filter { $0.value.expiresAt > now }  // forget the stale ones
            state.tokens[token] = (path, now + Self.refreshedLifetimeMillis)
        }
        return token
    }

    func isValid(token: String, for path: String, now: Int) -> Bool {
        state.withLock { state in
            guard let entry = state.tokens[token] else { return false }
            return entry.path == path && entry.expiresAt > now
        }
    }
}

extension Sandbox {
    /// The documented prices (wire-spec A.3 in kie credits, D.3 in Recraft units).
    static func marketPrice(model: String) -> Double { model == crispModel ? 0.5 : 1 }

    /// `GET /api/v1/chat/credit` → `{"code":200,"msg":"success","data":<balance>}`.
    func kieCredit(_ request: SandboxRequest) -> SandboxReply {
        guard isAuthorised(request) else { return kieUnauthorised() }
        return kieEnvelope(200, "success", Self.number(ledger.balance))
    }

    /// `GET /v1/users/me` → `{id, credits, email, name}`.
    func recraftUser(_ request: SandboxRequest) -> SandboxReply {
        guard isAuthorised(request) else { return Reply.text("request unauthorized", status: .unauthorized) }
        return Reply.json([
            "id": "00000000-0000-4000-8000-000000000001", "credits": Self.number(ledger.balance),
            "email": "sandbox@example.invalid", "name": "Sandbox"
        ])
    }

    /// kie's answer when the balance cannot pay for a task (a body code on HTTP 200).
    func kieInsufficientCredits() -> SandboxReply {
        kieEnvelope(402, "Credits insufficient. Please top up your account (balance \(Self.number(ledger.balance)))")
    }

    /// Recraft does not document its answer to an empty balance; the sandbox says HTTP 402.
    func recraftInsufficientCredits() -> SandboxReply {
        Reply.json(
            ["code": "not_enough_credits", "message": "not enough API units on the account"],
            status: HTTPResponse.Status(code: 402, reasonPhrase: "Payment Required"))
    }

    /// `POST /api/v1/common/download-url {"url": "<a result URL this sandbox made>"}` →
    /// `data: "<a link valid for 20 minutes>"`; any other URL → 422, as kie documents.
    func downloadURL(_ request: SandboxRequest) -> SandboxReply {
        guard isAuthorised(request) else { return kieUnauthorised() }
        counters.record { $0.linkRefreshes += 1 }
        guard let body = JSONFields(request.body), let url = body.string("url"), !url.isEmpty else {
            return kieEnvelope(422, "url is required")
        }
        let prefix = "\(baseURL)/files/"
        let bare = String(url.prefix { $0 != "?" && $0 != "#" })
        guard bare.hasPrefix(prefix + "results/") else {
            return kieEnvelope(422, "The URL is not a kie-generated file URL")
        }
        let encoded = String(bare.dropFirst(prefix.count))
        let path = encoded.removingPercentEncoding ?? encoded
        guard files.get(path) != nil else { return kieEnvelope(404, "file not found") }
        let token = links.refresh(path, now: WallClock.nowMillis())
        return kieEnvelope(200, "success", "\(prefix)\(encoded)?token=\(token)")
    }

    /// The refusal a file host gives an expired result link (with `result_ttl` set), or
    /// nil when the link may be served: fresh, or carrying a valid refreshed token.
    func expiredLinkRefusal(_ request: SandboxRequest, path: String) -> SandboxReply? {
        guard let ttl = configuration.resultTTL, path.hasPrefix("results/"), let issued = links.issuedAt(path) else { return nil }
        let now = WallClock.nowMillis()
        if let token = request.query["token"], links.isValid(token: token, for: path, now: now) { return nil }
        let ttlMillis = Int(ttl.components.seconds) * 1000 + Int(ttl.components.attoseconds / 1_000_000_000_000_000)
        guard now - issued >= ttlMillis else { return nil }
        counters.record { $0.expiredLinkRefusals += 1 }
        return Reply.text("403 link expired", status: .forbidden)
    }

    /// A whole balance as an integer (kie documents an integer), else as it is.
    static func number(_ value: Double) -> Any {
        value.rounded() == value && abs(value) < 1e15 ? Int(value) : value
    }
}
