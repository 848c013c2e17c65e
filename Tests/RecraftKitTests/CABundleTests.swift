import Testing

@testable import RecraftKit

#if canImport(Glibc)
import Glibc
#endif

/// Which certificate bundle HTTPS verifies against when the library (or the wheel's
/// libcurl, built on Debian) runs on another distribution.
@Suite struct CABundleTests {
    private func resolve(env: [String: String] = [:], builtIn: String?, files: Set<String>) -> String? {
        CABundle.resolve(environment: { env[$0] }, builtIn: builtIn, exists: { files.contains($0) })
    }

    @Test func libcurlsOwnBundleIsKeptWhenItExists() {
        let debian = "/etc/ssl/certs/ca-certificates.crt"
        #expect(resolve(builtIn: debian, files: [debian, "/etc/pki/tls/certs/ca-bundle.crt"]) == nil)
    }

    @Test func aMissingBuiltInBundleFallsBackToTheDistributionsOwn() {
        let builtIn = "/etc/ssl/certs/ca-certificates.crt"
        #expect(resolve(builtIn: builtIn, files: ["/etc/pki/tls/certs/ca-bundle.crt"]) == "/etc/pki/tls/certs/ca-bundle.crt")
        #expect(resolve(builtIn: builtIn, files: ["/etc/ssl/cert.pem"]) == "/etc/ssl/cert.pem")
        #expect(resolve(builtIn: nil, files: ["/etc/ssl/ca-bundle.pem"]) == "/etc/ssl/ca-bundle.pem")
    }

    @Test func theEnvironmentNamesTheBundleFirst() {
        let debian = "/etc/ssl/certs/ca-certificates.crt"
        #expect(resolve(env: ["SSL_CERT_FILE": "/opt/corp.pem"], builtIn: debian, files: [debian]) == "/opt/corp.pem")
        #expect(
            resolve(env: ["CURL_CA_BUNDLE": "/a.pem", "SSL_CERT_FILE": "/b.pem"], builtIn: debian, files: [debian]) == "/a.pem")
        #expect(resolve(env: ["SSL_CERT_FILE": ""], builtIn: debian, files: [debian]) == nil)
    }

    @Test func noBundleAnywhereLeavesLibcurlsDefault() {
        #expect(resolve(builtIn: "/nowhere.crt", files: []) == nil)
    }

    /// Against libcurl itself: with no variable set, a choice is always a readable file.
    @Test func onThisMachineAChoiceIsAReadableBundle() {
        guard getenv("CURL_CA_BUNDLE") == nil, getenv("SSL_CERT_FILE") == nil else { return }
        if let path = CABundle.path {
            #expect(access(path, R_OK) == 0)
            #expect(CABundle.knownLocations.contains(path))
        }
    }
}
