import PeapodSpec

extension PodShape {
    /// The planner's view of a validated, defaulted pod.
    public init(pod: Pod) {
        func role(_ c: Container, _ kind: ContainerRole.Kind) -> ContainerRole {
            ContainerRole(name: c.name, kind: kind, hasPostStart: c.lifecycle?.postStart?.exec != nil,
                          hasPreStop: c.lifecycle?.preStop?.exec != nil,
                          probes: ContainerProbes(
                            startup: c.startupProbe.map(ProbeShape.init), liveness: c.livenessProbe.map(ProbeShape.init),
                            readiness: c.readinessProbe.map(ProbeShape.init)))
        }
        self.init(
            podName: pod.metadata.name, namespace: pod.metadata.namespace,
            initContainers: pod.spec.initContainers.map { role($0, $0.isSidecar ? .sidecar : .initContainer) },
            appContainers: pod.spec.containers.map { role($0, .app) },
            restartPolicy: RestartPolicy(rawValue: pod.spec.restartPolicy) ?? .always,
            terminationGraceSeconds: pod.spec.terminationGracePeriodSeconds ?? 30,
            activeDeadlineSeconds: pod.spec.activeDeadlineSeconds)
        storage = StorageLimits(pod: pod)
    }

    public func isInit(_ name: String) -> Bool {
        initContainers.contains { $0.name == name }
    }
}

extension Pod {
    public var name: String { metadata.name }
    public var namespace: String { metadata.namespace.isEmpty ? "default" : metadata.namespace }
    /// The pod's hostname: spec.hostname, else the pod name (truncated to 63 characters as the
    /// kubelet does).
    public var hostnameForSandbox: String {
        spec.hostname.isEmpty ? String(metadata.name.prefix(63)) : spec.hostname
    }
}
