// Both drivers writing into a fake cgroup tree in a temporary directory, the pod/container
// layout, the OOM counter, usage, and the cleanup order (no root, no real cgroupfs).

import Foundation
import Testing
@testable import PeapodLinux
import PeapodSpec

/// A temporary directory standing in for cgroupfs mounts.
final class FakeCgroupFS {
    let base: String

    init() throws {
        var template = Array("/tmp/peapod-cgfs-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else { throw CgroupError("mkdtemp", "/tmp") }
        base = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func mount(_ name: String, parent: String = "/", files: [String: String] = [:]) throws -> String {
        let root = base + "/" + name
        try FileManager.default.createDirectory(atPath: root + parent, withIntermediateDirectories: true)
        for (file, content) in files { try content.write(toFile: root + parent + "/" + file, atomically: false, encoding: .utf8) }
        return root
    }

    func read(_ path: String) -> String? { try? String(contentsOfFile: base + "/" + path, encoding: .utf8) }
    func write(_ path: String, _ text: String) throws { try text.write(toFile: base + "/" + path, atomically: false, encoding: .utf8) }

    deinit { try? FileManager.default.removeItem(atPath: base) }
}

/// Records the calls a pod makes on a hierarchy, in order (for the cleanup order).
final class RecordingDriver: CgroupDriver, @unchecked Sendable {
    let root: String
    let controllers: [CgroupController] = [.memory]
    var version: CgroupHierarchy.Version { .v1 }
    var calls: [String] = []

    init(root: String) { self.root = root }
    func apply(_ limits: CgroupLimits, to path: String) throws(CgroupError) { calls.append("apply \(path)") }
    func remove(_ path: String) throws(CgroupError) {
        calls.append("remove \(path)")
        _ = rmdir(directory(path))
    }
    func removeIfEmpty(_ path: String) -> Bool {
        calls.append("remove \(path)")
        return rmdir(directory(path)) == 0
    }
    func cpuUsageNanos(_ path: String) -> UInt64? { nil }
    func memoryWorkingSet(_ path: String) -> Int64? { nil }
    func oomKills(_ path: String) -> UInt64? { nil }
}

@Suite struct CgroupDriverTests {
    static let guaranteed = """
      - {name: app, image: busybox, resources: {limits: {cpu: 200m, memory: 32Mi}}}
      - {name: side, image: busybox, resources: {limits: {cpu: 100m, memory: 16Mi}}}
    """

    func plan(_ entries: [PodCgroupPlan.Entry], pids: Int64? = 64) -> PodCgroupPlan {
        PodCgroupPlan(mode: "test", entries: entries, podCgroupName: "peapod-u1", pidsLimit: pids)
    }

    @Test func v1DriverWritesMemoryWithMemswCpuSharesQuotaAndPids() throws {
        let fs = try FakeCgroupFS()
        let memory = try fs.mount("memory", parent: "/caller", files: ["memory.memsw.limit_in_bytes": "max"])
        let cpu = try fs.mount("cpu")
        let pids = try fs.mount("pids")
        let pod = try loadPod(podYAML(Self.guaranteed))
        let cgroups = PodCgroups(plan: plan([
            .init(version: .v1, mountPoint: memory, controllers: [.memory], parent: "/caller"),
            .init(version: .v1, mountPoint: cpu, controllers: [.cpu, .cpuacct], parent: "/"),
            .init(version: .v1, mountPoint: pids, controllers: [.pids], parent: "/"),
        ]))
        try cgroups.createPod(pod)
        // Pod level: the sums, as the kubelet sizes a Guaranteed pod, and the pods limit.
        #expect(fs.read("memory/caller/peapod-u1/memory.limit_in_bytes") == "\(48 << 20)")
        #expect(fs.read("cpu/peapod-u1/cpu.shares") == "307")
        #expect(fs.read("cpu/peapod-u1/cpu.cfs_quota_us") == "30000")
        #expect(fs.read("pids/peapod-u1/pids.max") == "64")
        // memsw exists only below a parent that has it (swap accounting on).
        try fs.write("memory/caller/peapod-u1/memory.memsw.limit_in_bytes", "max")

        let limits = try cgroups.prepare(pod.spec.containers[0])
        #expect(fs.read("memory/caller/peapod-u1/app/memory.limit_in_bytes") == "\(32 << 20)")
        #expect(fs.read("memory/caller/peapod-u1/app/memory.memsw.limit_in_bytes") == "\(32 << 20)")
        #expect(fs.read("cpu/peapod-u1/app/cpu.shares") == "204")
        #expect(fs.read("cpu/peapod-u1/app/cpu.cfs_period_us") == "100000")
        #expect(fs.read("cpu/peapod-u1/app/cpu.cfs_quota_us") == "20000")
        #expect(fs.read("pids/peapod-u1/app/pids.max") == nil)   // the pids limit is pod-level
        #expect(fs.read("memory/caller/peapod-u1/app/memory.max") == nil)
        // Every v1 hierarchy is joined through its tasks file (the child is single-threaded), before exec.
        #expect(limits.procsFiles == [memory + "/caller/peapod-u1/app/tasks", cpu + "/peapod-u1/app/tasks",
                                      pids + "/peapod-u1/app/tasks"])
        #expect(limits.unifiedDirectory == nil)
    }

