// swift-tools-version: 6.1
// RecraftKit: one job client for Recraft's image operations, from C, Python and Swift.
import PackageDescription

// `make test` (so CI) sets RECRAFT_WARNINGS_AS_ERRORS=1: a warning in our code fails it.
// Not for a plain build: a newer compiler's new warning must not break a user's build.
let strict: [SwiftSetting] = Context.environment["RECRAFT_WARNINGS_AS_ERRORS"] == "1" ? [.unsafeFlags(["-warnings-as-errors"])] : []

let package = Package(
    name: "RecraftKit",
    products: [
        // The dynamic library C programs and Python load. Its name gives `librecraft.so`.
        // Build it with `-Xswiftc -static-stdlib` (see the Makefile) so it needs no Swift runtime.
        .library(name: "recraft", type: .dynamic, targets: ["RecraftC"]),
        .library(name: "RecraftKit", targets: ["RecraftKit"]),
        .library(name: "RecraftSandbox", targets: ["RecraftSandbox"]),
        // Not named `recraft`: SwiftPM silently builds no executable whose product name
        // equals a library product's. `make install` installs it as `recraft`.
        .executable(name: "recraft-cli", targets: ["RecraftCLI"]),
        .executable(name: "recraft-swift-example", targets: ["RecraftExample"]),
        .executable(name: "recraft-fuzz", targets: ["RecraftFuzz"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        // Hummingbird's own dependency, named so the sandbox can shut its server down
        // gracefully (cancelling the serving task can trap in NIO: apple/swift-nio#3481).
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0")
    ],
    targets: [
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CImageCodecs", providers: [.apt(["libpng-dev", "libturbojpeg0-dev", "libwebp-dev"])]),
        // The shared store's embedded engine; PostgreSQL's libpq is loaded at run time instead
        // (dlopen), so librecraft.so does not need it.
        .systemLibrary(name: "CSQLite", providers: [.apt(["libsqlite3-dev"])]),
        .target(name: "RecraftKit", dependencies: ["CCurl", "CSQLite"], swiftSettings: strict),
        .target(name: "RecraftC", dependencies: ["RecraftKit"], swiftSettings: strict),
        // The emulator shares no wire code with the client: it must not depend on RecraftKit.
        .target(
            name: "RecraftSandbox",
            dependencies: [
                "CImageCodecs",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "RecraftCLI",
            dependencies: [
                "RecraftKit", "RecraftSandbox",
                .product(name: "ArgumentParser", package: "swift-argument-parser")
            ],
            swiftSettings: strict
        ),
        .executableTarget(name: "RecraftExample", dependencies: ["RecraftKit"], swiftSettings: strict),
        // The fuzz target over every decoder; see its main.swift for how to run it.
        .executableTarget(name: "RecraftFuzz", dependencies: ["RecraftKit"], swiftSettings: strict),
        .testTarget(name: "RecraftKitTests", dependencies: ["RecraftKit", "RecraftSandbox", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "RecraftSandboxTests", dependencies: ["RecraftSandbox", "TestSupport"], swiftSettings: strict),
        // What several test targets share: PNG fixtures, and running programs without
        // Foundation's Process (see ChildProcess.swift).
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(name: "RecraftCTests", dependencies: ["RecraftC", "RecraftKit", "RecraftSandbox"], swiftSettings: strict),
        // RecraftKit for the catalog only: the tests run the built `recraft-cli`, and check its commands against `Operation.allCases`.
        .testTarget(name: "RecraftCLITests", dependencies: ["RecraftKit", "RecraftSandbox", "TestSupport"], swiftSettings: strict)
    ]
)
