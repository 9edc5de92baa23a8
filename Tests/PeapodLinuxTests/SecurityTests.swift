// The host side of the confinement that needs no root: capability names through libcap, the
// published process description, fsGroup ownership of volumes, the host's device list and the
// checks apply makes before creating anything.

import Foundation
import Glibc
import PeapodManifest
@testable import PeapodLinux
import PeapodRuntime
import PeapodSpec
import Testing

@Suite("Capabilities through libcap")
struct CapabilityNameTests {
    @Test func namesAndTheDefaultMask() throws {
        #expect(LinuxCapabilities.number("CAP_CHOWN") == 0)
        #expect(LinuxCapabilities.number("CAP_NET_ADMIN") == 12)
        #expect(LinuxCapabilities.number("CAP_SYS_ADMIN") == 21)
        #expect(LinuxCapabilities.number("net_admin") == nil)
        #expect(LinuxCapabilities.number("CAP_NOT_A_THING") == nil)
        #expect(LinuxCapabilities.defaultMask == 0x00000000a80425fb)
        #expect(LinuxCapabilities.all.first == "CAP_CHOWN")
        #expect(LinuxCapabilities.all.count == LinuxCapabilities.lastCapability + 1)
        #expect(LinuxCapabilities.names(0b101) == ["CAP_CHOWN", "CAP_DAC_READ_SEARCH"])
        #expect(throws: CapabilityError.self) { try LinuxCapabilities.mask(["CAP_CHOWN", "CAP_BOGUS"]) }
    }
}

@Suite("Published process")
struct PublishedProcessTests {
    @Test func writesAndReadsBackTheSameDescription() throws {
        let dir = NSTemporaryDirectory() + "peapod-process-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var spec = ProcessSpec(
            environment: ["PATH=/bin", "A=b c"], workingDir: "/srv", uid: 1000, gid: 3000, supplementalGroups: [4000, 2000],
            capabilities: CapabilitySets(bounding: 0xa80425fb, effective: 0x3, permitted: 0x7, inheritable: 0, ambient: 0x1),
            noNewPrivileges: true, rlimits: [ResourceLimit(resource: 7, soft: 1024, hard: UInt64.max)],
            limits: ProcessLimits(procsFiles: ["/sys/fs/cgroup/pids/p/app/tasks"], unifiedDirectory: "/u/p/app", oomScoreAdj: -997))
        try PublishedProcess.write(spec, container: "app", directory: dir)
        #expect(try PublishedProcess.read(container: "app", directory: dir) == spec)
        let mode = try FileManager.default.attributesOfItem(atPath: dir + "/app.json")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try FileManager.default.attributesOfItem(atPath: dir)[.posixPermissions] as? Int == 0o700)
        spec.noNewPrivileges = false
        spec.limits.oomScoreAdj = nil
        try PublishedProcess.write(spec, container: "app", directory: dir)
        #expect(try PublishedProcess.read(container: "app", directory: dir) == spec)
        #expect(throws: (any Error).self) { try PublishedProcess.read(container: "other", directory: dir) }
    }
}