    @Test func v2DriverWritesMemoryMaxSwapCpuWeightCpuMaxAndEnablesControllers() throws {
        let fs = try FakeCgroupFS()
        let root = try fs.mount("unified", parent: "/delegated", files: ["cgroup.subtree_control": "", "memory.swap.max": "max"])
        let pod = try loadPod(podYAML(Self.guaranteed))
        // A temporary directory takes no device program: the rules are recorded (DeviceFilterTests).
        let devices = DeviceRecorder()
        let cgroups = PodCgroups(plan: plan([.init(version: .v2, mountPoint: root, controllers: [.cpu, .memory, .pids], parent: "/delegated")]),
                                 devices: devices.installer)
        try cgroups.createPod(pod)
        #expect(fs.read("unified/delegated/peapod-u1/memory.max") == "\(48 << 20)")
        #expect(fs.read("unified/delegated/peapod-u1/memory.swap.max") == "0")
        #expect(fs.read("unified/delegated/peapod-u1/cpu.max") == "30000 100000")
        #expect(fs.read("unified/delegated/peapod-u1/cpu.weight") == "12")   // shares 307
        #expect(fs.read("unified/delegated/peapod-u1/pids.max") == "64")
        // The fake file keeps the last "+controller" written.
        #expect(fs.read("unified/delegated/cgroup.subtree_control") == "+pids")

        let limits = try cgroups.prepare(pod.spec.containers[1])
        #expect(fs.read("unified/delegated/peapod-u1/side/memory.max") == "\(16 << 20)")
        #expect(fs.read("unified/delegated/peapod-u1/side/cpu.max") == "10000 100000")
        #expect(fs.read("unified/delegated/peapod-u1/side/cpu.weight") == "4")
        #expect(fs.read("unified/delegated/peapod-u1/side/memory.limit_in_bytes") == nil)
        // v2: born in the cgroup (CLONE_INTO_CGROUP) rather than joining through cgroup.procs.
        #expect(limits.unifiedDirectory == root + "/delegated/peapod-u1/side")
        #expect(limits.procsFiles.isEmpty)
        #expect(devices.recorded.map(\.directory) == [root + "/delegated/peapod-u1/side"])
    }

