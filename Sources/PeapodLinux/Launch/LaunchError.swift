// Why a container process could not be started, as one line a user can act on:
// `container app: mount volume "data" at /data: no such file or directory`.
// The C shim reports (step, errno, index, path); this file turns that into words.

#if canImport(Glibc)
import Glibc
#endif
import CPeapod

/// The step of container setup that failed. Raw values mirror `enum pp_step` in peapod.h.
public enum LaunchStep: Int32, Sendable, CaseIterable {
    case none = 0
    case pipe = 1
    case clone = 2
    case openNamespace = 3
    case joinCgroup = 5
    case oomScoreAdj = 6
    case joinPIDNamespace = 10
    case joinNetworkNamespace = 11
    case joinIPCNamespace = 12
    case joinUTSNamespace = 13
    case joinMountNamespace = 14
    case joinUserNamespace = 15
    case becomeNamespaceRoot = 16
    case makeMountsPrivate = 20
    case mountRootfs = 21
    case mountProc = 22
    case mountSys = 23
    case mountDev = 24
    case createDevice = 25
    case mountDevPts = 26
    case mountShm = 27
    case mountMqueue = 28
    case devSymlink = 29
    case mountTarget = 30
    case mountSource = 31
    case mount = 32
    case mountReadOnly = 33
    case maskPath = 34
    case readonlyPath = 35
    case createWorkingDir = 36
    case rootfsReadOnly = 37
    case pivotRoot = 38
    case detachOldRoot = 39
    case idMappedMount = 40
    case mountLayer = 41
    case chdir = 50
    case stdio = 51
    case closeFileDescriptors = 52
    case setGroups = 53
    case setGID = 54
    case setUID = 55
    case exec = 56
    case workingDirOutsideRoot = 57
    case rlimit = 58
    case capabilityBounding = 59
    case keepCapabilities = 60
    case setCapabilities = 61
    case ambientCapability = 62
    case noNewPrivileges = 63
    case seccomp = 64
    case notDumpable = 65
    case controllingTerminal = 66
    case unshare = 70
    case setHostname = 71
    case loopback = 72
    case pinNamespace = 73
    case mountPodShm = 74
    case helperDied = 75
    case sysctl = 76
    case writeIDMap = 77
    case copySource = 80
    case copyDestination = 81
    case copyWrite = 82
    case copyRead = 83
    case copyStream = 84
    case networkBridge = 85
    case networkVeth = 86
    case networkAddress = 87
    case networkRoute = 88
    /// Rejected in Swift before any process was started (never sent by the shim).
    case invalidLaunch = 90
    /// A step number this build does not know (a newer shim?).
    case unknown = -1

    /// What was being done, as the start of a sentence: "join the pod's network namespace".
    public var phrase: String {
        switch self {
        case .none: return "start"
        case .pipe: return "create the error pipe"
        case .clone: return "clone the container process"
        case .openNamespace: return "open namespace"
        case .joinCgroup: return "join the container's cgroup via"
        case .oomScoreAdj: return "set the QoS oom_score_adj in"
        case .joinPIDNamespace: return "join the pod's PID namespace"
        case .joinNetworkNamespace: return "join the pod's network namespace"
        case .joinIPCNamespace: return "join the pod's IPC namespace"
        case .joinUTSNamespace: return "join the pod's UTS namespace"
        case .joinMountNamespace: return "join the container's mount namespace"
        case .joinUserNamespace: return "join the pod's user namespace"
        case .becomeNamespaceRoot: return "become root of the pod's user namespace"
        case .makeMountsPrivate: return "make the mount tree private"
        case .mountRootfs: return "mount the overlay root filesystem at"
        case .mountProc: return "mount proc at"
        case .mountSys: return "mount sysfs at"
        case .mountDev: return "mount tmpfs at"
        case .createDevice: return "create device"
        case .mountDevPts: return "mount devpts at"
        case .mountShm: return "mount tmpfs at"
        case .mountMqueue: return "mount mqueue at"
        case .devSymlink: return "create symlink"
        case .mountTarget: return "create mount point"
        case .mountSource: return "open bind source"
        case .mount: return "mount"
        case .mountReadOnly: return "make read-only"
        case .maskPath: return "mask path"
        case .readonlyPath: return "make path read-only:"
        case .createWorkingDir: return "create working directory"
        case .rootfsReadOnly: return "make the root filesystem read-only at"
        case .pivotRoot: return "pivot_root into"
        case .detachOldRoot: return "detach the old root"
        case .idMappedMount: return "make an id-mapped mount of"
        case .mountLayer: return "mount the id-mapped image layer"
        case .chdir: return "chdir into working directory"
        case .stdio: return "set up stdin/stdout/stderr"
        case .closeFileDescriptors: return "mark inherited file descriptors close-on-exec"
        case .setGroups: return "set supplementary groups"
        case .setGID: return "set gid"
        case .setUID: return "set uid"
        case .exec: return "exec"
        case .workingDirOutsideRoot: return "stay inside the root: the working directory is outside it:"
        case .rlimit: return "set resource limit"
        case .capabilityBounding: return "drop a capability from the bounding set"
        case .keepCapabilities: return "keep capabilities across the user change"
        case .setCapabilities: return "set the capabilities"
        case .ambientCapability: return "raise an ambient capability"
        case .noNewPrivileges: return "set no_new_privs"
        case .seccomp: return "load the seccomp filter"
        case .notDumpable: return "make the process not dumpable"
        case .controllingTerminal: return "make the terminal the controlling terminal"
        case .unshare: return "create the pod's namespaces"
        case .setHostname: return "set hostname"
        case .loopback: return "bring up loopback interface"
        case .pinNamespace: return "pin namespace at"
        case .mountPodShm: return "mount the pod's shm at"
        case .helperDied: return "wait for the child, which exited before reporting"
        case .sysctl: return "set sysctl"
        case .writeIDMap: return "write the user namespace's id map"
        case .copySource: return "open the source"
        case .copyDestination: return "open the destination"
        case .copyWrite: return "write"
        case .copyRead: return "read"
        case .copyStream: return "read the copy stream:"
        case .networkBridge: return "find the pod network's bridge"
        case .networkVeth: return "make the pod's veth pair"
        case .networkAddress: return "give the pod its address on"
        case .networkRoute: return "add the pod's default route on"
        case .invalidLaunch: return "invalid launch plan:"
        case .unknown: return "unknown step"
        }
    }

