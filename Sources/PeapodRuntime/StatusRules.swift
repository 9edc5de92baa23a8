// Container states, phase and conditions, each a small rule (k8s-pod-semantics.md sections 1-4).

import PeapodSpec

enum StatusRules {
    static func status(
        shape: PodShape, observed: ObservedPod, progress: InitProgress, terminal: PodPhase?, now: Timestamp,
        config: PlannerConfig
    ) -> PlannedPodStatus {
        let initStatuses = shape.initContainers.enumerated().map { index, role in
            containerStatus(role, observed: observed, shape: shape, pendingInit: false, now: now, config: config)
        }
        let appStatuses = shape.appContainers.map { role in
            containerStatus(role, observed: observed, shape: shape, pendingInit: !progress.complete, now: now,
                            config: config)
        }
        let phase = terminal ?? phase(shape: shape, progress: progress, statuses: appStatuses)
        let conditions = conditions(
            shape: shape, observed: observed, progress: progress, phase: phase,
            initStatuses: initStatuses, appStatuses: appStatuses)
        return PlannedPodStatus(
            phase: phase, reason: nil, message: nil, conditions: conditions, startTime: observed.startTime,
            initContainerStatuses: initStatuses, containerStatuses: appStatuses)
    }

    static func containerStatus(
        _ role: ContainerRole, observed: ObservedPod, shape: PodShape, pendingInit: Bool, now: Timestamp,
        config: PlannerConfig
    ) -> PlannedContainerStatus {
        let c = observed[role.name]
        guard let current = c.current else {
            let reason = pendingInit ? "PodInitializing" : "ContainerCreating"
            return PlannedContainerStatus(
                name: role.name, state: .waiting(reason: reason, message: nil), lastState: nil, ready: false,
                started: false, restartCount: c.restartCount, containerID: nil)
        }
        let lastState = c.previous.map(Termination.init)
        if current.isRunning {
            return PlannedContainerStatus(
                name: role.name, state: .running(startedAt: current.startedAt), lastState: lastState,
                ready: role.kind != .initContainer, started: true, restartCount: c.restartCount,
                containerID: "peapod://" + current.id)
        }
        let termination = Termination(current)
        let restarting = observed.deletion == nil && Planner.shouldRestart(role, current, policy: shape.restartPolicy)
            && !(role.kind != .app && pendingInit)
        if restarting, let finishedAt = current.finishedAt,
           let allowedAt = RestartBackoff.restartAllowedAt(entry: c.backoff, finishedAt: finishedAt, policy: config.backoff),
           allowedAt > now {
            // The kubelet reports a container waiting out its back-off as waiting, with the
            // finished instance as lastState.
            let delay = RestartBackoff.goDuration(nanos: c.backoff?.delayNanos ?? 0)
            let message = "back-off \(delay) restarting failed container=\(role.name) pod=\(shape.podName)_\(shape.namespace)(\(observed.podUID))"
            return PlannedContainerStatus(
                name: role.name, state: .waiting(reason: "CrashLoopBackOff", message: message), lastState: termination,
                ready: false, started: false, restartCount: c.restartCount, containerID: termination.containerID)
        }
        return PlannedContainerStatus(
            name: role.name, state: .terminated(termination), lastState: lastState, ready: false, started: false,
            restartCount: c.restartCount, containerID: termination.containerID)
    }

    /// The kubelet's getPhase for a pod that is not terminal yet.
    static func phase(shape: PodShape, progress: InitProgress, statuses: [PlannedContainerStatus]) -> PodPhase {
        guard progress.complete else { return .pending }
        var waiting = 0, running = 0, stopped = 0
        for status in statuses {
            switch status.state {
            case .running: running += 1
            case .terminated: stopped += 1
            case .waiting:
                // A container waiting to restart has terminated before: it counts as stopped.
                if status.lastState != nil { stopped += 1 } else { waiting += 1 }
            }
        }
        if waiting > 0 { return .pending }
        if running > 0 { return .running }
        return stopped > 0 ? .running : .pending
    }

    static func conditions(
        shape: PodShape, observed: ObservedPod, progress: InitProgress, phase: PodPhase,
        initStatuses: [PlannedContainerStatus], appStatuses: [PlannedContainerStatus]
    ) -> [PlannedCondition] {
        let completed = phase == .succeeded || phase == .failed
        var result = [PlannedCondition(type: "PodReadyToStartContainers", status: observed.sandboxReady && !completed)]

        let incomplete = shape.initContainers.filter { role in
            let c = observed[role.name].current
            return role.kind == .sidecar ? c == nil : !(c?.succeeded ?? false)
        }.map(\.name)
        if progress.complete || completed && !progress.failedUnderNever {
            result.append(PlannedCondition(type: "Initialized", status: true))
        } else {
            result.append(PlannedCondition(
                type: "Initialized", status: false, reason: "ContainersNotInitialized",
                message: "containers with incomplete status: [\(incomplete.joined(separator: " "))]"))
        }

        let sidecarStatuses = zip(shape.initContainers, initStatuses).filter { $0.0.kind == .sidecar }.map(\.1)
        let unready = (sidecarStatuses + appStatuses).filter { !$0.ready }.map(\.name)
        let ready: PlannedCondition
        if completed {
            ready = PlannedCondition(type: "", status: false, reason: "PodCompleted")
        } else if unready.isEmpty {
            ready = PlannedCondition(type: "", status: true)
        } else {
            ready = PlannedCondition(
                type: "", status: false, reason: "ContainersNotReady",
                message: "containers with unready status: [\(unready.joined(separator: " "))]")
        }
        var containersReady = ready
        containersReady.type = "ContainersReady"
        var podReady = ready
        podReady.type = "Ready"
        result.append(podReady)
        result.append(containersReady)
        result.append(PlannedCondition(type: "PodScheduled", status: true))
        return result
    }
}