    @Test func aBestEffortContainerGetsMinimumSharesAndNoLimits() throws {
        let fs = try FakeCgroupFS()
        let cpu = try fs.mount("cpu")
        let memory = try fs.mount("memory")
        let pod = try loadPod(podYAML("  - {name: app, image: busybox}"))
        let cgroups = PodCgroups(plan: plan([
            .init(version: .v1, mountPoint: cpu, controllers: [.cpu], parent: "/"),
            .init(version: .v1, mountPoint: memory, controllers: [.memory], parent: "/"),
        ], pids: nil))
        try cgroups.createPod(pod)
        _ = try cgroups.prepare(pod.spec.containers[0])
        #expect(fs.read("cpu/peapod-u1/app/cpu.shares") == "2")
        #expect(fs.read("cpu/peapod-u1/app/cpu.cfs_quota_us") == nil)
        #expect(fs.read("memory/peapod-u1/app/memory.limit_in_bytes") == nil)
    }

    @Test("The pod pids limit (default 4096) is pids.max of the pod's cgroup in the v1 pids hierarchy or the unified one; unlimited writes none")
    func podPidsLimitOnV1AndV2() throws {
        let pod = try loadPod(podYAML("  - {name: app, image: busybox}"))
        for (limit, expected) in [(Int64(4096), "4096" as String?), (nil, nil)] {
            let fs = try FakeCgroupFS()
            let pids = try fs.mount("pids")
            let unified = try fs.mount("unified", parent: "/delegated", files: ["cgroup.subtree_control": ""])
            let v1 = PodCgroups(plan: plan([.init(version: .v1, mountPoint: pids, controllers: [.pids], parent: "/")], pids: limit))
            try v1.createPod(pod)
            _ = try v1.prepare(pod.spec.containers[0])
            #expect(fs.read("pids/peapod-u1/pids.max") == expected)
            // Containers share the pod's budget: no limit of their own.
            #expect(fs.read("pids/peapod-u1/app/pids.max") == nil)

            let v2 = PodCgroups(plan: plan([.init(version: .v2, mountPoint: unified, controllers: [.pids], parent: "/delegated")], pids: limit))
            try v2.createPod(pod)
            #expect(fs.read("unified/delegated/peapod-u1/pids.max") == expected)
            #expect(fs.read("unified/delegated/cgroup.subtree_control") == "+pids")
        }
        // Recorded with the pod, so exec, top and delete find the same placement.
        let recorded = plan([.init(version: .v1, mountPoint: "/sys/fs/cgroup/pids", controllers: [.pids], parent: "/")], pids: 4096)
        #expect(PodCgroupPlan(json: recorded.json())?.pidsLimit == 4096)
    }

    @Test func oomKillsAreCountedFromTheStartOfTheInstance() throws {
        let fs = try FakeCgroupFS()
        let memory = try fs.mount("memory")
        let unified = try fs.mount("unified", files: ["cgroup.subtree_control": "pids"])
        let pod = try loadPod(podYAML(Self.guaranteed))
        let v1 = PodCgroups(plan: plan([.init(version: .v1, mountPoint: memory, controllers: [.memory], parent: "/")]))
        try v1.createPod(pod)
        try FileManager.default.createDirectory(atPath: memory + "/peapod-u1/app", withIntermediateDirectories: true)
        try fs.write("memory/peapod-u1/app/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n")
        _ = try v1.prepare(pod.spec.containers[0])
        #expect(!v1.oomKilled("app"))    // the two kills were of an earlier instance
        try fs.write("memory/peapod-u1/app/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n")
        #expect(v1.oomKilled("app"))

        let v2 = PodCgroups(plan: plan([.init(version: .v2, mountPoint: unified, controllers: [.memory], parent: "/")]),
                            devices: DeviceRecorder().installer)
        try v2.createPod(pod)
        _ = try v2.prepare(pod.spec.containers[0])
        try fs.write("unified/peapod-u1/app/memory.events", "low 0\nhigh 0\nmax 7\noom 1\noom_kill 1\n")
        #expect(v2.oomKilled("app"))
        #expect(!v2.oomKilled("side"))   // no cgroup, no counter: not an OOM kill
    }

