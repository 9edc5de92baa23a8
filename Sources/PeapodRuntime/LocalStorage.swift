// Local ephemeral storage limits, enforced as the kubelet's eviction manager does
// (pkg/kubelet/eviction/eviction_manager.go: localStorageEviction and its three checks, with the
// messages of helpers.go). The supervisor measures the pod's disk use on a schedule this file
// sets (`measureStorage` actions, one housekeeping interval apart) and reports it as
// `ObservedPod.storage`; the planner compares it with the limits and decides the eviction:
// `evict` with the kubelet's message, after which the pod stops like one that hit its deadline
// but with the eviction grace period, and its status is Failed / Evicted / the message.

import PeapodSpec

/// The local-storage limits of a pod, from its spec.
public struct StorageLimits: Sendable, Equatable {
    public struct Limit: Sendable, Equatable {
        /// The container or volume the limit is for ("" for the pod's).
        public var name: String
        public var bytes: Int64
        /// As the kubelet's message prints it (the quantity's canonical form).
        public var text: String

        public init(name: String, bytes: Int64, text: String) {
            self.name = name
            self.bytes = bytes
            self.text = text
        }
    }

    /// App containers with a non-zero `limits.ephemeral-storage`, in spec order (the kubelet
    /// checks `spec.containers` only).
    public var containers: [Limit] = []
    /// emptyDir volumes with a positive `sizeLimit`, in spec order.
    public var emptyDirs: [Limit] = []
    /// The pod's limit when any container has an ephemeral-storage limit: the kubelet's
    /// PodLimits (app containers and sidecars summed, the larger of that and each init container
    /// with the sidecars before it).
    public var pod: Limit?

    public init(containers: [Limit] = [], emptyDirs: [Limit] = [], pod: Limit? = nil) {
        self.containers = containers
        self.emptyDirs = emptyDirs
        self.pod = pod
    }

    /// Nothing to enforce, so nothing to measure.
    public var isEmpty: Bool { containers.isEmpty && emptyDirs.isEmpty && pod == nil }
}

/// One measurement of a pod's local storage (bytes on disk, as `du` counts them).
public struct StorageUsage: Sendable, Equatable {
    /// When the measurement started.
    public var measuredAt: Timestamp
    /// Per container: its writable layer and its logs (the kubelet's rootfs + logs stats).
    public var containers: [String: Int64]
    /// Per disk-backed emptyDir volume.
    public var emptyDirs: [String: Int64]

    public init(measuredAt: Timestamp, containers: [String: Int64] = [:], emptyDirs: [String: Int64] = [:]) {
        self.measuredAt = measuredAt
        self.containers = containers
        self.emptyDirs = emptyDirs
    }

    /// The pod's ephemeral storage: every container's use and every disk-backed emptyDir's
    /// (the kubelet's calcEphemeralStorage).
    public var podTotal: Int64 {
        containers.values.reduce(0, +) + emptyDirs.values.reduce(0, +)
    }
}

/// The eviction manager's decision, once taken.
public struct PodEviction: Sendable, Equatable {
    public var at: Timestamp
    public var message: String

    public init(at: Timestamp, message: String) {
        self.at = at
        self.message = message
    }
}

extension Planner {
    /// The pod status reason of an evicted pod and of its event (eviction's `Reason`).
    public static let evictedReason = "Evicted"

    /// The grace period of a local-storage eviction (immediateEvictionGracePeriodSeconds, since
    /// kubernetes/kubernetes#124063: an override of 0 let the pod keep its own grace period).
    /// SIGKILL still waits the 2 s minimum after SIGTERM, as for every kill.
    public static let evictionGraceNanos: Int64 = 1_000_000_000

    /// The kubelet's eviction manager period (kubelet.go evictionMonitoringPeriod, kept in step
    /// with cAdvisor's housekeeping interval).
    public static let defaultHousekeepingNanos: Int64 = 10_000_000_000

    /// The message of the first limit `usage` exceeds, in the kubelet's order: emptyDir volumes,
    /// then the pod's total, then each container. Nil when none is exceeded.
    public static func evictionMessage(_ limits: StorageLimits, _ usage: StorageUsage) -> String? {
        for limit in limits.emptyDirs {
            if let used = usage.emptyDirs[limit.name], used > limit.bytes {
                return "Usage of EmptyDir volume \(goQuote(limit.name)) exceeds the limit \(goQuote(limit.text)). "
            }
        }
        if let limit = limits.pod, usage.podTotal > limit.bytes {
            return "Pod ephemeral local storage usage exceeds the total limit of containers \(limit.text). "
        }
        for limit in limits.containers {
            if let used = usage.containers[limit.name], used > limit.bytes {
                return "Container \(limit.name) exceeded its local ephemeral storage limit \(goQuote(limit.text)). "
            }
        }
        return nil
    }

