// One interface to a cgroup hierarchy, two drivers (libcgroups' design, docs/design.md §1.4): V1Driver for a
// v1 mount holding some controllers, V2Driver for the unified hierarchy. Each takes its root
// (the mount point) so tests run them on a temporary directory standing in for cgroupfs.
// Paths passed in are relative to that root and start with "/".

import Glibc

public struct CgroupError: Error, CustomStringConvertible, Equatable {
    public var operation: String
    public var path: String
    public var errno: Int32
    public var message: String?

    public init(_ operation: String, _ path: String, errno: Int32 = 0, message: String? = nil) {
        self.operation = operation
        self.path = path
        self.errno = errno
        self.message = message
    }

    public var description: String {
        let cause = message ?? String(cString: strerror(errno))
        return "cgroup: \(operation) \(path): \(cause)"
    }
}

public protocol CgroupDriver: Sendable {
    var root: String { get }
    var version: CgroupHierarchy.Version { get }
    var controllers: [CgroupController] { get }

    /// Makes the cgroup `path` (its parent must exist); an existing one is kept.
    func create(_ path: String) throws(CgroupError)
    /// Writes the limits this hierarchy's controllers take; nil fields are left alone.
    func apply(_ limits: CgroupLimits, to path: String) throws(CgroupError)
    /// Removes the (empty) cgroup, waiting briefly while its last processes exit.
    func remove(_ path: String) throws(CgroupError)
    /// One attempt at removing the cgroup; false when it is busy (or anything else failed).
    func removeIfEmpty(_ path: String) -> Bool

    /// CPU time used by the cgroup, in nanoseconds (nil when this hierarchy does not account it).
    func cpuUsageNanos(_ path: String) -> UInt64?
    /// Memory working set: usage minus inactive file pages, as the kubelet reports it.
    func memoryWorkingSet(_ path: String) -> Int64?
    /// How many processes of the cgroup the OOM killer has killed (nil: no memory controller).
    func oomKills(_ path: String) -> UInt64?
}

extension CgroupDriver {
    public func directory(_ path: String) -> String { path == "/" ? root : root + path }
    /// Writing a pid (or "0" for the writer itself) here moves a process into the cgroup.
    public func procsFile(_ path: String) -> String { directory(path) + "/cgroup.procs" }
    /// The file a new, single-threaded process writes "0" to in order to join the cgroup itself.
    /// On v1 that is `tasks`: it moves only the writing thread, which for a process with one
    /// thread is the whole process, and the kernel then skips the global
    /// cgroup_threadgroup_rwsem that a cgroup.procs write takes for writing (that write waits for
    /// an RCU grace period when the lock was idle, milliseconds where `tasks` takes
    /// microseconds; docs/benchmarks.md). v2 has no such file outside threaded subtrees:
    /// cgroup.procs.
    public func selfJoinFile(_ path: String) -> String {
        directory(path) + (version == .v1 ? "/tasks" : "/cgroup.procs")
    }
    func has(_ controller: CgroupController) -> Bool { controllers.contains(controller) }
    public func removeIfEmpty(_ path: String) -> Bool {
        let dir = directory(path)
        return rmdir(dir) == 0 || errno == ENOENT
    }

    func write(_ path: String, _ file: String, _ value: String) throws(CgroupError) {
        let full = directory(path) + "/" + file
        do {
            try CgroupFiles.write(full, value)
        } catch {
            throw CgroupError("write \"\(value)\" to", full, errno: error.errno)
        }
    }

    func read(_ path: String, _ file: String) -> String? {
        try? FileSystem.readText(directory(path) + "/" + file)
    }

    public func create(_ path: String) throws(CgroupError) {
        let dir = directory(path)
        if mkdir(dir, 0o755) != 0 && errno != EEXIST { throw CgroupError("create", dir, errno: errno) }
    }

    public func remove(_ path: String) throws(CgroupError) {
        let dir = directory(path)
        // rmdir answers EBUSY while an exiting process is still attached (v1 keeps zombies in
        // cgroup.procs until they are reaped); the wait is bounded.
        for attempt in 0..<200 {
            if removeIfEmpty(path) { return }
            guard errno == EBUSY, attempt < 199 else { break }
            usleep(10_000)
        }
        throw CgroupError("remove", dir, errno: errno)
    }

    /// "key value" lines (memory.stat, cpu.stat, memory.events, memory.oom_control).
    func statValue(_ path: String, _ file: String, _ key: String) -> Int64? {
        guard let text = read(path, file) else { return nil }
        return CgroupFiles.keyedValue(text, key)
    }
}

enum CgroupFiles {
    struct WriteError: Error { var errno: Int32 }

    /// One write(2) of the whole value: cgroupfs parses each write on its own.
    static func write(_ path: String, _ value: String) throws(WriteError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw WriteError(errno: errno) }
        defer { close(fd) }
        let bytes = Array(value.utf8)
        var n: Int
        repeat {
            n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        } while n < 0 && errno == EINTR
        guard n == bytes.count else { throw WriteError(errno: n < 0 ? errno : EIO) }
    }

    static func keyedValue(_ text: String, _ key: String) -> Int64? {
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, parts[0] == key { return Int64(parts[1]) }
        }
        return nil
    }
}

/// A v1 hierarchy: one or more controllers co-mounted (e.g. "cpu,cpuacct").
public struct V1Driver: CgroupDriver {
    public let root: String
    public let controllers: [CgroupController]
    public var version: CgroupHierarchy.Version { .v1 }

    public init(root: String, controllers: [CgroupController]) {
        self.root = root
        self.controllers = controllers
    }

