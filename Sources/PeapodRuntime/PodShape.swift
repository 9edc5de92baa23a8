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

    public init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
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

    public init(
        podName: String, namespace: String = "default", initContainers: [ContainerRole] = [],
        appContainers: [ContainerRole], restartPolicy: RestartPolicy = .always
    ) {
        self.podName = podName
        self.namespace = namespace
        self.initContainers = initContainers
        self.appContainers = appContainers
        self.restartPolicy = restartPolicy
    }

    public var all: [ContainerRole] { initContainers + appContainers }
    public var sidecars: [ContainerRole] { initContainers.filter { $0.kind == .sidecar } }
}
