// The pod sandbox: pinned namespaces and the pod shm, created and destroyed without leftovers.

import Foundation
import Testing
@testable import PeapodLinux
import PeapodTestSupport

private func temporaryBase() throws -> String {
    let base = FileManager.default.temporaryDirectory.path + "/peapod-sandbox-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
    return base
}

@Suite("PodSandbox (root)", .requires("needs root") { Root.isRoot })
struct SandboxTests {
    @Test func createPinsThreeNamespacesAndTheShmThenDestroyLeavesNothing() throws {
        let base = try temporaryBase()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let runDir = base + "/pods/uid-1"
        let sandbox = try PodSandbox.create(runDir: runDir, hostname: "web", shmSizeBytes: 8 << 20)
        defer { try? sandbox.destroy() }
        #expect(MountTable.count(under: runDir) == 4)
        // The pins are namespaces different from ours.
        for (pin, mine) in [(sandbox.namespaces.net, "net"), (sandbox.namespaces.ipc, "ipc"), (sandbox.namespaces.uts, "uts")] {
            var a = stat(), b = stat()
            #expect(stat(pin, &a) == 0 && stat("/proc/self/ns/\(mine)", &b) == 0)
            #expect(a.st_ino != b.st_ino, "\(pin) is the host's \(mine) namespace")
        }
        #expect(sandbox.shmDir == runDir + "/ns/shm")
        #expect(sandbox.namespaces.pid == nil && sandbox.pausePID == nil)

        try sandbox.destroy()
        #expect(MountTable.count(under: base) == 0)
        #expect(!FileManager.default.fileExists(atPath: runDir))
        // Idempotent, by path as well.
        try sandbox.destroy()
        try PodSandbox.destroy(runDir: runDir)
    }

    @Test func destroyByPathKeepsAForeignFileAndItsRunDir() throws {
        let base = try temporaryBase()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let runDir = base + "/run"
        _ = try PodSandbox.create(runDir: runDir, hostname: "web", shmSizeBytes: 1 << 20)
        try "1234\n".write(toFile: runDir + "/supervisor.pid", atomically: true, encoding: .utf8)
        try PodSandbox.destroy(runDir: runDir)
        #expect(MountTable.count(under: base) == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: runDir) == ["supervisor.pid"])
    }

    @Test(arguments: PodSandbox.Stage.allCases)
    func aFailingCreateLeavesNothingBehind(stage: PodSandbox.Stage) throws {
        let base = try temporaryBase()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let runDir = base + "/run"
        let error = #expect(throws: SandboxError.self) {
            try PodSandbox.create(runDir: runDir, hostname: "web", shmSizeBytes: 1 << 20,
                                  shareProcessNamespace: true, failingAfter: stage)
        }
        #expect(error?.errno == ECANCELED)
        #expect(error?.cleanupFailure == nil)
        #expect(MountTable.count(under: base) == 0)
        #expect(!FileManager.default.fileExists(atPath: runDir))
        // The pause process started before the failure is gone (killed and reaped).
        if let text = error?.operation.split(separator: "pause pid ").last, stage == .pausePID {
            let pid = try #require(Int32(text.dropLast()))
            #expect(kill(pid, 0) == -1 && errno == ESRCH, "pause process \(pid) still exists")
        }
    }

    @Test func destroyAlsoRemovesTheEarlierLayoutOfOneMountPerPin() throws {
        let base = try temporaryBase()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let runDir = base + "/run"
        try FileManager.default.createDirectory(atPath: runDir + "/ns", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: runDir + "/shm", withIntermediateDirectories: true)
        for ns in ["net", "ipc", "uts"] {
            _ = FileManager.default.createFile(atPath: runDir + "/ns/" + ns, contents: nil)
            #expect(mount("/proc/self/ns/" + ns, runDir + "/ns/" + ns, nil, UInt(MS_BIND), nil) == 0)
        }
        #expect(mount("shm", runDir + "/shm", "tmpfs", 0, "size=1m") == 0)
        #expect(MountTable.count(under: runDir) == 4)
        try PodSandbox.destroy(runDir: runDir)
        #expect(MountTable.count(under: base) == 0)
        #expect(!FileManager.default.fileExists(atPath: runDir))
    }

    @Test func aBadHostnameIsRefusedBeforeAnythingIsCreated() throws {
        let base = try temporaryBase()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let error = #expect(throws: SandboxError.self) {
            try PodSandbox.create(runDir: base + "/run", hostname: String(repeating: "a", count: 65), shmSizeBytes: 1 << 20)
        }
        #expect(error?.errno == EINVAL)
        #expect(!FileManager.default.fileExists(atPath: base + "/run"))
    }
}

@Suite("MountTable")
struct SandboxMountTableTests {
    static let sample = """
        22 27 0:21 / /proc rw,relatime - proc proc rw
        27 1 254:0 / / rw,relatime - ext4 /dev/vda rw
        90 27 0:50 / /run/peapod/pods/a/ns/net rw - nsfs nsfs rw
        91 27 0:50 / /run/peapod/pods/a/shm rw - tmpfs shm rw
        92 27 0:51 / /run/peapod/pods/ab/shm rw - tmpfs shm rw
        93 27 0:52 / /mnt/with\\040space rw - tmpfs x rw
        """

    @Test func mountPointsDecodeOctalEscapes() {
        #expect(MountTable.mountPoints(mountinfo: Self.sample).last == "/mnt/with space")
    }

    @Test func countUnderAPrefixMatchesWholePathComponents() {
        #expect(MountTable.count(under: "/run/peapod/pods/a", mountinfo: Self.sample) == 2)
        #expect(MountTable.count(under: "/run/peapod/pods/a/", mountinfo: Self.sample) == 2)
        #expect(MountTable.count(under: "/run/peapod", mountinfo: Self.sample) == 3)
        #expect(MountTable.count(under: "/", mountinfo: Self.sample) == 6)
    }

    @Test func readsTheLiveTableWhenNoTextIsGiven() {
        #expect(MountTable.count(under: "/proc") >= 1)
    }
}
