// From a pod's `resources` to the numbers the kernel takes, with the kubelet's conversions
// (docs/kubelet-semantics.md §8; kubelet pkg/kubelet/cm/helpers_linux.go). Pure functions.

import PeapodSpec

/// What one cgroup (a container's or the pod's) is limited to; nil leaves the kernel default
/// (unlimited, or the default weight).
public struct CgroupLimits: Sendable, Equatable {
    public var memoryBytes: Int64?
    public var cpuShares: UInt64?
    public var cpuQuotaMicros: Int64?
    public var cpuPeriodMicros: Int64 = CgroupLimits.cfsPeriodMicros
    public var pidsMax: Int64?
    /// The devices the cgroup's processes may open or make, as v1 devices.allow rules; nil
    /// leaves the parent's list (every device, for a privileged container).
    public var allowedDevices: [String]?

    /// The devices every container may use, as runc allows them by default: any node may be
    /// made (CAP_MKNOD is in the default set) but only these opened: null, zero, full, random,
    /// urandom, tty, console, ptmx and the pseudo-terminals of its own devpts. A node of the
    /// host's disk or of /dev/kmsg made with mknod cannot be opened.
    public static let defaultDevices = [
        "c *:* m", "b *:* m",
        "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
        "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm",
    ]

    public static let cfsPeriodMicros: Int64 = 100_000
    public static let minShares: UInt64 = 2
    public static let maxShares: UInt64 = 262_144
    public static let minQuotaMicros: Int64 = 1_000

    public init(memoryBytes: Int64? = nil, cpuShares: UInt64? = nil, cpuQuotaMicros: Int64? = nil, pidsMax: Int64? = nil) {
        self.memoryBytes = memoryBytes
        self.cpuShares = cpuShares
        self.cpuQuotaMicros = cpuQuotaMicros
        self.pidsMax = pidsMax
    }

    /// cpu.shares from a CPU request: max(2, milliCPU × 1024 / 1000). No request means the
    /// minimum, as the kubelet gives BestEffort.
    public static func shares(milliCPU: Int64) -> UInt64 {
        let shares = milliCPU * 1024 / 1000
        return UInt64(min(Int64(maxShares), max(Int64(minShares), shares)))
    }

    /// cgroup v2 cpu.weight from shares: 1 + ((shares − 2) × 9999) / 262142.
    public static func weight(shares: UInt64) -> UInt64 {
        let s = min(maxShares, max(minShares, shares))
        return 1 + ((s - 2) * 9999) / 262_142
    }

    /// CFS quota from a CPU limit: max(1000, milliCPU × period / 1000) µs per 100 ms period.
    public static func quota(milliCPU: Int64, periodMicros: Int64 = cfsPeriodMicros) -> Int64 {
        max(minQuotaMicros, milliCPU * periodMicros / 1000)
    }

    /// A container's cgroup: its own requests and limits.
    public static func container(_ c: Container) -> CgroupLimits {
        var limits = CgroupLimits()
        limits.cpuShares = shares(milliCPU: c.resources.requests["cpu"]?.milliValue ?? 0)
        if let cpu = c.resources.limits["cpu"], !cpu.isZero { limits.cpuQuotaMicros = quota(milliCPU: cpu.milliValue) }
        if let memory = c.resources.limits["memory"], !memory.isZero { limits.memoryBytes = memory.value }
        if c.securityContext?.privileged != true { limits.allowedDevices = defaultDevices }
        return limits
    }

    /// The pod's cgroup, as the kubelet sizes it: the effective request or limit of the pod is the
    /// larger of the app containers' sum and the largest init container (they never run
    /// together); a limit is set only when every container has one. The pids limit is the
    /// kubelet's podPidsLimit (nil: unlimited).
    public static func pod(_ pod: Pod, pidsLimit: Int64?) -> CgroupLimits {
        var limits = CgroupLimits(pidsMax: pidsLimit)
        limits.cpuShares = shares(milliCPU: effective(pod) { $0.resources.requests["cpu"]?.milliValue ?? 0 })
        let all = pod.allContainers
        if all.allSatisfy({ !($0.resources.limits["cpu"]?.isZero ?? true) }) {
            limits.cpuQuotaMicros = quota(milliCPU: effective(pod) { $0.resources.limits["cpu"]!.milliValue })
        }
        if all.allSatisfy({ !($0.resources.limits["memory"]?.isZero ?? true) }) {
            limits.memoryBytes = effective(pod) { $0.resources.limits["memory"]!.value }
        }
        return limits
    }

    /// max(Σ app containers, max init container).
    static func effective(_ pod: Pod, _ amount: (Container) -> Int64) -> Int64 {
        let apps = pod.spec.containers.reduce(Int64(0)) { $0 + amount($1) }
        let inits = pod.spec.initContainers.map(amount).max() ?? 0
        return max(apps, inits)
    }
}

/// oom_score_adj per QoS class (docs/kubelet-semantics.md §8.4; kubelet pkg/kubelet/qos/policy.go).
public enum OOMScore {
    public static let guaranteed: Int32 = -997
    public static let bestEffort: Int32 = 1000

    /// Burstable: 1000 − 1000 × memoryRequest / machineMemory, kept within [2, 999] so a
    /// Burstable container is always killed after BestEffort ones and before Guaranteed ones.
    public static func adjust(qosClass: String, memoryRequest: Int64, machineMemory: Int64) -> Int32 {
        switch qosClass {
        case "Guaranteed": return guaranteed
        case "BestEffort": return bestEffort
        default:
            guard machineMemory > 0 else { return 999 }
            let (scaled, overflow) = memoryRequest.multipliedReportingOverflow(by: 1000)
            let score = overflow ? Int64.min : 1000 - scaled / machineMemory
            return Int32(min(999, max(2, score)))
        }
    }
}

/// What the machine offers a pod (the node's allocatable, on one host).
public struct MachineResources: Sendable, Equatable {
    public var milliCPU: Int64
    public var memoryBytes: Int64

    public init(milliCPU: Int64, memoryBytes: Int64) {
        self.milliCPU = milliCPU
        self.memoryBytes = memoryBytes
    }

    /// The scheduler's fit check: the pod's effective requests against the machine. Nil when it
    /// fits, else the scheduler's message, e.g. "0/1 nodes are available: 1 Insufficient cpu."
    public func unfit(_ pod: Pod) -> String? {
        var reasons: [String] = []
        let cpu = CgroupLimits.effective(pod) { $0.resources.requests["cpu"]?.milliValue ?? 0 }
        let memory = CgroupLimits.effective(pod) { $0.resources.requests["memory"]?.value ?? 0 }
        if cpu > milliCPU { reasons.append("1 Insufficient cpu") }
        if memory > memoryBytes { reasons.append("1 Insufficient memory") }
        guard !reasons.isEmpty else { return nil }
        return "0/1 nodes are available: \(reasons.joined(separator: ", ")). (requests: cpu \(cpu)m, memory \(memory) bytes; this machine: cpu \(milliCPU)m, memory \(memoryBytes) bytes)"
    }
}