    @Test func usageIsCpuTimeAndWorkingSet() throws {
        let fs = try FakeCgroupFS()
        let cpuacct = try fs.mount("cpuacct", parent: "/peapod-u1/app", files: ["cpuacct.usage": "123456789\n"])
        let memory = try fs.mount("memory", parent: "/peapod-u1/app", files: [
            "memory.usage_in_bytes": "10485760\n", "memory.stat": "cache 1\ntotal_inactive_file 2097152\n",
        ])
        let unified = try fs.mount("unified", parent: "/peapod-u1/app", files: [
            "cpu.stat": "usage_usec 5000\nuser_usec 4000\n", "memory.current": "4096\n", "memory.stat": "anon 1\ninactive_file 1024\n",
        ])
        let v1 = PodCgroups(plan: plan([
            .init(version: .v1, mountPoint: cpuacct, controllers: [.cpuacct], parent: "/"),
            .init(version: .v1, mountPoint: memory, controllers: [.memory], parent: "/"),
        ]))
        #expect(v1.usage(container: "app") == CgroupUsage(cpuNanos: 123_456_789, memoryWorkingSet: 8 << 20))
        let v2 = PodCgroups(plan: plan([.init(version: .v2, mountPoint: unified, controllers: [.cpu, .memory], parent: "/")]))
        #expect(v2.usage(container: "app") == CgroupUsage(cpuNanos: 5_000_000, memoryWorkingSet: 3072))
    }

    @Test func cleanupRemovesContainersBeforeThePodInEveryHierarchy() throws {
        let fs = try FakeCgroupFS()
        let a = try fs.mount("a", parent: "/p/peapod-u1/app")
        let b = try fs.mount("b", parent: "/peapod-u1/side")
        _ = try fs.mount("b", parent: "/peapod-u1/app")
        _ = try fs.mount("b", parent: "/other")   // not the pod's: never touched
        let da = RecordingDriver(root: a)
        let db = RecordingDriver(root: b)
        let cgroups = PodCgroups(plan: plan([
            .init(version: .v1, mountPoint: a, controllers: [.memory], parent: "/p"),
            .init(version: .v1, mountPoint: b, controllers: [.memory], parent: "/"),
        ]), drivers: [da, db])
        #expect(cgroups.removeAll().isEmpty)
        #expect(da.calls == ["remove /p/peapod-u1/app", "remove /p/peapod-u1"])
        #expect(Set(db.calls.prefix(2)) == ["remove /peapod-u1/app", "remove /peapod-u1/side"])
        #expect(db.calls.last == "remove /peapod-u1")
        #expect(FileManager.default.fileExists(atPath: b + "/other"))
        #expect(!FileManager.default.fileExists(atPath: b + "/peapod-u1"))
        // Nothing left: a second cleanup (delete after the supervisor's) does nothing.
        da.calls = []
        #expect(cgroups.removeAll().isEmpty)
        #expect(da.calls.isEmpty)
    }

    @Test func aMissingParentIsRefusedWithTheHierarchyNamed() throws {
        let fs = try FakeCgroupFS()
        let memory = try fs.mount("memory")
        let layout = CgroupLayout(mode: .v1, hierarchies: [CgroupHierarchy(version: .v1, mountPoint: memory, controllers: [.memory], ownPath: "/me")])
        #expect(throws: CgroupError.self) { try PodCgroupPlan.make(layout: layout, parent: nil, podUID: "u1", pidsLimit: nil) }
        _ = try fs.mount("memory", parent: "/pods")
        let made = try PodCgroupPlan.make(layout: layout, parent: "/pods/", podUID: "u1", pidsLimit: 10)
        #expect(made.entries[0].parent == "/pods")
        #expect(PodCgroupPlan(json: made.json()) == made)
        do {
            _ = try PodCgroupPlan.make(layout: layout, parent: "/nope", podUID: "u1", pidsLimit: nil)
        } catch {
            #expect(error.description.contains("the cgroup parent /nope does not exist in the memory hierarchy"))
        }
    }
}
