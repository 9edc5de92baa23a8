// swift-tools-version:6.0
import Foundation
import PackageDescription

// Layers (see CONTRIBUTING.md): peapod → PeapodCLI → PeapodLinux → PeapodRuntime → PeapodSpec;
// peapod-supervisor → PeapodLinux; PeapodCLI → PeapodManifest (YAML, libyaml through CYAML) → PeapodSpec.
// CPeapod holds the only code that runs between clone() and execve().

// The modules linked into peapod-supervisor (one process per running pod) do not get Swift's
// implicit `import _StringProcessing`: it would link the regex engine and its parser (code and
// their conformance records; docs/benchmarks.md) into the supervisor, which never uses them.
// Each function gets its own section (-function-sections), so the linker can order them.
let lean: [SwiftSetting] = [
    .unsafeFlags(["-Xfrontend", "-disable-implicit-string-processing-module-import", "-Xfrontend", "-function-sections"]),
]

// Both executables are linked with lld, which places the functions they run (tools/supervisor.order
// and tools/cli.order, made by tools/bench/order.sh) together at the start of their code: a
// running pod's supervisor then maps less of the binary, and a command takes fewer page faults
// to start (docs/benchmarks.md). Without an ld.lld on PATH (it comes with the swift.org
// toolchains), the default linker and order are used.
let packageDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path
let hasLLD = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
    FileManager.default.isExecutableFile(atPath: "\($0)/ld.lld")
}
func ordered(_ file: String) -> [LinkerSetting] {
    hasLLD ? [.unsafeFlags([
        "-use-ld=lld", "-Xlinker", "--symbol-ordering-file=\(packageDirectory)/tools/\(file)",
        "-Xlinker", "--no-warn-symbol-ordering",
    ])] : []
}

let package = Package(
    name: "Peapod",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "peapod", targets: ["peapod"]),
        .executable(name: "peapod-supervisor", targets: ["peapod-supervisor"]),
        // For tools/fuzz only, a package of its own that depends on this one by path: a package
        // can use another's modules only through its products. Automatic libraries, so neither
        // `swift build` nor the static release build makes or links anything more for them.
        .library(name: "PeapodSpec", targets: ["PeapodSpec"]),
        .library(name: "PeapodManifest", targets: ["PeapodManifest"]),
        .library(name: "PeapodLinux", targets: ["PeapodLinux"]),
    ],
    targets: [
        .target(
            name: "CPeapod",
            cSettings: [.define("_GNU_SOURCE"), .unsafeFlags(["-Wall", "-Wextra", "-Wno-unused-parameter"])],
            linkerSettings: [.linkedLibrary("seccomp"), .linkedLibrary("cap")]
        ),
        .target(name: "PeapodSpec", swiftSettings: lean),
        // The system libyaml (libyaml.a in the static build); only PeapodManifest uses it.
        .systemLibrary(name: "CYAML", providers: [.apt(["libyaml-dev"])]),
        // YAML text → documents: kept out of PeapodSpec so that libyaml is linked only into the
        // CLI, not into peapod-supervisor.
        .target(name: "PeapodManifest", dependencies: ["PeapodSpec", "CYAML"], swiftSettings: lean),
        .target(name: "PeapodRuntime", dependencies: ["PeapodSpec"], swiftSettings: lean),
        .target(name: "PeapodLinux", dependencies: ["PeapodSpec", "PeapodRuntime", "CPeapod"], swiftSettings: lean),
        // The CLI imports no Foundation: MemberImportVisibility stops the String methods of a
        // module it does not import itself from reaching it through the modules it does.
        .target(
            name: "PeapodCLI",
            dependencies: ["PeapodSpec", "PeapodManifest", "PeapodRuntime", "PeapodLinux"],
            swiftSettings: lean + [.enableUpcomingFeature("MemberImportVisibility")]
        ),
        .executableTarget(name: "peapod", dependencies: ["PeapodCLI"], linkerSettings: ordered("cli.order")),
        // One process per running pod: only the modules supervising a pod needs (no CLI, no YAML).
        .executableTarget(
            name: "peapod-supervisor", dependencies: ["PeapodLinux", "PeapodRuntime", "PeapodSpec"], swiftSettings: lean,
            linkerSettings: ordered("supervisor.order")),
        // Shared by the test targets: a root suite that cannot run fails under CI=true.
        .target(name: "PeapodTestSupport", path: "Tests/PeapodTestSupport"),
        .testTarget(name: "PeapodSpecTests", dependencies: ["PeapodSpec", "PeapodManifest"]),
        .testTarget(name: "PeapodRuntimeTests", dependencies: ["PeapodRuntime", "PeapodSpec"]),
        .testTarget(
            name: "PeapodLinuxTests",
            dependencies: ["PeapodLinux", "PeapodSpec", "PeapodManifest", "PeapodRuntime", "PeapodTestSupport"]),
        .testTarget(name: "PeapodCLITests", dependencies: ["PeapodCLI", "PeapodSpec"]),
        .testTarget(name: "PeapodIntegrationTests", dependencies: ["PeapodSpec", "PeapodTestSupport"]),
    ]
)
