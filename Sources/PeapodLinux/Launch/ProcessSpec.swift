// The one description of a process that runs inside a container: the container's own process,
// `peapod exec`, exec probes and exec hooks are all started from a `ProcessSpec`, flattened into
// one `struct pp_process` and confined by the same C code (CPeapod/confine.c). The supervisor
// publishes each container's spec (PublishedProcess.swift), so an `exec` from the CLI starts as
// exactly what the container runs as, without working it out again.

#if canImport(Glibc)
import Glibc
#endif
import CPeapod

/// A process's capability sets, bit n for capability n.
public struct CapabilitySets: Sendable, Equatable {
    public var bounding: UInt64
    public var effective: UInt64
    public var permitted: UInt64
    public var inheritable: UInt64
    public var ambient: UInt64

    public init(bounding: UInt64 = 0, effective: UInt64 = 0, permitted: UInt64 = 0, inheritable: UInt64 = 0,
                ambient: UInt64 = 0) {
        self.bounding = bounding
        self.effective = effective
        self.permitted = permitted
        self.inheritable = inheritable
        self.ambient = ambient
    }

    /// What containerd's CRI asks of runc for a container with the capabilities `mask`: bounding,
    /// effective and permitted sets, nothing inheritable or ambient (no file can give a non-root
    /// process more than that, CVE-2022-24769). A root process keeps them across execve; a
    /// non-root one ends with empty permitted and effective sets, as on a Kubernetes node.
    public static func container(_ mask: UInt64) -> CapabilitySets {
        CapabilitySets(bounding: mask, effective: mask, permitted: mask)
    }
}

/// One setrlimit(2) of a container's processes.
public struct ResourceLimit: Sendable, Equatable {
    public var resource: Int32
    public var soft: UInt64
    public var hard: UInt64

    public init(resource: Int32, soft: UInt64, hard: UInt64) {
        self.resource = resource
        self.soft = soft
        self.hard = hard
    }
}

/// Who a process inside a container is and how it is confined.
public struct ProcessSpec: Sendable, Equatable {
    /// "KEY=VALUE" strings, in order.
    public var environment: [String]
    /// Absolute path inside the container.
    public var workingDir: String
    public var uid: UInt32
    public var gid: UInt32
    public var supplementalGroups: [UInt32]
    public var capabilities: CapabilitySets
    /// prctl(PR_SET_NO_NEW_PRIVS) (allowPrivilegeEscalation: false).
    public var noNewPrivileges: Bool
    /// The compiled seccomp program; nil: unconfined.
    public var seccomp: SeccompFilter?
    public var rlimits: [ResourceLimit]
    /// cgroups and oom_score_adj, applied first of all in the child.
    public var limits: ProcessLimits

    public init(environment: [String] = [], workingDir: String = "/", uid: UInt32 = 0, gid: UInt32 = 0,
                supplementalGroups: [UInt32] = [], capabilities: CapabilitySets = .container(LinuxCapabilities.defaultMask),
                noNewPrivileges: Bool = false, seccomp: SeccompFilter? = nil, rlimits: [ResourceLimit] = [],
                limits: ProcessLimits = .none) {
        self.environment = environment
        self.workingDir = workingDir
        self.uid = uid
        self.gid = gid
        self.supplementalGroups = supplementalGroups
        self.capabilities = capabilities
        self.noNewPrivileges = noNewPrivileges
        self.seccomp = seccomp
        self.rlimits = rlimits
        self.limits = limits
    }

    public static func == (a: ProcessSpec, b: ProcessSpec) -> Bool {
        a.environment == b.environment && a.workingDir == b.workingDir && a.uid == b.uid && a.gid == b.gid
            && a.supplementalGroups == b.supplementalGroups && a.capabilities == b.capabilities
            && a.noNewPrivileges == b.noNewPrivileges && a.seccomp === b.seccomp && a.rlimits == b.rlimits
            && a.limits == b.limits
    }

    /// The first string the shim could not carry (a NUL byte), for the caller's error.
    func firstStringWithNUL(argv: [String]) -> String? {
        for list in [argv, environment, [workingDir]] {
            if let bad = list.first(where: { $0.utf8.contains(0) }) { return bad }
        }
        return nil
    }

    /// `struct pp_process` for one start of `argv`, its strings in `arena`; `descriptors` are
    /// the open cgroup files of `limits`.
    func cProcess(argv: [String], stdio: (Int32, Int32, Int32), arena: CArena, descriptors: LimitDescriptors)
        -> pp_process
    {
        var p = pp_process()
        p.argv = UnsafePointer(arena.stringArray(argv))
        p.envp = UnsafePointer(arena.stringArray(environment))
        p.working_dir = UnsafePointer(arena.string(workingDir.isEmpty ? "/" : workingDir))
        p.uid = uid
        p.gid = gid
        p.groups = UnsafePointer(arena.array(supplementalGroups))
        p.group_count = supplementalGroups.count
        p.caps = pp_capabilities(
            bounding: capabilities.bounding, effective: capabilities.effective, permitted: capabilities.permitted,
            inheritable: capabilities.inheritable, ambient: capabilities.ambient)
        p.no_new_privs = noNewPrivileges ? 1 : 0
        if let seccomp {
            p.seccomp_filter = seccomp.program
            p.seccomp_count = UInt32(seccomp.count)
            p.seccomp_flags = seccomp.flags
        }
        let limitsArray = arena.allocate(pp_rlimit.self, count: max(1, rlimits.count))
        for (i, r) in rlimits.enumerated() {
            (limitsArray + i).initialize(to: pp_rlimit(resource: r.resource, soft: r.soft, hard: r.hard))
        }
        p.rlimits = UnsafePointer(limitsArray)
        p.rlimit_count = rlimits.count
        p.stdio = stdio
        p.cgroup_fd = descriptors.unifiedFD
        p.cgroup_procs = UnsafePointer(descriptors.procs)
        p.cgroup_procs_count = descriptors.count
        p.set_oom_score_adj = limits.oomScoreAdj == nil ? 0 : 1
        p.oom_score_adj = limits.oomScoreAdj ?? 0
        return p
    }
}