    /// Steps whose `index` names a `MountSpec`.
    var isMountSpecStep: Bool {
        self == .mountTarget || self == .mountSource || self == .mount || self == .mountReadOnly || self == .idMappedMount
    }
}

/// A container process could not be started; `description` is the one line to show.
public struct LaunchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The container's name (empty when not known, e.g. for a bare exec).
    public var container: String
    public var step: LaunchStep
    public var errno: Int32
    /// The path involved: a container path, a host path, a namespace file or argv[0].
    public var path: String
    /// The mount being made, for the mount steps.
    public var mount: MountSpec?

    public init(container: String, step: LaunchStep, errno: Int32, path: String, mount: MountSpec? = nil) {
        self.container = container
        self.step = step
        self.errno = errno
        self.path = path
        self.mount = mount
    }

    /// Decode the shim's record; `mounts` resolves the mount index to its label and target.
    init(container: String, record: pp_error, mounts: [MountSpec]) {
        let step = LaunchStep(rawValue: record.step) ?? .unknown
        var path = withUnsafeBytes(of: record.path) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        // The capability steps name the capability by its number.
        if step == .capabilityBounding || step == .ambientCapability, record.index >= 0 {
            let n = Int(record.index)
            path = n < LinuxCapabilities.all.count ? LinuxCapabilities.all[n] : "capability \(n)"
        }
        var mount: MountSpec?
        if step.isMountSpecStep, record.index >= 0, Int(record.index) < mounts.count {
            mount = mounts[Int(record.index)]
        }
        self.init(container: container, step: step, errno: record.err, path: path, mount: mount)
    }

    /// The kernel's words for errno, lower-cased as Go and crun print them.
    public var reason: String {
        if step == .exec, errno == ENOENT, !path.contains("/") {
            return "executable file not found in $PATH"
        }
        // runc's hint for the same refusal.
        if step == .idMappedMount, errno == EINVAL || errno == EOPNOTSUPP {
            return errnoDescription(errno) + " (the filesystem may not support id-mapped mounts on this kernel)"
        }
        return errnoDescription(errno)
    }

    /// What failed, without the reason: `mount volume "data" at /data`.
    public var what: String {
        if let mount, step.isMountSpecStep {
            let at = "\(mount.label) at \(mount.target)"
            switch step {
            case .mountTarget: return "create mount point for \(at)"
            case .mountSource:
                if case .bind(let source, _) = mount.kind { return "mount \(at): bind source \(source)" }
                return "mount \(at)"
            case .mountReadOnly: return "make \(at) read-only"
            case .idMappedMount:
                if case .bind(let source, _) = mount.kind { return "mount \(at): id-map bind source \(source)" }
                return "mount \(at)"
            default: return "mount \(at)"
            }
        }
        if step == .exec { return "exec \"\(path)\"" }
        return path.isEmpty ? step.phrase : "\(step.phrase) \(path)"
    }

    public var description: String {
        let subject = container.isEmpty ? "" : "container \(container): "
        return "\(subject)\(what): \(reason)"
    }
}

/// strerror, first letter lower-cased: "no such file or directory".
func errnoDescription(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "errno \(code)" }
    let message = String(cString: text)
    guard let first = message.first else { return "errno \(code)" }
    return first.lowercased() + message.dropFirst()
}
