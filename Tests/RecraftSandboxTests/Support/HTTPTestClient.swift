// Test helpers: real HTTP against an in-process sandbox (URLSession), JSON reading,
// multipart bodies and test images.

import Foundation
import XCTest

@testable import RecraftSandbox

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

struct HTTPResult {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }

    func header(_ name: String) -> String? {
        headers.first { $0.key.lowercased() == name.lowercased() }?.value
    }

    /// The body as a JSON object; fails the test if it is not one.
    func json(file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(body))
        return try XCTUnwrap(object as? [String: Any], "not a JSON object: \(text)", file: file, line: line)
    }
}

enum HTTP {
    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 30
        return URLSession(configuration: configuration)
    }()

    static func send(
        _ method: String, _ url: String, headers: [String: String] = [:], body: [UInt8]? = nil,
        bearer: String? = "test-key"
    ) async throws -> HTTPResult {
        var request = URLRequest(url: try XCTUnwrap(URL(string: url)))
        request.httpMethod = method
        request.setValue("RecraftSandboxTests/1", forHTTPHeaderField: "User-Agent")
        if let bearer { request.setValue("Bearer \(bearer)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body { request.httpBody = Data(body) }
        let (data, response) = try await session.data(for: request)
        let http = try XCTUnwrap(response as? HTTPURLResponse)
        var fields = [String: String]()
        for (key, value) in http.allHeaderFields {
            if let key = key as? String, let value = value as? String { fields[key] = value }
        }
        return HTTPResult(status: http.statusCode, headers: fields, body: Array(data))
    }

    static func get(_ url: String, bearer: String? = "test-key", headers: [String: String] = [:]) async throws -> HTTPResult {
        try await send("GET", url, headers: headers, bearer: bearer)
    }

    static func postJSON(_ url: String, _ object: Any, bearer: String? = "test-key") async throws -> HTTPResult {
        let body = try JSONSerialization.data(withJSONObject: object)
        return try await send("POST", url, headers: ["Content-Type": "application/json"], body: Array(body), bearer: bearer)
    }

    static func postMultipart(
        _ url: String, fields: [(name: String, value: String)] = [],
        file: (field: String, name: String, type: String, bytes: [UInt8])? = nil, bearer: String? = "test-key"
    ) async throws -> HTTPResult {
        let boundary = "----sandbox-test-\(UUID().uuidString)"
        var body = [UInt8]()
        for field in fields {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(field.name)\"\r\n\r\n\(field.value)\r\n".utf8)
        }
        if let file {
            body += Array(
                ("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.field)\"; "
                    + "filename=\"\(file.name)\"\r\nContent-Type: \(file.type)\r\n\r\n").utf8)
            body += file.bytes + Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        return try await send(
            "POST", url, headers: ["Content-Type": "multipart/form-data; boundary=\(boundary)"],
            body: body, bearer: bearer)
    }
}

/// Reading nested values out of `[String: Any]` without a ladder of casts in every test.
extension Dictionary where Key == String, Value == Any {
    func object(_ key: String) -> [String: Any]? { self[key] as? [String: Any] }
    func string(_ key: String) -> String? { self[key] as? String }
    func int(_ key: String) -> Int? { (self[key] as? NSNumber)?.intValue }
    func isNull(_ key: String) -> Bool { self[key] is NSNull }
}

enum TestImages {
    /// A colourful gradient, opaque.
    static func gradient(width: Int, height: Int) -> RGBAImage {
        var image = RGBAImage(width: width, height: height)
        for y in 0..<height {
            for x in 0..<width {
                let o = (y * width + x) * 4
                image.pixels[o] = UInt8(x * 255 / max(width - 1, 1))
                image.pixels[o + 1] = UInt8(y * 255 / max(height - 1, 1))
                image.pixels[o + 2] = 128
                image.pixels[o + 3] = 255
            }
        }
        return image
    }

    /// A white canvas with a dark red square in the middle: a subject on a flat background.
    static func subjectOnWhite(width: Int = 300, height: Int = 260) -> RGBAImage {
        var image = RGBAImage(width: width, height: height, fill: (255, 255, 255, 255))
        for y in (height / 4)..<(height * 3 / 4) {
            for x in (width / 4)..<(width * 3 / 4) {
                let o = (y * width + x) * 4
                image.pixels[o] = 150
                image.pixels[o + 1] = 20
                image.pixels[o + 2] = 30
            }
        }
        return image
    }

    static func png(_ image: RGBAImage) throws -> [UInt8] { try ImageCodec.encode(image, as: .png) }
    static func jpeg(_ image: RGBAImage) throws -> [UInt8] { try ImageCodec.encode(image, as: .jpeg) }
    static func webp(_ image: RGBAImage) throws -> [UInt8] { try ImageCodec.encode(image, as: .webp) }
}

/// Starts a sandbox for one test and always shuts it down.
func withSandbox<T>(
    _ adjust: (inout SandboxConfiguration) -> Void = { _ in },
    _ body: (Sandbox) async throws -> T
) async throws -> T {
    var configuration = SandboxConfiguration()
    configuration.taskDuration = .milliseconds(60)
    adjust(&configuration)
    let sandbox = try await Sandbox.start(configuration)
    do {
        let result = try await body(sandbox)
        await sandbox.shutdown()
        return result
    } catch {
        await sandbox.shutdown()
        throw error
    }
}
