// A pod's cgroups: `peapod-<pod uid>` under the parent in every hierarchy that holds a controller
// Peapod uses, with one child per container named after it (the kubelet's pod/container levels).
//
// Where they go is decided once, by the CLI when the pod is created, and kept in the pod's run
// directory (cgroups.json), so the supervisor, `exec`, `top` and `delete` (also when the
// supervisor is gone) all find the same directories. Only these directories are ever written
// or removed: the parent belongs to the caller.

import Glibc
import PeapodRuntime
import PeapodSpec

/// The recorded placement: per hierarchy, the parent cgroup; the pod's cgroup name; pids limit.
public struct PodCgroupPlan: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var version: CgroupHierarchy.Version
        public var mountPoint: String
        public var controllers: [CgroupController]
        /// The parent cgroup, relative to the mount point ("/" or "/a/b").
        public var parent: String
    }

    public static let fileName = "cgroups.json"

    public var mode: String
    public var entries: [Entry]
    public var podCgroupName: String
    public var pidsLimit: Int64?

    /// Places a pod under `parent` (a path inside every hierarchy), or by default under the
    /// caller's own cgroup of each hierarchy, so pods stay inside whatever limits the caller has.
    public static func make(layout: CgroupLayout, parent: String?, podUID: String, pidsLimit: Int64?)
        throws(CgroupError) -> PodCgroupPlan
    {
        var entries: [Entry] = []
        for h in layout.hierarchies {
            var base = parent.map { "/" + $0.split(separator: "/").joined(separator: "/") } ?? h.ownPath
            if base.isEmpty { base = "/" }
            let dir = base == "/" ? h.mountPoint : h.mountPoint + base
            guard FileSystem.isDirectory(dir) else {
                throw CgroupError("use parent", dir, errno: ENOENT,
                                  message: "the cgroup parent \(base) does not exist in the \(h.controllers.map(\.rawValue).joined(separator: ",")) hierarchy (create it, or leave --cgroup-parent out)")
            }
            entries.append(Entry(version: h.version, mountPoint: h.mountPoint, controllers: h.controllers, parent: base))
        }
        return PodCgroupPlan(mode: layout.mode.rawValue, entries: entries, podCgroupName: "peapod-" + podUID, pidsLimit: pidsLimit)
    }

    public func json() -> JSONValue {
        var o = JSONObject()
        o["mode"] = .string(mode)
        o["podCgroup"] = .string(podCgroupName)
        if let pidsLimit { o["pidsLimit"] = .int(pidsLimit) }
        o["hierarchies"] = .array(entries.map { e in
            var h = JSONObject()
            h["version"] = .int(Int64(e.version.rawValue))
            h["mountPoint"] = .string(e.mountPoint)
            h["controllers"] = .array(e.controllers.map { .string($0.rawValue) })
            h["parent"] = .string(e.parent)
            return .object(h)
        })
        return .object(o)
    }

    public init(mode: String, entries: [Entry], podCgroupName: String, pidsLimit: Int64?) {
        self.mode = mode
        self.entries = entries
        self.podCgroupName = podCgroupName
        self.pidsLimit = pidsLimit
    }

    public init?(json: JSONValue) {
        guard let name = json["podCgroup"]?.stringValue, name.hasPrefix("peapod-"), !name.contains("/"),
              let list = json["hierarchies"]?.arrayValue else { return nil }
        var entries: [Entry] = []
        for h in list {
            guard let v = h["version"]?.intValue, let version = CgroupHierarchy.Version(rawValue: Int(v)),
                  let mount = h["mountPoint"]?.stringValue, let parent = h["parent"]?.stringValue else { return nil }
            let controllers = (h["controllers"]?.arrayValue ?? []).compactMap { $0.stringValue.flatMap(CgroupController.init(rawValue:)) }
            entries.append(Entry(version: version, mountPoint: mount, controllers: controllers, parent: parent))
        }
        self.init(mode: json["mode"]?.stringValue ?? "", entries: entries, podCgroupName: name,
                  pidsLimit: json["pidsLimit"]?.intValue)
    }

    /// Records the plan in `directory` (the pod's run directory: cgroups last no longer than it).
    public func write(directory: String) throws {
        try FileSystem.writeAtomically(directory + "/" + Self.fileName, json().serialized(pretty: true) + "\n", mode: 0o600)
    }

    public static func load(directory: String) -> PodCgroupPlan? {
        guard let text = try? FileSystem.readText(directory + "/" + fileName),
              let json = try? JSONValue.parse(text) else { return nil }
        return PodCgroupPlan(json: json)
    }
}

