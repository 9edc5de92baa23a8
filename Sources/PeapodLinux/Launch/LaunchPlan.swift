// What one container process needs from the kernel, as plain values built in Swift before any
// clone(). The C shim (CPeapod) receives this flattened into `struct pp_launch` and carries it out
// in the child; nothing here performs a system call.

/// One mount made inside the container's root filesystem, after the root itself and the standard
/// /proc, /dev, /sys set are in place. Mounts are made in array order.
public struct MountSpec: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Bind `source` (a host path) onto the target. `recursive` uses MS_REC.
        case bind(source: String, recursive: Bool)
        /// A fresh tmpfs with the given mount data (e.g. "mode=1777,size=65536k").
        case tmpfs(options: String)
    }

    /// What the target must be created as when it does not exist in the image.
    public enum TargetType: Sendable, Equatable {
        case directory
        case file
    }

    public var kind: Kind
    /// Absolute path inside the container.
    public var target: String
    public var targetType: TargetType
    public var readOnly: Bool
    /// Names the mount in errors, e.g. `volume "data"` or `/etc/hosts`.
    public var label: String
    /// In a container with a user namespace of its own: bind through a mount id-mapped to it, so
    /// that files of the host's root show as the container's root's (what Peapod itself writes for
    /// the pod). Otherwise the host's ids show through the namespace's map, and those outside the
    /// pod's range as the overflow id. No effect without a user namespace.
    public var idMapped = false

    public init(kind: Kind, target: String, targetType: TargetType = .directory, readOnly: Bool = false, label: String) {
        self.kind = kind
        self.target = target
        self.targetType = targetType
        self.readOnly = readOnly
        self.label = label
    }
}

/// The overlay root filesystem of one container instance.
public struct RootfsLayout: Sendable, Equatable {
    /// Image layers, topmost first (overlayfs lowerdir order). Never written.
    public var lowerDirs: [String]
    /// This instance's upper and work directories (same filesystem).
    public var upperDir: String
    public var workDir: String
    /// Where the overlay is mounted, inside the container's private mount namespace only.
    public var mergedDir: String
    public var readOnly: Bool
    /// overlayfs `volatile` (Linux 5.10+): no sync of the upper filesystem, also not when the
    /// overlay goes away with the container's mount namespace. For layers used by one instance
    /// and thrown away after it (a restart gets new ones, as a new Kubernetes container does).
    public var volatile: Bool

    public init(lowerDirs: [String], upperDir: String, workDir: String, mergedDir: String, readOnly: Bool = false,
                volatile: Bool = false) {
        self.lowerDirs = lowerDirs
        self.upperDir = upperDir
        self.workDir = workDir
        self.mergedDir = mergedDir
        self.readOnly = readOnly
        self.volatile = volatile
    }
}

/// Pinned namespace files of the pod sandbox that a container joins with setns().
public struct SandboxNamespaces: Sendable, Equatable {
    public var net: String
    public var ipc: String
    public var uts: String
    /// Set when the pod shares one PID namespace (shareProcessNamespace); otherwise each
    /// container gets a new PID namespace.
    public var pid: String?
    /// hostPID: the containers' processes live in the host's PID namespace.
    public var hostPID = false
    /// hostUsers: false: the pin of the pod's user namespace, which owns the others.
    public var user: String?

    public init(net: String, ipc: String, uts: String, pid: String? = nil) {
        self.net = net
        self.ipc = ipc
        self.uts = uts
        self.pid = pid
    }
}

/// The cgroups a new process enters before anything of it runs, and its oom_score_adj.
public struct ProcessLimits: Sendable, Equatable {
    /// `tasks` files of v1 hierarchies: the (single-threaded) child writes itself into each
    /// (CPeapod/limits.c, CgroupDriver.selfJoinFile).
    public var procsFiles: [String]
    /// A cgroup v2 directory the child is born in (clone3 CLONE_INTO_CGROUP).
    public var unifiedDirectory: String?
    /// The QoS oom_score_adj; nil keeps the inherited one.
    public var oomScoreAdj: Int32?

    public init(procsFiles: [String] = [], unifiedDirectory: String? = nil, oomScoreAdj: Int32? = nil) {
        self.procsFiles = procsFiles
        self.unifiedDirectory = unifiedDirectory
        self.oomScoreAdj = oomScoreAdj
    }

    public static let none = ProcessLimits()
}

/// Everything one container process needs. Built by the host layer, executed by the shim.
public struct ContainerLaunch: Sendable, Equatable {
    /// The container's name, used in error messages ("container app: ...").
    public var containerName: String
    public var rootfs: RootfsLayout
    public var namespaces: SandboxNamespaces
    public var mounts: [MountSpec]
    /// argv[0] is looked up in the PATH of the environment when it has no slash.
    public var argv: [String]
    /// Who the process is and how it is confined; `exec` processes start from the same spec.
    public var process: ProcessSpec
    /// File descriptors in the caller for the child's stdin/stdout/stderr.
    public var stdinFD: Int32
    /// tty: true: stdin is a pseudo-terminal's slave, which becomes the controlling terminal.
    public var terminal = false
    public var stdoutFD: Int32
    public var stderrFD: Int32
    /// Paths under /proc and /sys made inaccessible, and paths remounted read-only
    /// (docs/security.md). Defaults are filled by `ContainerLaunch.defaultMaskedPaths`; a
    /// privileged container has none.
    public var maskedPaths: [String]
    public var readonlyPaths: [String]
    /// A privileged container sees the host's /dev and a writable /sys.
    public var privileged = false

    public init(
        containerName: String, rootfs: RootfsLayout, namespaces: SandboxNamespaces, mounts: [MountSpec],
        argv: [String], environment: [String], workingDir: String, uid: UInt32 = 0, gid: UInt32 = 0,
        supplementalGroups: [UInt32] = [], stdinFD: Int32, stdoutFD: Int32, stderrFD: Int32,
        maskedPaths: [String] = ContainerLaunch.defaultMaskedPaths,
        readonlyPaths: [String] = ContainerLaunch.defaultReadonlyPaths
    ) {
        self.containerName = containerName
        self.rootfs = rootfs
        self.namespaces = namespaces
        self.mounts = mounts
        self.argv = argv
        self.process = ProcessSpec(environment: environment, workingDir: workingDir, uid: uid, gid: gid,
                                   supplementalGroups: supplementalGroups)
        self.stdinFD = stdinFD
        self.stdoutFD = stdoutFD
        self.stderrFD = stderrFD
        self.maskedPaths = maskedPaths
        self.readonlyPaths = readonlyPaths
    }

    /// Absolute path inside the container; created when missing (as runc does).
    public var workingDir: String {
        get { process.workingDir }
        set { process.workingDir = newValue }
    }

    /// cgroups and oom_score_adj, applied first of all in the child.
    public var limits: ProcessLimits {
        get { process.limits }
        set { process.limits = newValue }
    }

    /// moby's current list (Docker Engine 28): /proc/interrupts and powercap (the energy
    /// counters of the Platypus side channel, CVE-2020-8694) besides containerd's older ten.
    public static let defaultMaskedPaths = [
        "/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
        "/sys/devices/virtual/powercap",
    ]
    public static let defaultReadonlyPaths = [
        "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
    ]
}
