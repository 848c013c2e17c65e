import Testing

@testable import RecraftKit

@Suite struct ConfigurationTests {
    @Test func sandboxNeedsNoKeyButABaseURL() throws {
        let config = try Configuration(json: #"{"provider": "sandbox", "base_url": "http://127.0.0.1:9/"}"#)
        #expect(config.baseURL == "http://127.0.0.1:9")
        #expect(config.uploadURL == "http://127.0.0.1:9")
        #expect(config.apiKey == "sandbox")
        #expect(throws: RecraftError.self) { try Configuration(json: #"{"provider": "sandbox"}"#) }
    }

    @Test func kieDefaultsToItsHostsAndUploadHost() throws {
        let config = try Configuration(json: #"{"provider": "kie", "api_key": "k-123"}"#)
        #expect(config.baseURL == "https://api.kie.ai")
        #expect(config.uploadURL == "https://kieai.redpandaai.co")
        #expect(config.pollInitial == .seconds(2))
    }

    @Test func missingKeyNamesTheVariable() {
        do {
            _ = try Configuration(json: #"{"provider": "apikley"}"#)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .authentication)
            #expect(error.message.contains("APIKLEY_API_KEY"))
            #expect(error.message.contains("sandbox"))
        }
    }

    @Test(arguments: [
        (#"not json"#, RecraftError.Code.invalidConfig, "not valid JSON: at byte 0"),
        (#"[1]"#, .invalidConfig, "not an object"),
        (#"{}"#, .invalidConfig, "provider"),
        (#"{"provider": "nope"}"#, .invalidConfig, "kie, apikley"),
        (#"{"provider": 3}"#, .invalidConfig, "must be a string"),
        (#"{"provider": "kie", "api_key": "x", "apiKey": "y"}"#, .invalidConfig, "unknown config key \"apiKey\""),
        (#"{"provider": "kie", "api_key": "x", "timeout_ms": -1}"#, .invalidConfig, "timeout_ms"),
        (#"{"provider": "kie", "api_key": "x", "timeout_ms": "5"}"#, .invalidConfig, "whole number"),
        (#"{"provider": "kie", "api_key": ""}"#, .invalidConfig, "empty"),
        (#"{"provider": "kie", "api_key": "x", "base_url": "ftp://a"}"#, .invalidConfig, "http or https"),
        (#"{"provider": "kie", "api_key": "x", "base_url": "http://example.com"}"#, .invalidConfig, "unencrypted"),
        (#"{"provider": "recraft-mirror", "api_key": "x"}"#, .invalidConfig, "base_url"),
        (#"{"provider": "kie", "api_key": "x", "poll_initial_ms": 5000, "poll_max_ms": 10}"#, .invalidConfig, "poll_max_ms")
    ])
    func badConfigsSayWhatToFix(json: String, code: RecraftError.Code, phrase: String) {
        do {
            _ = try Configuration(json: json)
            Issue.record("expected an error for \(json)")
        } catch {
            #expect(error.code == code)
            #expect(error.message.contains(phrase), "\(error.message)")
        }
    }

    @Test func plainHTTPIsAllowedOnLoopbackOrWhenAsked() throws {
        _ = try Configuration(json: #"{"provider": "kie", "api_key": "x", "base_url": "http://localhost:8080"}"#)
        let config = try Configuration(json: #"{"provider": "kie", "api_key": "x", "base_url": "http://example.com", "allow_insecure_http": true}"#)
        #expect(config.baseURL == "http://example.com")
        #expect(config.uploadURL == "http://example.com")
    }

    @Test func requestsParseAndRefuseBadInput() throws {
        let request = try JobRequest(json: #"{"operation": "generative_upscale", "image": "https://x/y.png", "options": {"scale": 2}}"#)
        #expect(request.operation == .creativeUpscale)
        #expect(request.image == .url("https://x/y.png"))
        #expect(request.options["scale"] == .number(2))
        #expect(try JobRequest(json: #"{"operation": "vectorize", "image": "a/b.png"}"#).image == .file("a/b.png"))
        for (json, phrase) in [
            (#"{"operation": "zoom", "image": "a.png"}"#, "unknown operation"),
            (#"{"image": "a.png"}"#, "needs \"operation\""),
            (#"{"operation": "vectorize"}"#, "needs \"image\""),
            (#"{"operation": "vectorize", "image": "a.png", "options": 3}"#, "options"),
            (#"{"operation": "vectorize", "image": "a.png", "extra": 1}"#, "unknown request key"),
            (#"{"operation": "#, "at byte 14")
        ] {
            #expect(throws: RecraftError.self) { try JobRequest(json: json) }
            do { _ = try JobRequest(json: json) } catch { #expect(error.message.contains(phrase), "\(error.message)") }
        }
    }
}