    public func apply(_ limits: CgroupLimits, to path: String) throws(CgroupError) {
        if has(.memory), let bytes = limits.memoryBytes {
            try write(path, "memory.limit_in_bytes", String(bytes))
            // memory+swap equal to memory: no swap, as the kubelet asks when swap is off. Only
            // where swap accounting exists; it must follow the memory limit (memsw >= memory).
            if FileSystem.exists(directory(parent(of: path)) + "/memory.memsw.limit_in_bytes") {
                try write(path, "memory.memsw.limit_in_bytes", String(bytes))
            }
        }
        if has(.cpu) {
            if let shares = limits.cpuShares { try write(path, "cpu.shares", String(shares)) }
            if let quota = limits.cpuQuotaMicros {
                try write(path, "cpu.cfs_period_us", String(limits.cpuPeriodMicros))
                try write(path, "cpu.cfs_quota_us", String(quota))
            }
        }
        if has(.pids), let max = limits.pidsMax { try write(path, "pids.max", String(max)) }
        if has(.devices), let allowed = limits.allowedDevices {
            // Deny everything, then allow the list: a new cgroup starts with its parent's list.
            try write(path, "devices.deny", "a")
            for rule in allowed { try write(path, "devices.allow", rule) }
        }
    }

    public func cpuUsageNanos(_ path: String) -> UInt64? {
        guard has(.cpuacct) else { return nil }
        return read(path, "cpuacct.usage").flatMap { UInt64($0.cgroupTrimmed) }
    }

    public func memoryWorkingSet(_ path: String) -> Int64? {
        guard has(.memory), let usage = read(path, "memory.usage_in_bytes").flatMap({ Int64($0.cgroupTrimmed) })
        else { return nil }
        let inactive = statValue(path, "memory.stat", "total_inactive_file") ?? 0
        return max(0, usage - inactive)
    }

    public func oomKills(_ path: String) -> UInt64? {
        guard has(.memory) else { return nil }
        return statValue(path, "memory.oom_control", "oom_kill").map { UInt64($0) }
    }
}

/// The unified hierarchy (cgroup v2), for the controllers it holds on this host.
public struct V2Driver: CgroupDriver {
    public let root: String
    public let controllers: [CgroupController]
    public var version: CgroupHierarchy.Version { .v2 }
    let devices: DeviceFilterInstaller

    public init(root: String, controllers: [CgroupController], devices: DeviceFilterInstaller = .kernel) {
        self.root = root
        self.controllers = controllers.filter { $0 != .cpuacct }
        self.devices = devices
    }

    public func create(_ path: String) throws(CgroupError) {
        // A controller works in a child only when the parent lists it in cgroup.subtree_control,
        // and a non-root parent with processes of its own may not enable any ("no internal
        // processes"): the caller's own cgroup usually holds the caller, hence --cgroup-parent.
        let parentPath = parent(of: path)
        let enabled = (read(parentPath, "cgroup.subtree_control") ?? "").split(whereSeparator: { $0 == " " || $0 == "\n" })
        for controller in controllers where !enabled.contains(Substring(controller.rawValue)) {
            do {
                try write(parentPath, "cgroup.subtree_control", "+" + controller.rawValue)
            } catch {
                var e = error
                if e.errno == EBUSY {
                    e.message = "cannot enable the \(controller.rawValue) controller for children: the cgroup holds processes of its own (pass --cgroup-parent with a cgroup that has none)"
                }
                throw e
            }
        }
        let dir = directory(path)
        if mkdir(dir, 0o755) != 0 && errno != EEXIST { throw CgroupError("create", dir, errno: errno) }
    }

    public func apply(_ limits: CgroupLimits, to path: String) throws(CgroupError) {
        if has(.memory), let bytes = limits.memoryBytes {
            try write(path, "memory.max", String(bytes))
            if FileSystem.exists(directory(parent(of: path)) + "/memory.swap.max") {
                try write(path, "memory.swap.max", "0")
            }
        }
        if has(.cpu) {
            if let shares = limits.cpuShares { try write(path, "cpu.weight", String(CgroupLimits.weight(shares: shares))) }
            if let quota = limits.cpuQuotaMicros { try write(path, "cpu.max", "\(quota) \(limits.cpuPeriodMicros)") }
        }
        if has(.pids), let max = limits.pidsMax { try write(path, "pids.max", String(max)) }
        if let allowed = limits.allowedDevices {
            // No controller to enable: the kernel asks a BPF program attached to the cgroup about
            // every device its processes open or make (docs/security.md, Devices).
            let dir = directory(path)
            try devices.attach(try DeviceFilter.rules(allowed, for: dir), dir)
        }
    }

    public func cpuUsageNanos(_ path: String) -> UInt64? {
        // cpu.stat exists in every v2 cgroup, with or without the cpu controller.
        statValue(path, "cpu.stat", "usage_usec").map { UInt64($0) * 1000 }
    }

    public func memoryWorkingSet(_ path: String) -> Int64? {
        guard has(.memory), let usage = read(path, "memory.current").flatMap({ Int64($0.cgroupTrimmed) })
        else { return nil }
        return max(0, usage - (statValue(path, "memory.stat", "inactive_file") ?? 0))
    }

    public func oomKills(_ path: String) -> UInt64? {
        guard has(.memory) else { return nil }
        return statValue(path, "memory.events", "oom_kill").map { UInt64($0) }
    }
}

/// "/a/b/c" → "/a/b"; "/a" → "/".
func parent(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
    return String(path[..<slash])
}

extension String {
    /// A one-value cgroup file's content without its newline.
    var cgroupTrimmed: String {
        var s = Substring(self)
        while let last = s.last, last == "\n" || last == " " { s = s.dropLast() }
        return String(s)
    }
}
