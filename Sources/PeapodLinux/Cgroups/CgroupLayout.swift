// Which cgroup hierarchies this host has, and where the caller sits in each, read from the
// *contents* of /proc/self/mountinfo and /proc/self/cgroup (docs/design.md §1.4: never assume a path).
//
// Three layouts exist in the wild: v2 only (one cgroup2 mount holding every controller), v1 only
// (one mount per controller or per co-mounted group, such as "cpu,cpuacct"), and hybrid (v1
// controllers plus a cgroup2 mount holding few or none; the machines we build on). The choice
// is made per controller: a controller mounted as v1 is driven by V1Driver, one listed in the
// unified hierarchy's cgroup.controllers by V2Driver.

/// The controllers Peapod sets or reads. cpuacct only exists on v1; on v2 cpu.stat is always there.
/// devices is a controller of v1 only: cgroup v2 filters device access with a BPF program, which
/// V2Driver attaches (DeviceFilter.swift).
public enum CgroupController: String, Sendable, CaseIterable, Codable, Comparable {
    case cpu, cpuacct, devices, memory, pids

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// One mounted hierarchy that holds at least one controller Peapod uses.
public struct CgroupHierarchy: Sendable, Equatable {
    public enum Version: Int, Sendable, Equatable { case v1 = 1, v2 = 2 }

    public var version: Version
    /// Where the hierarchy is mounted, e.g. /sys/fs/cgroup/memory.
    public var mountPoint: String
    /// The controllers of ours this hierarchy holds.
    public var controllers: [CgroupController]
    /// The caller's own cgroup in this hierarchy, relative to `mountPoint` ("/" for its top).
    public var ownPath: String

    public init(version: Version, mountPoint: String, controllers: [CgroupController], ownPath: String) {
        self.version = version
        self.mountPoint = mountPoint
        self.controllers = controllers
        self.ownPath = ownPath
    }
}

public struct CgroupLayout: Sendable, Equatable {
    public enum Mode: String, Sendable { case v1, v2, hybrid }

    public var mode: Mode
    /// Only the hierarchies that hold a controller Peapod uses, in mount order.
    public var hierarchies: [CgroupHierarchy]

    public func hierarchy(for controller: CgroupController) -> CgroupHierarchy? {
        hierarchies.first { $0.controllers.contains(controller) }
    }

    /// Controllers that no hierarchy provides (their limits cannot be enforced on this host).
    public var missing: [CgroupController] {
        let present = Set(hierarchies.flatMap(\.controllers))
        return CgroupController.allCases.filter {
            !present.contains($0) && !(mode == .v2 && ($0 == .cpuacct || $0 == .devices))
        }
    }