/// CPU time and memory working set of one container, read from its cgroup.
public struct CgroupUsage: Sendable, Equatable {
    public var cpuNanos: UInt64?
    public var memoryWorkingSet: Int64?
}

public final class PodCgroups {
    public let plan: PodCgroupPlan
    let drivers: [any CgroupDriver]
    /// oom_kill counters when each container's current instance was started.
    var oomBaseline: [String: UInt64] = [:]
    /// Containers whose cgroups exist with their limits written.
    var prepared: Set<String> = []

    /// `devices` puts the device rules of the unified hierarchy's cgroups in place (tests record them).
    public convenience init(plan: PodCgroupPlan, devices: DeviceFilterInstaller = .kernel) {
        self.init(plan: plan, drivers: plan.entries.map { e -> any CgroupDriver in
            e.version == .v1 ? V1Driver(root: e.mountPoint, controllers: e.controllers)
                : V2Driver(root: e.mountPoint, controllers: e.controllers, devices: devices)
        })
    }

    /// `drivers` parallel to `plan.entries` (tests pass recording ones).
    init(plan: PodCgroupPlan, drivers: [any CgroupDriver]) {
        self.plan = plan
        self.drivers = drivers
    }

    public static func load(directory: String) -> PodCgroups? {
        PodCgroupPlan.load(directory: directory).map { PodCgroups(plan: $0) }
    }

    /// The pod's cgroups from its run directory, or from its pod directory, where pods made
    /// before cgroups.json moved keep it.
    public static func load(_ location: PodLocation) -> PodCgroups? {
        load(directory: location.runDir) ?? load(directory: location.podDir)
    }

    func podPath(_ i: Int) -> String {
        let parent = plan.entries[i].parent
        return (parent == "/" ? "" : parent) + "/" + plan.podCgroupName
    }

    func containerPath(_ i: Int, _ container: String) -> String { podPath(i) + "/" + container }

    /// Creates the pod's cgroup in every hierarchy with the pod-level limits. On failure what was
    /// made is removed again.
    public func createPod(_ pod: Pod) throws(CgroupError) {
        let limits = CgroupLimits.pod(pod, pidsLimit: plan.pidsLimit)
        do {
            for (i, driver) in drivers.enumerated() {
                try driver.create(podPath(i))
                try driver.apply(limits, to: podPath(i))
            }
        } catch {
            _ = removeAll()
            throw error
        }
    }

    /// Creates (or keeps) the container's cgroup, writes its limits, and notes the OOM counter
    /// so that a kill during this instance can be told from an earlier one.
    /// A restart reuses the cgroup made for the first instance (its limits cannot change).
    public func prepare(_ container: Container) throws(CgroupError) -> ProcessLimits {
        let limits = CgroupLimits.container(container)
        let fresh = !prepared.contains(container.name)
        var baseline: UInt64 = 0
        for (i, driver) in drivers.enumerated() {
            let path = containerPath(i, container.name)
            if fresh {
                try driver.create(path)
                try driver.apply(limits, to: path)
            }
            if let kills = driver.oomKills(path) { baseline += kills }
        }
        prepared.insert(container.name)
        oomBaseline[container.name] = baseline
        return processLimits(container: container.name)
    }

    /// What a process needs to join the container's cgroups: the `tasks` files of the v1 hierarchies,
    /// the directory of the unified one (born there with CLONE_INTO_CGROUP).
    public func processLimits(container: String) -> ProcessLimits {
        var limits = ProcessLimits()
        for (i, driver) in drivers.enumerated() {
            if driver.version == .v2 {
                limits.unifiedDirectory = driver.directory(containerPath(i, container))
            } else {
                limits.procsFiles.append(driver.selfJoinFile(containerPath(i, container)))
            }
        }
        return limits
    }

    /// Whether the OOM killer killed a process of the container since its instance started.
    public func oomKilled(_ container: String) -> Bool {
        var kills: UInt64 = 0
        var known = false
        for (i, driver) in drivers.enumerated() {
            if let n = driver.oomKills(containerPath(i, container)) {
                kills += n
                known = true
            }
        }
        return known && kills > (oomBaseline[container] ?? 0)
    }