    /// Whether the eviction manager looks at the pod: it has limits, its sandbox is up, and it
    /// is neither being deleted, nor stopping on its own, nor evicted (the kubelet's active pods).
    static func storageWatched(shape: PodShape, observed: ObservedPod, stop: PodStop?) -> Bool {
        !shape.storage.isEmpty && observed.sandboxReady && observed.deletion == nil && stop == nil
            && observed.eviction == nil
    }

    /// A measurement once a housekeeping interval has passed since the last one started (or
    /// since the pod started), none while one is under way; an eviction as soon as the last
    /// measurement exceeds a limit.
    static func storageActions(
        shape: PodShape, observed: ObservedPod, stop: PodStop?, now: Timestamp, config: PlannerConfig,
        wakeups: inout [Timestamp]
    ) -> [PodAction] {
        guard storageWatched(shape: shape, observed: observed, stop: stop) else { return [] }
        if let usage = observed.storage, let message = evictionMessage(shape.storage, usage) {
            return [.evict(message: message)]
        }
        guard observed.storageMeasurementStartedAt == nil else { return [] }
        let last = observed.storage?.measuredAt ?? observed.startTime ?? observed.sandboxReadyAt ?? now
        let due = Timestamp(nanos: last.nanos + config.housekeepingNanos)
        if due <= now { return [.measureStorage] }
        wakeups.append(due)
        return []
    }
}

extension StorageLimits {
    /// The limits of a validated, defaulted pod.
    public init(pod: Pod) {
        let key = "ephemeral-storage"
        var containers: [Limit] = []
        for c in pod.spec.containers {
            guard let q = c.resources.limits[key], q.value != 0 else { continue }
            containers.append(Limit(name: c.name, bytes: q.value, text: q.canonicalString))
        }
        var emptyDirs: [Limit] = []
        for volume in pod.spec.volumes {
            guard let size = volume.emptyDir?.sizeLimit, !size.isNegative, !size.isZero else { continue }
            emptyDirs.append(Limit(name: volume.name, bytes: size.value, text: size.canonicalString))
        }
        self.init(containers: containers, emptyDirs: emptyDirs, pod: Self.podLimit(pod, key))
    }

    /// The kubelet's PodLimits for one resource (component-helpers resource.PodLimits): app
    /// containers and sidecars added up; each regular init container, with the sidecars started
    /// before it, taken when larger. The format of the sum follows Go's Quantity.Add (the first
    /// addend's, unless it was zero). Nil when no container has the resource among its limits.
    static func podLimit(_ pod: Pod, _ key: String) -> Limit? {
        typealias Amount = (bytes: Int64, format: Quantity.Format)
        func amount(_ q: Quantity?) -> Amount? { q.map { ($0.value, $0.format) } }
        func add(_ a: Amount?, _ b: Amount?) -> Amount? {
            guard let b else { return a }
            guard let a else { return b }
            let (sum, overflow) = a.bytes.addingReportingOverflow(b.bytes)
            return (overflow ? Int64.max : sum, a.bytes == 0 ? b.format : a.format)
        }
        func larger(_ a: Amount?, _ b: Amount?) -> Amount? {
            guard let b else { return a }
            guard let a else { return b }
            return b.bytes > a.bytes ? b : a
        }
        var limits: Amount?
        for c in pod.spec.containers { limits = add(limits, amount(c.resources.limits[key])) }
        var sidecars: Amount?
        var inits: Amount?
        for c in pod.spec.initContainers {
            let own = amount(c.resources.limits[key])
            if c.isSidecar {
                limits = add(limits, own)
                sidecars = add(sidecars, own)
                inits = larger(inits, sidecars)
            } else {
                inits = larger(inits, add(own, sidecars))
            }
        }
        guard let total = larger(limits, inits) else { return nil }
        return Limit(name: "", bytes: total.bytes, text: quantityText(total.bytes, total.format))
    }

    /// A byte count as Go's Quantity.String prints it in `format`.
    static func quantityText(_ bytes: Int64, _ format: Quantity.Format) -> String {
        let text: String
        switch format {
        case .binarySI:
            // Go prints a binary quantity in base 1024 with the largest exact suffix, digits
            // alone when 1024 does not divide it, and as a decimal one below 1024.
            if bytes.magnitude >= 1024 && bytes % 1024 != 0 { return "\(bytes)" }
            text = bytes != 0 && bytes % 1024 == 0 ? "\(bytes / 1024)Ki" : "\(bytes)"
        case .decimalSI:
            text = "\(bytes)"
        case .decimalExponent:
            text = "\(bytes)e0"
        }
        return (try? Quantity(text))?.canonicalString ?? "\(bytes)"
    }
}