    /// Parses the two proc files. `unifiedControllers` is the content of cgroup.controllers at
    /// the top of the cgroup2 mount (the controllers the unified hierarchy holds), or nil when
    /// there is no cgroup2 mount.
    public static func detect(mountinfo: String, procCgroup: String, unifiedControllers: String?) throws(CgroupError) -> CgroupLayout {
        // /proc/self/cgroup: "ID:controller,list:/path"; v2 is "0::/path".
        var v1Paths: [String: String] = [:]   // controller list as written → path
        var v2Path: String?
        for line in procCgroup.nonEmptyLines() {
            let parts = line.splitOnByte(UInt8(ascii: ":"), maxSplits: 2, omittingEmpty: false)
            guard parts.count == 3 else { continue }
            if parts[0] == "0" && parts[1].isEmpty {
                v2Path = String(parts[2])
            } else {
                for name in parts[1].splitOnByte(UInt8(ascii: ",")) { v1Paths[String(name)] = String(parts[2]) }
            }
        }

        var hierarchies: [CgroupHierarchy] = []
        var sawV1 = false
        var sawV2 = false
        for line in mountinfo.nonEmptyLines() where line.containsText(" - cgroup") {
            // "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS"
            let fields = line.splitOnByte(UInt8(ascii: " "))
            guard let dash = fields.firstIndex(of: "-"), dash >= 6, fields.count > dash + 3 else { continue }
            let fsType = fields[dash + 1]
            let mountRoot = unescapeMountinfo(fields[3])
            let mountPoint = unescapeMountinfo(fields[4])
            if fsType == "cgroup" {
                sawV1 = true
                let options = fields[dash + 3].splitOnByte(UInt8(ascii: ",")).map(String.init)
                let ours = CgroupController.allCases.filter { options.contains($0.rawValue) }
                guard !ours.isEmpty, let path = v1Paths[ours[0].rawValue] else { continue }
                // The same hierarchy may be bind-mounted twice; keep the first.
                if hierarchies.contains(where: { $0.version == .v1 && $0.controllers == ours }) { continue }
                hierarchies.append(CgroupHierarchy(
                    version: .v1, mountPoint: mountPoint, controllers: ours,
                    ownPath: relative(path, toMountRoot: mountRoot)))
            } else if fsType == "cgroup2" {
                if sawV2 { continue }
                sawV2 = true
                let available = (unifiedControllers ?? "").split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
                var ours = CgroupController.allCases.filter { $0 != .cpuacct && $0 != .devices && available.contains($0.rawValue) }
                // A controller mounted as v1 is not usable in the unified hierarchy.
                ours.removeAll { c in hierarchies.contains { $0.version == .v1 && $0.controllers.contains(c) } }
                guard !ours.isEmpty, let path = v2Path else { continue }
                hierarchies.append(CgroupHierarchy(
                    version: .v2, mountPoint: mountPoint, controllers: ours, ownPath: relative(path, toMountRoot: mountRoot)))
            }
        }
        // A v1 mount seen after the cgroup2 one still takes its controllers away from v2.
        let v1Controllers = Set(hierarchies.filter { $0.version == .v1 }.flatMap(\.controllers))
        hierarchies = hierarchies.compactMap { h in
            guard h.version == .v2 else { return h }
            var h = h
            h.controllers.removeAll { v1Controllers.contains($0) }
            return h.controllers.isEmpty ? nil : h
        }
        guard sawV1 || sawV2 else { throw CgroupError("detect layout", "/proc/self/mountinfo", message: "no cgroup or cgroup2 filesystem is mounted") }
        let mode: Mode = sawV1 && sawV2 ? .hybrid : (sawV1 ? .v1 : .v2)
        return CgroupLayout(mode: mode, hierarchies: hierarchies)
    }

    /// The layout of this host, as seen by the calling process.
    public static func current() throws(CgroupError) -> CgroupLayout {
        guard let mountinfo = try? FileSystem.readText("/proc/self/mountinfo"),
              let cgroup = try? FileSystem.readText("/proc/self/cgroup") else {
            throw CgroupError("read", "/proc/self/mountinfo", message: "cannot read the process's mounts or cgroups")
        }
        var unified: String?
        for line in mountinfo.nonEmptyLines() where line.containsText(" - cgroup2 ") {
            let fields = line.splitOnByte(UInt8(ascii: " "))
            if fields.count > 4 {
                unified = try? FileSystem.readText(unescapeMountinfo(fields[4]) + "/cgroup.controllers")
                break
            }
        }
        return try detect(mountinfo: mountinfo, procCgroup: cgroup, unifiedControllers: unified ?? "")
    }

    /// A path of /proc/self/cgroup is relative to the hierarchy's root; a mount of a sub-tree
    /// (inside a container, ROOT is e.g. /docker/abc) shows it below the mount point.
    static func relative(_ path: String, toMountRoot root: String) -> String {
        if root == "/" || root.isEmpty { return path }
        if path == root { return "/" }
        if path.hasPrefix(root + "/") { return String(path.dropFirst(root.count)) }
        return path
    }

    /// mountinfo escapes space, tab, newline and backslash as octal (\040 ...).
    static func unescapeMountinfo(_ s: Substring) -> String {
        MountTable.unescape(s)
    }
}
