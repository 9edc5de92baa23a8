// The pod's reconcile step, as the kubelet's computePodActions: a pure function from the pod's
// shape, what has been observed of its containers and the time, to the actions to carry out now,
// the status to publish and the time at which to plan again. The supervisor applies the actions
// and calls it again after every change; nothing here touches the host.

import PeapodSpec

public enum PodAction: Sendable, Equatable {
    /// Start a new instance of the container. `backoff` is the entry to record once it started.
    case start(container: String, backoff: BackoffEntry?)
    /// Send `signal` to the container's process (SIGTERM to begin termination, SIGKILL at the end
    /// of the grace period).
    case signal(container: String, signal: Int32)
    /// Deletion finished: every container has exited; remove the sandbox and the pod.
    case teardown
}

public struct PodPlan: Sendable, Equatable {
    public var actions: [PodAction]
    public var status: PlannedPodStatus
    /// The earliest moment the plan may change without a new observation (a back-off expiry or
    /// the end of a grace period); nil when only a new observation can change it.
    public var nextWakeup: Timestamp?
}

public struct PlannerConfig: Sendable, Equatable {
    public var backoff: BackoffPolicy

    public init(backoff: BackoffPolicy = .kubelet) {
        self.backoff = backoff
    }
}

public enum SignalNumber {
    public static let sigterm: Int32 = 15
    public static let sigkill: Int32 = 9
}

public enum Planner {
    public static func plan(
        shape: PodShape, observed: ObservedPod, now: Timestamp, config: PlannerConfig = PlannerConfig()
    ) -> PodPlan {
        var wakeups: [Timestamp] = []
        var actions: [PodAction] = []
        let progress = InitProgress(shape: shape, observed: observed)
        let terminal = terminalPhase(shape: shape, observed: observed, progress: progress)

        if let deletion = observed.deletion {
            actions = terminationActions(
                containers: shape.all, observed: observed, deadline: deletion.deadline, now: now, wakeups: &wakeups)
            if actions.isEmpty && !shape.all.contains(where: { observed[$0.name].current?.isRunning == true }) {
                actions = [.teardown]
            }
        } else if terminal != nil {
            // A finished pod keeps no sidecar running (the kubelet stops them once the app
            // containers are done); no grace clock runs here, SIGTERM is enough to start.
            for sidecar in shape.sidecars.reversed() {
                let c = observed[sidecar.name]
                if c.current?.isRunning == true && c.stopRequestedAt == nil {
                    actions.append(.signal(container: sidecar.name, signal: SignalNumber.sigterm))
                }
            }
        } else if observed.sandboxReady {
            actions = startActions(shape: shape, observed: observed, progress: progress, now: now, config: config,
                                   wakeups: &wakeups)
        }

        let status = StatusRules.status(
            shape: shape, observed: observed, progress: progress, terminal: terminal, now: now, config: config)
        return PodPlan(actions: actions, status: status, nextWakeup: wakeups.min())
    }

    /// Whether a finished container is started again under the pod's restart policy.
    static func shouldRestart(_ role: ContainerRole, _ instance: ContainerInstance, policy: RestartPolicy) -> Bool {
        switch role.kind {
        case .sidecar: return true
        case .initContainer: return !instance.succeeded && policy != .never
        case .app:
            switch policy {
            case .always: return true
            case .onFailure: return !instance.succeeded
            case .never: return false
            }
        }
    }

    /// A start action for a container that has never run or that finished and may restart now;
    /// otherwise records when its back-off ends.
    static func startIfAllowed(
        _ role: ContainerRole, observed: ObservedPod, now: Timestamp, config: PlannerConfig,
        wakeups: inout [Timestamp]
    ) -> PodAction? {
        let c = observed[role.name]
        guard let current = c.current else { return .start(container: role.name, backoff: nil) }
        guard let finishedAt = current.finishedAt else { return nil }
        if let allowedAt = RestartBackoff.restartAllowedAt(entry: c.backoff, finishedAt: finishedAt, policy: config.backoff),
           allowedAt > now {
            wakeups.append(allowedAt)
            return nil
        }
        let next = RestartBackoff.advance(entry: c.backoff, finishedAt: finishedAt, now: now, policy: config.backoff)
        return .start(container: role.name, backoff: next)
    }

