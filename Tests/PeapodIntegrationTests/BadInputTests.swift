// Broken manifests: each gives a clear error naming what is wrong, and changes nothing.

import Foundation
import Testing
import PeapodTestSupport

struct BadManifest: CustomTestStringConvertible, Sendable {
    var name: String
    var manifest: String
    /// A piece of the error text the user must see.
    var expected: String

    var testDescription: String { name }
}

private func pod(_ spec: String, name: String = "bad") -> String {
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \(name)\nspec:\n" + spec
}

let badManifests: [BadManifest] = [
    BadManifest(name: "YAML syntax error", manifest: "apiVersion: v1\nkind: Pod\nmetadata: {name: x\n", expected: "line"),
    BadManifest(name: "not a Pod", manifest: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n", expected: "Deployment"),
    BadManifest(name: "missing name", manifest: "apiVersion: v1\nkind: Pod\nmetadata: {}\nspec:\n  containers: [{name: a, image: busybox}]\n", expected: "metadata.name"),
    BadManifest(name: "upper-case pod name", manifest: pod("  containers: [{name: a, image: busybox}]\n", name: "Bad_Name"), expected: "metadata.name: Invalid value: \"Bad_Name\""),
    BadManifest(name: "no containers", manifest: pod("  containers: []\n"), expected: "spec.containers: Required value"),
    BadManifest(name: "container without name", manifest: pod("  containers: [{image: busybox}]\n"), expected: "spec.containers[0].name: Required value"),
    BadManifest(name: "invalid container name", manifest: pod("  containers: [{name: Web_1, image: busybox}]\n"), expected: "spec.containers[0].name: Invalid value: \"Web_1\""),
    BadManifest(name: "duplicate container names", manifest: pod("  containers: [{name: a, image: busybox}, {name: a, image: busybox}]\n"), expected: "spec.containers[1].name: Duplicate value: \"a\""),
    BadManifest(name: "missing image field", manifest: pod("  containers: [{name: a}]\n"), expected: "spec.containers[0].image: Required value"),
    BadManifest(name: "image not imported", manifest: pod("  containers: [{name: a, image: \"nginx:1.25\"}]\n"), expected: "peapod image import"),
    BadManifest(name: "unknown field (typo)", manifest: pod("  containers: [{name: a, image: busybox, imagee: x}]\n"), expected: "unknown field \"spec.containers[0].imagee\""),
    BadManifest(name: "unknown volume in volumeMount", manifest: pod("  containers: [{name: a, image: busybox, volumeMounts: [{name: nope, mountPath: /x}]}]\n"), expected: "spec.containers[0].volumeMounts[0].name: Not found: \"nope\""),
    BadManifest(name: "duplicate port names", manifest: pod("  containers: [{name: a, image: busybox, ports: [{name: http, containerPort: 80}, {name: http, containerPort: 81}]}]\n"), expected: "spec.containers[0].ports[1].name: Duplicate value: \"http\""),
    BadManifest(name: "port out of range", manifest: pod("  containers: [{name: a, image: busybox, ports: [{containerPort: 70000}]}]\n"), expected: "spec.containers[0].ports[0].containerPort: Invalid value: 70000"),
    BadManifest(name: "subPath escaping the volume", manifest: pod("  volumes: [{name: d, emptyDir: {}}]\n  containers: [{name: a, image: busybox, volumeMounts: [{name: d, mountPath: /x, subPath: ../../etc}]}]\n"), expected: "subPath"),
    BadManifest(name: "missing hostPath with type Directory", manifest: pod("  volumes: [{name: h, hostPath: {path: /nonexistent/peapod-test-dir, type: Directory}}]\n  containers: [{name: a, image: busybox, volumeMounts: [{name: h, mountPath: /h}]}]\n"), expected: "/nonexistent/peapod-test-dir"),
    BadManifest(name: "bad restartPolicy", manifest: pod("  restartPolicy: Sometimes\n  containers: [{name: a, image: busybox}]\n"), expected: "spec.restartPolicy: Unsupported value: \"Sometimes\""),
    BadManifest(name: "wrong type for containerPort", manifest: pod("  containers: [{name: a, image: busybox, ports: [{containerPort: \"80\"}]}]\n"), expected: "spec.containers[0].ports[0].containerPort"),
    BadManifest(name: "invalid memory quantity", manifest: pod("  containers: [{name: a, image: busybox, resources: {limits: {memory: 12XB}}}]\n"), expected: "spec.containers[0].resources.limits.memory: Invalid value: \"12XB\""),
    BadManifest(name: "unsupported probe", manifest: pod("  containers: [{name: a, image: busybox, livenessProbe: {grpc: {port: 9000}}}]\n"), expected: "spec.containers[0].livenessProbe"),
]

@Suite("Broken manifests", .serialized, .requires(Environment.skipNote) { Environment.isRoot })
struct BadInputTests {
    @Test("Twenty broken manifests each give a clear error and leave nothing behind")
    func brokenManifests() throws {
        let peapod = try Peapod()
        defer { peapod.tearDown() }
        #expect(badManifests.count == 20)
        let mountsBefore = mountCount(containing: peapod.base)
        for bad in badManifests {
            for dryRun in [true, false] {
                let result = try peapod.apply(bad.manifest, extra: dryRun ? ["--dry-run=client"] : [])
                #expect(result.code != 0, "\(bad.name): accepted")
                #expect(result.stderr.contains("error:"), "\(bad.name): \(result.stderr)")
                #expect(result.stderr.contains(bad.expected), "\(bad.name): expected «\(bad.expected)» in: \(result.stderr)")
                #expect(result.stdout.isEmpty, "\(bad.name): \(result.stdout)")
                let left = peapod.leftovers()
                #expect(left.isEmpty, "\(bad.name) left: \(left)")
            }
        }
        #expect(mountCount(containing: peapod.base) == mountsBefore)
    }

    @Test("A name clash with a different spec is refused and the running pod is untouched")
    func nameClash() throws {
        let peapod = try Peapod()
        defer { peapod.tearDown() }
        let first = pod("  containers: [{name: a, image: busybox, command: [sleep, \"3600\"]}]\n", name: "clash")
        #expect(try peapod.apply(first).code == 0)
        let again = try peapod.apply(first)
        #expect(again.code == 0)
        #expect(again.stdout == "pod/clash unchanged\n")
        let second = pod("  containers: [{name: a, image: busybox, command: [sleep, \"60\"]}]\n", name: "clash")
        let clash = try peapod.apply(second)
        #expect(clash.code != 0)
        #expect(clash.stderr.contains("spec.containers[0].command"), "\(clash.stderr)")
        _ = try peapod.waitRunning("clash")
    }

    @Test("A non-root caller gets a one-line error")
    func nonRoot() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", Environment.binary, "get", "pods"]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = Pipe()
        try process.run()
        process.waitUntilExit()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus != 0)
        #expect(text.hasPrefix("error: peapod must run as root"))
        #expect(text.split(separator: "\n").count == 1)
    }
}
