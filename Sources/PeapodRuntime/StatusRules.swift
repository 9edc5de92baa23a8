// Container states, phase and conditions, each a small rule (docs/kubelet-semantics.md §1-4),
// following the kubelet's generateAPIPodStatus, getPhase and the prober manager's
// UpdatePodStatus (started and ready, with the probes' results).

import PeapodSpec

enum StatusRules {
    static func status(
        shape: PodShape, observed: ObservedPod, progress: InitProgress, stop: PodStop?, now: Timestamp,
        config: PlannerConfig
    ) -> PlannedPodStatus {
        let noRestarts = observed.deletion != nil || stop != nil
        let initStatuses = shape.initContainers.map { role in
            containerStatus(role, observed: observed, shape: shape, noRestarts: noRestarts, now: now, config: config)
        }
        let appStatuses = shape.appContainers.map { role in
            containerStatus(role, observed: observed, shape: shape, noRestarts: noRestarts, now: now, config: config)
        }
        let anyRunning = shape.all.contains { observed[$0.name].current?.isRunning == true }
        var phase = phase(shape: shape, initStatuses: initStatuses, appStatuses: appStatuses,
                          podIsTerminal: noRestarts && !anyRunning)
        var reason: String?
        var message: String?
        if stop?.deadlineExceeded == true {
            phase = .failed
            reason = "DeadlineExceeded"
            message = Planner.deadlineMessage
        }
        // Failed from the eviction on, while the containers are still being stopped (the
        // eviction's status function in the kubelet's killPodNow).
        if let eviction = observed.eviction {
            phase = .failed
            reason = Planner.evictedReason
            message = eviction.message
        }
        let conditions = conditions(
            shape: shape, observed: observed, phase: phase, initStatuses: initStatuses, appStatuses: appStatuses)
        return PlannedPodStatus(
            phase: phase, reason: reason, message: message, conditions: conditions, startTime: observed.startTime,
            initContainerStatuses: initStatuses, containerStatuses: appStatuses)
    }

    static func containerStatus(
        _ role: ContainerRole, observed: ObservedPod, shape: PodShape, noRestarts: Bool, now: Timestamp,
        config: PlannerConfig
    ) -> PlannedContainerStatus {
        let c = observed[role.name]
        // The kubelet's default for a container it has not created: PodInitializing when the
        // pod has init containers, ContainerCreating otherwise.
        let creating = shape.initContainers.isEmpty ? "ContainerCreating" : "PodInitializing"
        let lastState = c.previous.map(Termination.init)
        if let error = c.configError, c.current?.isRunning != true {
            return PlannedContainerStatus(
                name: role.name, state: .waiting(reason: "CreateContainerConfigError", message: error.message),
                lastState: c.current.map(Termination.init) ?? lastState, ready: false, started: false,
                restartCount: c.restartCount, containerID: nil)
        }
        guard let current = c.current else {
            return PlannedContainerStatus(
                name: role.name, state: .waiting(reason: creating, message: nil), lastState: nil, ready: false,
                started: false, restartCount: c.restartCount, containerID: nil)
        }
        let containerID = "peapod://" + current.id
        if current.isRunning {
            // Until its postStart hook is done the kubelet has not reported the container running.
            if role.hasPostStart && !Planner.isStarted(role, c) && !(c.postStart?.failed ?? false) {
                return PlannedContainerStatus(
                    name: role.name, state: .waiting(reason: "ContainerCreating", message: nil), lastState: lastState,
                    ready: false, started: false, restartCount: c.restartCount, containerID: containerID)
            }
            let started = Planner.isStarted(role, c)
            return PlannedContainerStatus(
                name: role.name, state: .running(startedAt: current.startedAt), lastState: lastState,
                ready: role.kind != .initContainer && Planner.isReady(role, c), started: started,
                restartCount: c.restartCount,
                containerID: containerID)
        }
        let termination = Termination(current)
        let restarting = !noRestarts && Planner.shouldRestart(role, c, policy: shape.restartPolicy)
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
        // A regular init container that succeeded is ready (UpdatePodStatus).
        return PlannedContainerStatus(
            name: role.name, state: .terminated(termination), lastState: lastState,
            ready: role.kind == .initContainer && termination.exitCode == 0, started: false,
            restartCount: c.restartCount, containerID: termination.containerID)
    }