    static func startActions(
        shape: PodShape, observed: ObservedPod, progress: InitProgress, now: Timestamp, config: PlannerConfig,
        wakeups: inout [Timestamp]
    ) -> [PodAction] {
        var actions: [PodAction] = []
        // Init containers and sidecars, in order, up to the first one that is not done yet.
        for role in shape.initContainers[..<progress.frontier] where role.kind == .sidecar {
            let c = observed[role.name]
            if let current = c.current, !current.isRunning,
               let action = startIfAllowed(role, observed: observed, now: now, config: config, wakeups: &wakeups) {
                actions.append(action)
            }
        }
        if progress.frontier < shape.initContainers.count {
            let role = shape.initContainers[progress.frontier]
            let c = observed[role.name]
            if c.current == nil || (c.current.map { !$0.isRunning && shouldRestart(role, $0, policy: shape.restartPolicy) } ?? false),
               let action = startIfAllowed(role, observed: observed, now: now, config: config, wakeups: &wakeups) {
                actions.append(action)
            }
            return actions
        }
        for role in shape.appContainers {
            let c = observed[role.name]
            if let current = c.current {
                guard !current.isRunning, shouldRestart(role, current, policy: shape.restartPolicy) else { continue }
            }
            if let action = startIfAllowed(role, observed: observed, now: now, config: config, wakeups: &wakeups) {
                actions.append(action)
            }
        }
        return actions
    }

    /// Termination during deletion: SIGTERM to every running container once, SIGKILL to those
    /// still running when the grace period (counted from the deletion request) has passed.
    static func terminationActions(
        containers: [ContainerRole], observed: ObservedPod, deadline: Timestamp, now: Timestamp,
        wakeups: inout [Timestamp]
    ) -> [PodAction] {
        var actions: [PodAction] = []
        for role in containers {
            let c = observed[role.name]
            guard c.current?.isRunning == true else { continue }
            if now >= deadline {
                if !c.killed { actions.append(.signal(container: role.name, signal: SignalNumber.sigkill)) }
            } else {
                if c.stopRequestedAt == nil { actions.append(.signal(container: role.name, signal: SignalNumber.sigterm)) }
                wakeups.append(deadline)
            }
        }
        return actions
    }

    /// Succeeded or Failed once nothing will run again (k8s-pod-semantics.md section 1).
    static func terminalPhase(shape: PodShape, observed: ObservedPod, progress: InitProgress) -> PodPhase? {
        if progress.failedUnderNever { return .failed }
        guard progress.complete, shape.restartPolicy != .always else { return nil }
        var anyFailed = false
        for role in shape.appContainers {
            guard let current = observed[role.name].current, !current.isRunning else { return nil }
            if shouldRestart(role, current, policy: shape.restartPolicy) { return nil }
            if !current.succeeded { anyFailed = true }
        }
        return anyFailed ? .failed : .succeeded
    }
}

/// How far initialization has come: the index of the first init container that is not done
/// (a regular one that has not succeeded, or a sidecar that has not started).
struct InitProgress {
    var frontier: Int
    var failedUnderNever: Bool
    var complete: Bool

    init(shape: PodShape, observed: ObservedPod) {
        var index = 0
        var failed = false
        // Once an app container has run, initialization stays complete (the kubelet does not
        // run init containers again while the sandbox lives).
        let appsStarted = shape.appContainers.contains { observed[$0.name].current != nil }
        if appsStarted {
            index = shape.initContainers.count
        } else {
            for role in shape.initContainers {
                let current = observed[role.name].current
                if role.kind == .sidecar {
                    guard current != nil else { break }
                } else {
                    guard let current, current.succeeded else {
                        if let current, !current.isRunning, shape.restartPolicy == .never { failed = true }
                        break
                    }
                }
                index += 1
            }
        }
        frontier = index
        failedUnderNever = failed
        complete = index == shape.initContainers.count
    }
}
