// Layout detection from fixture text of /proc/self/mountinfo and /proc/self/cgroup: v1, v2 and
// hybrid hosts (no root, no real cgroupfs).

import Testing
@testable import PeapodLinux

@Suite struct CgroupLayoutTests {
    /// The machines Peapod is built on: v1 controllers, cpu and cpuacct mounted apart, and an
    /// empty unified hierarchy; our memory cgroup is nested.
    static let hybridMountinfo = """
    31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
    32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
    33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
    34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
    35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
    36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
    39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
    40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
    41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
    """
    static let hybridCgroup = """
    9:name=systemd:/
    8:pids:/
    5:devices:/
    4:memory:/process_api/9c78
    3:cpuset:/
    2:cpuacct:/
    1:cpu:/
    0::/
    """

    @Test func hybridHostUsesV1ForEveryControllerWhenTheUnifiedHierarchyIsEmpty() throws {
        let layout = try CgroupLayout.detect(mountinfo: Self.hybridMountinfo, procCgroup: Self.hybridCgroup, unifiedControllers: "")
        #expect(layout.mode == .hybrid)
        #expect(layout.hierarchies == [
            CgroupHierarchy(version: .v1, mountPoint: "/sys/fs/cgroup/cpu", controllers: [.cpu], ownPath: "/"),
            CgroupHierarchy(version: .v1, mountPoint: "/sys/fs/cgroup/cpuacct", controllers: [.cpuacct], ownPath: "/"),
            CgroupHierarchy(version: .v1, mountPoint: "/sys/fs/cgroup/memory", controllers: [.memory], ownPath: "/process_api/9c78"),
            CgroupHierarchy(version: .v1, mountPoint: "/sys/fs/cgroup/devices", controllers: [.devices], ownPath: "/"),
            CgroupHierarchy(version: .v1, mountPoint: "/sys/fs/cgroup/pids", controllers: [.pids], ownPath: "/"),
        ])
        #expect(layout.missing.isEmpty)
    }

    @Test func hybridHostUsesTheUnifiedHierarchyForControllersOnlyItHolds() throws {
        let mountinfo = Self.hybridMountinfo.split(separator: "\n").filter { !$0.contains("/pids ") }.joined(separator: "\n")
        let layout = try CgroupLayout.detect(mountinfo: mountinfo, procCgroup: Self.hybridCgroup + "\n", unifiedControllers: "memory pids\n")
        #expect(layout.mode == .hybrid)
        // memory is a v1 mount, so only pids is driven through cgroup2.
        #expect(layout.hierarchy(for: .memory)?.version == .v1)
        #expect(layout.hierarchy(for: .pids) == CgroupHierarchy(version: .v2, mountPoint: "/sys/fs/cgroup/unified", controllers: [.pids], ownPath: "/"))
    }

    @Test func v1HostWithCoMountedCpuAndCpuacct() throws {
        let mountinfo = """
        25 24 0:22 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755
        30 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,cpu,cpuacct
        31 25 0:27 / /sys/fs/cgroup/memory rw,nosuid shared:12 - cgroup cgroup rw,memory
        32 25 0:28 / /sys/fs/cgroup/pids rw,nosuid shared:13 - cgroup cgroup rw,pids
        """
        let cgroup = "4:pids:/user.slice\n3:memory:/user.slice\n2:cpu,cpuacct:/user.slice\n"
        let layout = try CgroupLayout.detect(mountinfo: mountinfo, procCgroup: cgroup, unifiedControllers: nil)
        #expect(layout.mode == .v1)
        #expect(layout.hierarchies.count == 3)
        #expect(layout.hierarchies[0] == CgroupHierarchy(version: .v1, mountPoint: "/sys/fs/cgroup/cpu,cpuacct", controllers: [.cpu, .cpuacct], ownPath: "/user.slice"))
        #expect(layout.hierarchy(for: .cpuacct)?.mountPoint == "/sys/fs/cgroup/cpu,cpuacct")
    }

    @Test func v2HostHasOneHierarchyWithEveryController() throws {
        let mountinfo = "28 22 0:25 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n"
        let layout = try CgroupLayout.detect(
            mountinfo: mountinfo, procCgroup: "0::/user.slice/user-1000.slice/session-2.scope\n",
            unifiedControllers: "cpuset cpu io memory hugetlb pids rdma misc\n")
        #expect(layout.mode == .v2)
        #expect(layout.hierarchies == [CgroupHierarchy(
            version: .v2, mountPoint: "/sys/fs/cgroup", controllers: [.cpu, .memory, .pids],
            ownPath: "/user.slice/user-1000.slice/session-2.scope")])
        #expect(layout.missing.isEmpty)
    }

    @Test func aSubtreeMountInsideAContainerIsRelativeToItsRoot() throws {
        let mountinfo = "900 800 0:25 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
        let layout = try CgroupLayout.detect(mountinfo: mountinfo, procCgroup: "0::/docker/abc/app\n", unifiedControllers: "cpu memory pids")
        #expect(layout.hierarchies[0].ownPath == "/app")
    }

    @Test func escapedMountPointsAreDecoded() throws {
        let mountinfo = "32 31 0:29 / /sys/fs/cgroup/my\\040cpu rw - cgroup cgroup rw,cpu\n"
        let layout = try CgroupLayout.detect(mountinfo: mountinfo, procCgroup: "1:cpu:/\n", unifiedControllers: nil)
        #expect(layout.hierarchies[0].mountPoint == "/sys/fs/cgroup/my cpu")
        #expect(layout.missing == [.cpuacct, .devices, .memory, .pids])
    }

    @Test func noCgroupFilesystemIsAnError() {
        #expect(throws: CgroupError.self) {
            try CgroupLayout.detect(mountinfo: "22 1 0:21 / /proc rw - proc proc rw\n", procCgroup: "", unifiedControllers: nil)
        }
    }
}