    /// The kubelet's getPhase (pkg/kubelet/kubelet_pods.go, 1.29+ with sidecars).
    static func phase(
        shape: PodShape, initStatuses: [PlannedContainerStatus], appStatuses: [PlannedContainerStatus],
        podIsTerminal: Bool
    ) -> PodPhase {
        var pendingInitialization = 0
        var failedInitialization = 0
        for (role, status) in zip(shape.initContainers, initStatuses) where role.kind == .initContainer {
            switch status.state {
            case .running: pendingInitialization += 1
            case let .terminated(t): if t.exitCode != 0 { failedInitialization += 1 }
            case .waiting:
                if let last = status.lastState {
                    if last.exitCode != 0 { failedInitialization += 1 }
                } else {
                    pendingInitialization += 1
                }
            }
        }
        var running = 0, waiting = 0, stopped = 0, succeeded = 0
        for (role, status) in zip(shape.initContainers, initStatuses) where role.kind == .sidecar {
            switch status.state {
            case .running:
                if !status.started { pendingInitialization += 1 }
                running += 1
            case .terminated: break
            case .waiting:
                if status.lastState == nil {
                    pendingInitialization += 1
                    waiting += 1
                }
            }
        }
        var anyRegularStarted = false
        for status in appStatuses {
            switch status.state {
            case .running:
                running += 1
                anyRegularStarted = true
            case let .terminated(t):
                stopped += 1
                anyRegularStarted = true
                if t.exitCode == 0 { succeeded += 1 }
            case .waiting:
                if status.lastState != nil { stopped += 1 } else { waiting += 1 }
            }
        }
        if failedInitialization > 0 && shape.restartPolicy == .never { return .failed }
        if (pendingInitialization > 0 && !anyRegularStarted) || waiting > 0 { return .pending }
        if running > 0 { return .running }
        if stopped > 0 {
            if podIsTerminal { return stopped == succeeded ? .succeeded : .failed }
            if shape.restartPolicy == .always { return .running }
            if stopped == succeeded { return .succeeded }
            if shape.restartPolicy == .never { return .failed }
            return .running
        }
        return .pending
    }

    /// The kubelet-owned conditions (pkg/kubelet/status/generate.go), in the order kubectl shows.
    static func conditions(
        shape: PodShape, observed: ObservedPod, phase: PodPhase,
        initStatuses: [PlannedContainerStatus], appStatuses: [PlannedContainerStatus]
    ) -> [PlannedCondition] {
        let completed = phase == .succeeded || phase == .failed
        var result = [PlannedCondition(type: "PodReadyToStartContainers", status: observed.sandboxReady && !completed)]

        let incomplete = zip(shape.initContainers, initStatuses).filter { role, status in
            if role.kind == .sidecar { return !status.started }
            if case let .terminated(t) = status.state { return t.exitCode != 0 }
            return true
        }.map(\.0.name)
        let anyRegularStarted = appStatuses.contains { status in
            switch status.state {
            case .running, .terminated: return true
            case .waiting: return false
            }
        }
        if phase == .succeeded {
            result.append(PlannedCondition(type: "Initialized", status: true, reason: "PodCompleted"))
        } else if incomplete.isEmpty || anyRegularStarted {
            result.append(PlannedCondition(type: "Initialized", status: true))
        } else {
            result.append(PlannedCondition(
                type: "Initialized", status: false, reason: "ContainersNotInitialized",
                message: "containers with incomplete status: [\(incomplete.joined(separator: " "))]"))
        }

        let sidecarStatuses = zip(shape.initContainers, initStatuses).filter { $0.0.kind == .sidecar }.map(\.1)
        let unready = (sidecarStatuses + appStatuses).filter { !$0.ready }.map(\.name)
        let ready: PlannedCondition
        if phase == .succeeded {
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