@Suite("fsGroup ownership")
struct VolumeOwnershipTests {
    @Test func groupBitsAndSetgidOnTheTreeButNotOnSymlinks() throws {
        let root = NSTemporaryDirectory() + "peapod-fsgroup-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/sub", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: root + "/sub/file", contents: Data("x".utf8),
                                       attributes: [.posixPermissions: 0o600])
        try FileManager.default.createSymbolicLink(atPath: root + "/link", withDestinationPath: "/etc/passwd")
        chmod(root, 0o755)
        // The caller's own group: a group anyone may give their own files.
        let group = getegid()
        try VolumeOwnership.apply(root, fsGroup: group, readOnly: false, onRootMismatch: false)
        func st(_ p: String) -> stat {
            var s = stat()
            lstat(p, &s)
            return s
        }
        #expect(st(root).st_mode & 0o7777 == 0o2775)
        #expect(st(root + "/sub").st_mode & 0o2070 == 0o2070)
        #expect(st(root + "/sub/file").st_mode & 0o7777 == 0o660)
        #expect(st(root + "/sub/file").st_gid == group)
        #expect(st("/etc/passwd").st_mode & 0o7777 == 0o644)
        // Read-only volumes get group read only.
        _ = FileManager.default.createFile(atPath: root + "/ro", contents: nil, attributes: [.posixPermissions: 0o600])
        try VolumeOwnership.apply(root + "/ro", fsGroup: group, readOnly: true, onRootMismatch: false)
        #expect(st(root + "/ro").st_mode & 0o7777 == 0o640)
    }

    @Test func onRootMismatchSkipsAVolumeWhoseRootIsRight() throws {
        let root = NSTemporaryDirectory() + "peapod-fsgroup-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: root + "/file", contents: nil, attributes: [.posixPermissions: 0o600])
        chmod(root, 0o2775)
        try VolumeOwnership.apply(root, fsGroup: getegid(), readOnly: false, onRootMismatch: true)
        var s = stat()
        lstat(root + "/file", &s)
        #expect(s.st_mode & 0o777 == 0o600)
        try VolumeOwnership.apply(root, fsGroup: getegid(), readOnly: false, onRootMismatch: false)
        lstat(root + "/file", &s)
        #expect(s.st_mode & 0o777 == 0o660)
    }
}

@Suite("Host devices and apply's security checks")
struct SecurityCheckTests {
    @Test func hostDevicesAreListedWithTheirNumbers() {
        let devices = HostDevices.list()
        let null = devices.first { $0.directory == "/dev" && $0.name == "null" }
        #expect(null?.major == 1 && null?.minor == 3)
        #expect(!devices.contains { $0.directory.hasPrefix("/dev/pts") || $0.directory.hasPrefix("/dev/shm") })
    }

    @Test func unknownCapabilitiesAndMissingProfilesAreRefusedByPath() throws {
        let pod = try Manifest.load("""
        apiVersion: v1
        kind: Pod
        metadata: {name: web}
        spec:
          securityContext: {seccompProfile: {type: Localhost, localhostProfile: missing.json}}
          containers:
          - name: app
            image: busybox
            securityContext: {capabilities: {add: [NET_ADMIN, BOGUS], drop: [ALL, cap_chown]}}
        """).pods[0]
        let problems = SecurityCheck.problems(pod, seccompProfilesDirectory: "/nonexistent-peapod-profiles")
        #expect(problems.count == 2)
        #expect(problems.first?.hasPrefix("spec.securityContext.seccompProfile.localhostProfile: ") == true)
        #expect(problems.last == "spec.containers[0].securityContext.capabilities.add[1]: Unsupported value: \"BOGUS\": not a capability of this host")
    }
}

@Suite("Compiled seccomp programs kept across processes")
struct SeccompCacheTests {
    @Test func aLaterCacheReadsTheProgramTheFirstCompiled() throws {
        let dir = NSTemporaryDirectory() + "peapod-seccomp-cache-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try SeccompFilters(profilesDirectory: "/nonexistent", cacheDirectory: dir)
            .filter(for: .runtimeDefault, capabilities: LinuxCapabilities.defaultMask)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".bpf") }
        #expect(files.count == 1)
        #expect(try FileManager.default.attributesOfItem(atPath: dir)[.posixPermissions] as? Int == 0o700)
        let second = try SeccompFilters(profilesDirectory: "/nonexistent", cacheDirectory: dir)
            .filter(for: .runtimeDefault, capabilities: LinuxCapabilities.defaultMask)
        #expect(second.instructions == first.instructions && second.flags == first.flags)
        // Another capability set the profile consults is another program, another file.
        _ = try SeccompFilters(profilesDirectory: "/nonexistent", cacheDirectory: dir)
            .filter(for: .runtimeDefault, capabilities: LinuxCapabilities.defaultMask | (1 << 21))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".bpf") }.count == 2)
        // A damaged file is compiled again, not believed.
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: dir + "/" + files[0]))
        let third = try SeccompFilters(profilesDirectory: "/nonexistent", cacheDirectory: dir)
            .filter(for: .runtimeDefault, capabilities: LinuxCapabilities.defaultMask)
        #expect(third.instructions == first.instructions)
    }
}
