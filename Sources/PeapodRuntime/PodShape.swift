// The parts of a pod spec that the planner decides on, in start order. Built once from the
// validated spec, so the planning rules read as Kubernetes' rules and not as field access.

public enum RestartPolicy: String, Sendable {
    case always = "Always"
    case onFailure = "OnFailure"
    case never = "Never"
}

public struct ContainerRole: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A regular init container: runs to completion before the next one starts.
        case initContainer
        /// An init container with `restartPolicy: Always`: started in order, kept running.
        case sidecar
        case app
    }

    public var name: String
    public var kind: Kind
    /// The container has a `lifecycle.postStart` / `lifecycle.preStop` handler (exec).
    public var hasPostStart: Bool
    public var hasPreStop: Bool
    public var probes: ContainerProbes

    public init(
        name: String, kind: Kind, hasPostStart: Bool = false, hasPreStop: Bool = false,
        probes: ContainerProbes = ContainerProbes()
    ) {
        self.name = name
        self.kind = kind
        self.hasPostStart = hasPostStart
        self.hasPreStop = hasPreStop
        self.probes = probes
    }

    public var isInit: Bool { kind != .app }
}

public struct PodShape: Sendable, Equatable {
    /// Init containers and sidecars in spec order.
    public var initContainers: [ContainerRole]
    public var appContainers: [ContainerRole]
    public var restartPolicy: RestartPolicy
    public var podName: String
    public var namespace: String
    /// spec.terminationGracePeriodSeconds: the grace of a pod that stops on its own (its app
    /// containers are done, or its deadline passed); a deletion brings its own.
    public var terminationGraceNanos: Int64
    /// spec.activeDeadlineSeconds, counted from status.startTime.
    public var activeDeadlineNanos: Int64?
    /// Local ephemeral storage limits (ephemeral-storage, emptyDir sizeLimit).
    public var storage = StorageLimits()

    public init(
        podName: String, namespace: String = "default", initContainers: [ContainerRole] = [],
        appContainers: [ContainerRole], restartPolicy: RestartPolicy = .always,
        terminationGraceSeconds: Int64 = 30, activeDeadlineSeconds: Int64? = nil
    ) {
        self.podName = podName
        self.namespace = namespace
        self.initContainers = initContainers
        self.appContainers = appContainers
        self.restartPolicy = restartPolicy
        self.terminationGraceNanos = terminationGraceSeconds * 1_000_000_000
        self.activeDeadlineNanos = activeDeadlineSeconds.map { $0 * 1_000_000_000 }
    }

    public var all: [ContainerRole] { initContainers + appContainers }
    public var sidecars: [ContainerRole] { initContainers.filter { $0.kind == .sidecar } }
    public func role(_ name: String) -> ContainerRole? { all.first { $0.name == name } }
}
