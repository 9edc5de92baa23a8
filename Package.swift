// swift-tools-version:6.0
import PackageDescription

// Layers (see CONTRIBUTING.md): peapod → PeapodCLI → PeapodLinux → PeapodRuntime → PeapodSpec;
// peapod-supervisor → PeapodLinux; PeapodCLI → PeapodManifest (YAML, Yams) → PeapodSpec.
// CPeapod holds the only code that runs between clone() and execve().

// The modules linked into peapod-supervisor (one process per running pod) do not get Swift's
// implicit `import _StringProcessing`: it would link the regex engine and its parser (~0.8 MB of
// code and their conformance records) into the supervisor, which never uses them.
let lean: [SwiftSetting] = [.unsafeFlags(["-Xfrontend", "-disable-implicit-string-processing-module-import"])]

let package = Package(
    name: "Peapod",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "peapod", targets: ["peapod"]),
        .executable(name: "peapod-supervisor", targets: ["peapod-supervisor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .target(
            name: "CPeapod",
            cSettings: [.define("_GNU_SOURCE"), .unsafeFlags(["-Wall", "-Wextra", "-Wno-unused-parameter"])],
            linkerSettings: [.linkedLibrary("seccomp"), .linkedLibrary("cap")]
        ),
        .target(name: "PeapodSpec", swiftSettings: lean),
        // YAML text → documents: kept out of PeapodSpec so that Yams (and with it Foundation) is
        // linked only into the CLI, not into peapod-supervisor.
        .target(name: "PeapodManifest", dependencies: ["PeapodSpec", .product(name: "Yams", package: "Yams")]),
        .target(name: "PeapodRuntime", dependencies: ["PeapodSpec"], swiftSettings: lean),
        .target(name: "PeapodLinux", dependencies: ["PeapodSpec", "PeapodRuntime", "CPeapod"], swiftSettings: lean),
        // The CLI imports no Foundation itself: MemberImportVisibility stops Foundation's String
        // methods from reaching it through PeapodManifest's Yams.
        .target(
            name: "PeapodCLI",
            dependencies: ["PeapodSpec", "PeapodManifest", "PeapodRuntime", "PeapodLinux"],
            swiftSettings: lean + [.enableUpcomingFeature("MemberImportVisibility")]
        ),
        .executableTarget(name: "peapod", dependencies: ["PeapodCLI"]),
        // One process per running pod: only the Foundation-free modules, no ArgumentParser.
        .executableTarget(
            name: "peapod-supervisor", dependencies: ["PeapodLinux", "PeapodRuntime", "PeapodSpec"], swiftSettings: lean),
        .testTarget(name: "PeapodSpecTests", dependencies: ["PeapodSpec", "PeapodManifest"]),
        .testTarget(name: "PeapodRuntimeTests", dependencies: ["PeapodRuntime", "PeapodSpec"]),
        .testTarget(name: "PeapodLinuxTests", dependencies: ["PeapodLinux", "PeapodSpec", "PeapodManifest", "PeapodRuntime"]),
        .testTarget(name: "PeapodCLITests", dependencies: ["PeapodCLI", "PeapodSpec"]),
        .testTarget(name: "PeapodIntegrationTests", dependencies: ["PeapodSpec"]),
    ]
)
