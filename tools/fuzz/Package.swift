// swift-tools-version:6.0
// libFuzzer targets for the parsers of bytes a container or a user controls (docs/fuzzing.md).
// A package of its own, so that the project's own builds neither build nor link any of this;
// it uses the project's modules through the library products of ../../Package.swift.
// Build (tools/fuzz/run.sh does it):
//   swift build -c release -Xswiftc -enable-testing --sanitize=fuzzer --sanitize=address
// -enable-testing lets the targets reach the parsers' internal entry points (@testable import).
import PackageDescription

let project: PackageDescription.Package.Dependency = .package(name: "Peapod", path: "../..")

func fuzzTarget(_ name: String, _ products: [String]) -> Target {
    .executableTarget(
        name: name,
        dependencies: ["FuzzSupport"] + products.map { .product(name: $0, package: "Peapod") }
    )
}

let package = Package(
    name: "PeapodFuzz",
    dependencies: [project],
    targets: [
        .target(name: "FuzzSupport", dependencies: [
            .product(name: "PeapodSpec", package: "Peapod"), .product(name: "PeapodManifest", package: "Peapod"),
        ]),
        fuzzTarget("fuzz-json", ["PeapodSpec", "PeapodManifest"]),
        fuzzTarget("fuzz-yaml", ["PeapodSpec", "PeapodManifest"]),
        fuzzTarget("fuzz-http-response", ["PeapodLinux"]),
        fuzzTarget("fuzz-chunked", ["PeapodLinux"]),
        fuzzTarget("fuzz-redirect", ["PeapodLinux"]),
        fuzzTarget("fuzz-cri-log", ["PeapodLinux"]),
    ]
)
