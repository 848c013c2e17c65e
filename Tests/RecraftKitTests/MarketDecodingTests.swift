import Testing

@testable import RecraftKit

/// The market dialect's decoders, fed the shapes the docs and the field show. No network.
@Suite struct MarketDecodingTests {
    func record(_ json: String) throws -> TaskStatus {
        try MarketProvider.decodeRecord(JSONValue.parse(Array(json.utf8))!, service: "kie")
    }

    func reply(_ json: String, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["content-type": "application/json"], body: Array(json.utf8), bytesWritten: 0)
    }

    @Test(arguments: ["waiting", "queuing", "generating", "pending", "processing"])
    func nonTerminalStatesAreRunning(state: String) throws {
        #expect(try record(#"{"state": "\#(state)", "resultJson": ""}"#) == .running(detail: state))
    }

    @Test func successReadsResultJsonAsAString() throws {
        let status = try record(#"{"state": "success", "resultJson": "{\"resultUrls\":[\"https://f/a.png\"]}", "failCode": "", "failMsg": ""}"#)
        #expect(status == .succeeded([.url("https://f/a.png")]))
    }

    @Test func successAcceptsResultJsonAsAnObject() throws {
        #expect(try record(#"{"state": "success", "resultJson": {"resultUrls": ["https://f/b.png"]}}"#) == .succeeded([.url("https://f/b.png")]))
    }

    @Test func successWithoutURLsIsAProtocolError() {
        #expect(throws: RecraftError.self) { try record(#"{"state": "success", "resultJson": ""}"#) }
        #expect(throws: RecraftError.self) { try record(#"{"state": "success", "resultJson": null}"#) }
    }

    @Test func failSurfacesFailCodeAndMessage() throws {
        for code in [#""422""#, "422"] {
            guard case .failed(let error) = try record(#"{"state": "fail", "resultJson": "", "failCode": \#(code), "failMsg": "Invalid image"}"#) else {
                Issue.record("expected a failure")
                return
            }
            #expect(error.code == .jobFailed)
            #expect(error.providerCode == "422")
            #expect(error.message.contains("Invalid image"))
        }
    }

    @Test func unknownStatesKeepPollingAndMissingDataIsAnError() throws {
        #expect(try record(#"{"state": "teleporting"}"#) == .running(detail: "teleporting"))
        #expect(throws: RecraftError.self) { try MarketProvider.decodeRecord(.null, service: "kie") }
    }

    @Test func bodyCodeIsCheckedEvenOnHTTP200() {
        do {
            _ = try KieEnvelope(reply(#"{"code": 401, "msg": "You do not have access permissions"}"#), service: "kie", keyVariable: "KIE_API_KEY")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .authentication)
            #expect(error.providerCode == "401")
            #expect(error.message.contains("KIE_API_KEY"))
        }
    }

    @Test func messageKeyIsAcceptedLikeMsg() throws {
        do {
            _ = try KieEnvelope(reply(#"{"code": 422, "message": "recordInfo is null", "data": null}"#), service: "kie", keyVariable: nil)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .notFound)
            #expect(error.message.contains("recordInfo is null"))
        }
        let ok = try KieEnvelope(reply(#"{"code": 200, "message": "success", "data": {"taskId": "t1"}}"#), service: "kie", keyVariable: nil)
        #expect(ok.data["taskId"]?.string == "t1")
    }

    @Test(arguments: [
        (402, RecraftError.Code.insufficientCredits), (429, .rateLimited), (433, .rateLimited),
        (455, .providerUnavailable), (500, .providerUnavailable), (501, .jobFailed), (505, .unsupported),
        (422, .invalidArgument), (404, .notFound), (999, .protocolError)
    ])
    func bodyCodesAreClassified(code: Int, expected: RecraftError.Code) {
        #expect(KieEnvelope.bodyError(code: code, message: "m", httpStatus: 200, service: "kie", keyVariable: nil).code == expected)
    }

    @Test func httpErrorsAndGarbageAreClassified() {
        let cases: [(HTTPResponse, RecraftError.Code)] = [
            (reply("error code: 1010", status: 403), .authentication),
            (reply("busy", status: 503), .providerUnavailable),
            (reply("slow down", status: 429), .rateLimited),
            (reply("<html>", status: 200), .protocolError),
            (reply(#"{"msg": "no code"}"#, status: 200), .protocolError),
            (reply(#"{"code": 500, "msg": "boom"}"#, status: 500), .providerUnavailable)
        ]
        for (response, expected) in cases {
            do {
                _ = try KieEnvelope(response, service: "kie", keyVariable: nil)
                Issue.record("expected an error")
            } catch {
                #expect(error.code == expected, "\(response.bodyText): \(error)")
            }
        }
    }

    @Test func uploadReadsDownloadURLThenFileURL() throws {
        #expect(
            try KieUpload.decode(
                reply(#"{"success": true, "code": 200, "msg": "ok", "data": {"downloadUrl": "https://t/a.png", "fileUrl": "https://t/old.png"}}"#),
                keyVariable: nil) == "https://t/a.png")
        #expect(try KieUpload.decode(reply(#"{"code": 200, "msg": "ok", "data": {"fileUrl": "https://t/old.png"}}"#), keyVariable: nil) == "https://t/old.png")
        #expect(throws: RecraftError.self) { try KieUpload.decode(reply(#"{"code": 200, "msg": "ok", "data": {}}"#), keyVariable: nil) }
    }
}