    public func usage(container: String) -> CgroupUsage {
        var usage = CgroupUsage()
        for (i, driver) in drivers.enumerated() {
            let path = containerPath(i, container)
            if usage.cpuNanos == nil { usage.cpuNanos = driver.cpuUsageNanos(path) }
            if usage.memoryWorkingSet == nil { usage.memoryWorkingSet = driver.memoryWorkingSet(path) }
        }
        return usage
    }

    /// Removes every cgroup of the pod, deepest first, in every hierarchy. A process still inside
    /// (left by a supervisor that died) is ours, since the cgroup is: it is killed first.
    /// Returns what could not be removed.
    @discardableResult
    public func removeAll() -> [CgroupError] {
        var errors: [CgroupError] = []
        for (i, driver) in drivers.enumerated() {
            let top = podPath(i)
            guard FileSystem.isDirectory(driver.directory(top)) else { continue }
            for path in Self.subtree(driver, top).reversed() {
                // Empty, as after a normal teardown: one rmdir. Otherwise kill what is inside.
                if driver.removeIfEmpty(path) { continue }
                for pid in driver.processes(path) where pid > 0 { kill(pid, SIGKILL) }
                do { try driver.remove(path) } catch { errors.append(error) }
            }
        }
        return errors
    }

    /// The v1 directories of the pod's and the given containers' cgroups, parents first: what
    /// a thread can make ahead of `createPod` and `prepare` (those still write the limits, and
    /// do the unified hierarchy's controller set-up).
    public func v1Directories(containers: [String]) -> [String] {
        var paths: [String] = []
        for (i, driver) in drivers.enumerated() where driver.version == .v1 {
            paths.append(driver.directory(podPath(i)))
            for container in containers { paths.append(driver.directory(containerPath(i, container))) }
        }
        return paths
    }

    /// The given containers' cgroups, then the pod's, in every hierarchy: what one rmdir each
    /// removes after a normal end (PodCleanup does it in a thread, overlapping with the rest of
    /// the teardown); `removeAll` then takes care of anything left.
    public func directoriesToRemove(containers: [String]) -> [String] {
        var paths: [String] = []
        for (i, driver) in drivers.enumerated() {
            let top = podPath(i)
            for container in containers { paths.append(driver.directory(top + "/" + container)) }
            paths.append(driver.directory(top))
        }
        return paths
    }

    /// `removeAll` for the pod's cleanup (PodCleanup), with what cannot be removed logged on
    /// stderr.
    public func removeAllReportingErrors() {
        for error in removeAll() {
            let line = Array("peapod: \(error)\n".utf8)
            _ = line.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
        }
    }

    /// `top` and every cgroup below it, parents before children.
    static func subtree(_ driver: any CgroupDriver, _ top: String) -> [String] {
        var result = [top]
        var index = 0
        while index < result.count {
            let dir = driver.directory(result[index])
            for entry in FileSystem.listSubdirectories(dir) {
                result.append(result[index] + "/" + entry)
            }
            index += 1
        }
        return result
    }
}

extension CgroupDriver {
    /// The pids in the cgroup (not below it).
    public func processes(_ path: String) -> [Int32] {
        (read(path, "cgroup.procs") ?? "").split(separator: "\n").compactMap { Int32($0) }
    }
}

extension MachineResources {
    /// This machine: online CPUs and MemTotal from /proc/meminfo.
    public static func current() -> MachineResources {
        let cpus = Int64(max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        var memory: Int64 = 0
        // "MemTotal:       16384000 kB" is the first line; read its digits from the bytes.
        if let bytes = try? FileSystem.readBytes("/proc/meminfo"), bytes.starts(with: "MemTotal:".utf8) {
            var kb: Int64 = 0
            for b in bytes.dropFirst(9) {
                if b == UInt8(ascii: " ") { continue }
                guard ByteClass.isDigit(b) else { break }
                kb = kb * 10 + Int64(b - UInt8(ascii: "0"))
            }
            memory = kb * 1024
        }
        return MachineResources(milliCPU: cpus * 1000, memoryBytes: memory)
    }
}

extension OOMScore {
    /// The oom_score_adj of a container of `pod` on this machine.
    public static func forContainer(_ container: Container, of pod: Pod, machineMemory: Int64) -> Int32 {
        adjust(qosClass: QoS.classify(pod), memoryRequest: container.resources.requests["memory"]?.value ?? 0,
               machineMemory: machineMemory)
    }
}
