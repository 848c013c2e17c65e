import CCurl

#if canImport(Glibc)
import Glibc
#endif

/// The certificate bundle that HTTPS requests verify against, decided once per process.
///
/// libcurl verifies against the bundle its build names (Debian's: /etc/ssl/certs/
/// ca-certificates.crt), and the wheel carries Debian's libcurl to every Linux. On
/// Fedora, RHEL, openSUSE or Alpine that file does not exist and every HTTPS request would
/// fail with "error setting certificate file". So, as curl's own command line and Go's
/// crypto/x509 do:
/// - `CURL_CA_BUNDLE`, then `SSL_CERT_FILE` (OpenSSL's variable), when set, name the bundle;
/// - else libcurl's own default is kept when it exists;
/// - else the first bundle found where the distributions keep theirs.
/// nil: leave libcurl's default alone.
enum CABundle {
    static let path: String? = resolve(
        environment: { name in getenv(name).map { String(cString: $0) } },
        builtIn: builtIn(),
        exists: { access($0, R_OK) == 0 }
    )

    /// libcurl's compiled-in bundle; its `cainfo` field exists from the ninth layout on (7.70).
    private static func builtIn() -> String? {
        guard let info = curl_version_info(CURLVERSION_NINTH), info.pointee.age.rawValue >= CURLVERSION_NINTH.rawValue else {
            return nil
        }
        return info.pointee.cainfo.map { String(cString: $0) }
    }

    /// Where the distributions keep their bundle (Go's crypto/x509 list, in its order).
    static let knownLocations = [
        "/etc/ssl/certs/ca-certificates.crt",  // Debian, Ubuntu, Gentoo, Arch
        "/etc/pki/tls/certs/ca-bundle.crt",  // Fedora, RHEL 6
        "/etc/ssl/ca-bundle.pem",  // openSUSE
        "/etc/pki/tls/cacert.pem",  // OpenELEC
        "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",  // CentOS, RHEL 7
        "/etc/ssl/cert.pem"  // Alpine
    ]

    static func resolve(
        environment: (String) -> String?, builtIn: String?, exists: (String) -> Bool
    ) -> String? {
        for name in ["CURL_CA_BUNDLE", "SSL_CERT_FILE"] {
            if let named = environment(name), !named.isEmpty { return named }
        }
        if let builtIn, exists(builtIn) { return nil }
        return knownLocations.first(where: exists)
    }
}
