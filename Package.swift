// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "hubdoctor",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "hubdoctor", targets: ["hubdoctor"]),
        .library(name: "HubdoctorKit", targets: ["HubdoctorKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.0"),
    ],
    targets: [
        // libcurl through a C shim: Swift cannot call the variadic curl_easy_setopt/getinfo.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .target(
            name: "HubdoctorKit",
            dependencies: [
                "CCurl",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: [
                // Fault injection (HUBDOCTOR_FAULT, kill/fail/stop a safe write at a named point)
                // is a test hook: compiled into debug builds only, never into a shipped release.
                .define("HUBDOCTOR_FAULT_INJECTION", .when(configuration: .debug)),
            ]
        ),
        .executableTarget(
            name: "hubdoctor",
            dependencies: [
                "HubdoctorKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "HubdoctorKitTests",
            // The executable is a dependency so that `swift test` builds it for the end-to-end tests.
            dependencies: ["HubdoctorKit", "hubdoctor"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
