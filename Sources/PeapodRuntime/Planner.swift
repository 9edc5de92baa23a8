// The pod's reconcile step, as the kubelet's computePodActions: a pure function from the pod's
// shape, what has been observed of its containers and the time, to the actions to carry out now,
// the status to publish and the time at which to plan again. The supervisor applies the actions
// and calls it again after every change; nothing here touches the host.

import PeapodSpec

public enum PodAction: Sendable, Equatable {
    /// Start a new instance of the container. `backoff` is the entry to record once it started.
    case start(container: String, backoff: BackoffEntry?)
    /// Run the container's exec hook; the supervisor records a `HookRun` at once and its end
    /// when the process is reaped.
    case runHook(container: String, hook: HookKind)
    /// Run one of the container's probes; the supervisor marks the run started at once
    /// (`ProbeState.started`) and records its outcome (`ProbeState.finished`) when it ends.
    case runProbe(container: String, probe: ProbeKind)
    /// The probe's run passed its timeoutSeconds: stop it and record a failure.
    case probeTimedOut(container: String, probe: ProbeKind)
    /// Send `signal` to the container's process (SIGTERM to begin termination, SIGKILL at the end
    /// of the grace period). `reason` is why, as the Killing event words it (`killReason`).
    case signal(container: String, signal: Int32, reason: String)
    /// Deletion finished: every container has exited; remove the sandbox and the pod.
    case teardown
    /// Delete the finished pod, with this grace period (`PlannerConfig.removeOnFinish`): the
    /// supervisor records a `PodDeletion`, once the status the pod finished with is published.
    case delete(graceNanos: Int64)
    /// Measure the pod's local storage (LocalStorage.swift); the supervisor records the start
    /// (`storageMeasurementStartedAt`) at once and the usage (`storage`) when it is done.
    case measureStorage
    /// The eviction manager evicts the pod: the supervisor records `PodEviction` and the
    /// `Evicted` warning event with this message.
    case evict(message: String)
}

public struct PodPlan: Sendable, Equatable {
    public var actions: [PodAction]
    public var status: PlannedPodStatus
    /// The earliest moment the plan may change without a new observation (a back-off expiry,
    /// the end of a grace period, the active deadline); nil when only a new observation can.
    public var nextWakeup: Timestamp?
}

public struct PlannerConfig: Sendable, Equatable {
    public var backoff: BackoffPolicy
    /// How often local storage is measured against its limits (the kubelet's eviction
    /// monitoring period, 10 s).
    public var housekeepingNanos: Int64
    /// The pod is deleted once it has finished (Succeeded or Failed), as `kubectl run --rm`
    /// does: `peapod run`'s pods.
    public var removeOnFinish: Bool

    public init(backoff: BackoffPolicy = .kubelet, housekeepingNanos: Int64 = Planner.defaultHousekeepingNanos,
                removeOnFinish: Bool = false) {
        self.backoff = backoff
        self.housekeepingNanos = housekeepingNanos
        self.removeOnFinish = removeOnFinish
    }
}

public enum SignalNumber {
    public static let sigterm: Int32 = 15
    public static let sigkill: Int32 = 9
}

/// The pod stops on its own: its app containers are done and none will restart, an init
/// container failed under `restartPolicy: Never`, or `activeDeadlineSeconds` passed. The kubelet
/// then kills what still runs (sidecars, or everything at the deadline) with the pod's grace.
public struct PodStop: Sendable, Equatable {
    public var since: Timestamp
    public var deadlineExceeded: Bool
    /// The grace period when it is not the pod's own (an eviction's).
    public var graceNanos: Int64? = nil
}

public enum Planner {
    /// The kubelet gives every container at least this long between SIGTERM and SIGKILL
    /// (minimumGracePeriodInSeconds), unless the grace period is zero (a forced deletion).
    public static let minimumGraceNanos: Int64 = 2_000_000_000

    public static let deadlineMessage = "Pod was active on the node longer than the specified deadline"

    public static func plan(
        shape: PodShape, observed: ObservedPod, now: Timestamp, config: PlannerConfig = PlannerConfig()
    ) -> PodPlan {
        var wakeups: [Timestamp] = []
        var actions: [PodAction] = []
        let progress = InitProgress(shape: shape, observed: observed)
        var stop = podStop(shape: shape, observed: observed, progress: progress, now: now, wakeups: &wakeups)
        if let eviction = observed.eviction {
            stop = PodStop(since: eviction.at, deadlineExceeded: false, graceNanos: evictionGraceNanos)
        }

        if let deletion = observed.deletion {
            actions = terminationActions(
                shape: shape, observed: observed, since: deletion.requestedAt, graceNanos: deletion.graceNanos,
                now: now, wakeups: &wakeups)
            if actions.isEmpty && !shape.all.contains(where: { observed[$0.name].current?.isRunning == true }) {
                actions = [.teardown]
            }
        } else if let stop {
            actions = terminationActions(
                shape: shape, observed: observed, since: stop.since, graceNanos: stop.graceNanos ?? shape.terminationGraceNanos,
                now: now, wakeups: &wakeups)
        } else if observed.sandboxReady {
            let storage = storageActions(shape: shape, observed: observed, stop: stop, now: now, config: config,
                                         wakeups: &wakeups)
            if storage.contains(where: { if case .evict = $0 { return true } else { return false } }) {
                // The eviction comes first: the next plan stops the pod.
                return PodPlan(
                    actions: storage,
                    status: StatusRules.status(shape: shape, observed: observed, progress: progress, stop: stop, now: now,
                                               config: config),
                    nextWakeup: nil)
            }
            actions = hookFailureActions(shape: shape, observed: observed, now: now, wakeups: &wakeups)
            actions += probeFailureActions(shape: shape, observed: observed, now: now, wakeups: &wakeups)
            actions += startActions(shape: shape, observed: observed, progress: progress, now: now, config: config,
                                    wakeups: &wakeups)
            actions += storage
        }

        actions += probeActions(shape: shape, observed: observed, podStopping: observed.deletion != nil || stop != nil,
                                now: now, wakeups: &wakeups)

        let status = StatusRules.status(
            shape: shape, observed: observed, progress: progress, stop: stop, now: now, config: config)
        // Removed once finished: when nothing else is left to do, a deletion with the pod's grace
        // period (whatever still runs, a sidecar, is stopped as for any deletion).
        if config.removeOnFinish, actions.isEmpty, observed.deletion == nil,
           status.phase == .succeeded || status.phase == .failed {
            actions = [.delete(graceNanos: shape.terminationGraceNanos)]
        }
        return PodPlan(actions: actions, status: status, nextWakeup: wakeups.min())
    }

    /// Whether a finished container is started again under the pod's restart policy. A
    /// container killed for a failed liveness or startup probe restarts unless the policy is
    /// Never, whatever its exit code (computePodActions' shouldRestartOnFailure).
    static func shouldRestart(_ role: ContainerRole, _ c: ObservedContainer, policy: RestartPolicy) -> Bool {
        guard let instance = c.current else { return false }
        if c.probeFailure != nil && role.kind != .sidecar { return policy != .never }
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

    /// The kubelet's `started`: running, its postStart hook (if it has one) finished
    /// successfully, and its startup probe (if it has one) succeeded.
    public static func isStarted(_ role: ContainerRole, _ c: ObservedContainer) -> Bool {
        guard c.current?.isRunning == true else { return false }
        if role.probes.startup != nil && c.startupProbe.result != .success { return false }
        guard role.hasPostStart else { return true }
        guard let hook = c.postStart else { return false }
        return !hook.isRunning && !hook.failed
    }

    /// The kubelet's `ready`: started, and its readiness probe (if it has one) succeeded.
    public static func isReady(_ role: ContainerRole, _ c: ObservedContainer) -> Bool {
        guard isStarted(role, c) else { return false }
        return role.probes.readiness == nil || c.readinessProbe.result == .success
    }

    /// A start action for a container that has never run or that finished and may restart now;
    /// otherwise records when its back-off (or the retry after a configuration error) ends.
    static func startIfAllowed(
        _ role: ContainerRole, observed: ObservedPod, now: Timestamp, config: PlannerConfig,
        wakeups: inout [Timestamp]
    ) -> PodAction? {
        let c = observed[role.name]
        if let error = c.configError {
            // The pod worker retries a failed sync after its back-off period (the base delay).
            let retryAt = Timestamp(nanos: error.at.nanos + config.backoff.baseNanos)
            if retryAt > now {
                wakeups.append(retryAt)
                return nil
            }
        }
        guard let current = c.current else { return .start(container: role.name, backoff: nil) }
        guard let finishedAt = current.finishedAt else { return nil }
        // The kubelet kills a container whose liveness or startup probe failed and starts it
        // again in the same sync, before any back-off is looked at (SyncPod).
        if c.probeFailure != nil { return .start(container: role.name, backoff: nil) }
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
        // A container that has just started runs its postStart hook before anything else starts
        // (the kubelet starts containers one by one and waits for each hook).
        for role in shape.all where role.hasPostStart {
            let c = observed[role.name]
            if c.current?.isRunning == true && c.postStart == nil {
                return [.runHook(container: role.name, hook: .postStart)]
            }
        }
        if shape.all.contains(where: { observed[$0.name].inPostStart }) { return [] }

        var actions: [PodAction] = []
        // Sidecars before the frontier are kept running; they restart with back-off.
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
            if c.current == nil || (c.current.map { !$0.isRunning } == true && shouldRestart(role, c, policy: shape.restartPolicy)),
               let action = startIfAllowed(role, observed: observed, now: now, config: config, wakeups: &wakeups) {
                actions.append(action)
            }
            return actions
        }
        for role in shape.appContainers {
            let c = observed[role.name]
            if let current = c.current {
                guard !current.isRunning, shouldRestart(role, c, policy: shape.restartPolicy) else { continue }
            }
            if let action = startIfAllowed(role, observed: observed, now: now, config: config, wakeups: &wakeups) {
                actions.append(action)
            }
        }
        return actions
    }

    /// A failed postStart hook kills its container (the kubelet's killContainer with reason
    /// FailedPostStartHook and the pod's grace period); the restart policy then applies.
    static func hookFailureActions(
        shape: PodShape, observed: ObservedPod, now: Timestamp, wakeups: inout [Timestamp]
    ) -> [PodAction] {
        var actions: [PodAction] = []
        for role in shape.all {
            let c = observed[role.name]
            guard let hook = c.postStart, hook.failed, let since = hook.finishedAt else { continue }
            actions += stopActions(role, observed, shape: shape, since: since, graceNanos: shape.terminationGraceNanos,
                                   turn: true, runPreStop: false, now: now, wakeups: &wakeups)
        }
        return actions
    }

    /// Termination of every running container (deletion, or a pod that stopped): preStop hooks
    /// first, all at once; SIGTERM to the app containers and regular init containers; each
    /// sidecar once the app containers and the sidecars after it have exited (reverse order);
    /// SIGKILL when the grace period counted from `since` has passed (the kubelet's
    /// killContainersWithSyncResult with its termination ordering).
    static func terminationActions(
        shape: PodShape, observed: ObservedPod, since: Timestamp, graceNanos: Int64, now: Timestamp,
        wakeups: inout [Timestamp]
    ) -> [PodAction] {
        func isRunning(_ role: ContainerRole) -> Bool { observed[role.name].current?.isRunning == true }
        let appsRunning = shape.appContainers.contains(where: isRunning)
        var actions: [PodAction] = []
        for role in shape.appContainers {
            actions += stopActions(role, observed, shape: shape, since: since, graceNanos: graceNanos, turn: true,
                                   runPreStop: true, now: now, wakeups: &wakeups)
        }
        for (index, role) in shape.initContainers.enumerated() {
            var turn = true
            if role.kind == .sidecar {
                let later = shape.initContainers[(index + 1)...].filter { $0.kind == .sidecar }
                turn = !appsRunning && !later.contains(where: isRunning)
            }
            actions += stopActions(role, observed, shape: shape, since: since, graceNanos: graceNanos, turn: turn,
                                   runPreStop: true, now: now, wakeups: &wakeups)
        }
        return actions
    }

    /// The steps of stopping one container: preStop, then (on its turn) SIGTERM, then SIGKILL at
    /// the end of the grace period, but never sooner than the minimum window after SIGTERM.
    static func stopActions(
        _ role: ContainerRole, _ observed: ObservedPod, shape: PodShape, since: Timestamp, graceNanos: Int64, turn: Bool,
        runPreStop: Bool, now: Timestamp, wakeups: inout [Timestamp]
    ) -> [PodAction] {
        let c = observed[role.name]
        guard c.current?.isRunning == true else { return [] }
        func signal(_ number: Int32) -> PodAction {
            .signal(container: role.name, signal: number, reason: killReason(role, observed, policy: shape.restartPolicy))
        }
        if graceNanos <= 0 {
            return c.killed ? [] : [signal(SignalNumber.sigkill)]
        }
        let deadline = Timestamp(nanos: since.nanos + graceNanos)
        if c.stopRequestedAt == nil && now < deadline {
            // The preStop hook runs only when there is time left for it, and the grace clock
            // keeps running while it does.
            if runPreStop && role.hasPreStop && c.preStop == nil {
                wakeups.append(deadline)
                return [.runHook(container: role.name, hook: .preStop)]
            }
            if c.preStop?.isRunning == true || !turn {
                wakeups.append(deadline)
                return []
            }
        }
        guard let stopAt = c.stopRequestedAt else {
            return [signal(SignalNumber.sigterm)]
        }
        let killAt = Timestamp(nanos: max(deadline.nanos, stopAt.nanos + minimumGraceNanos))
        if now >= killAt {
            return c.killed ? [] : [signal(SignalNumber.sigkill)]
        }
        wakeups.append(killAt)
        return []
    }

    /// Why the container is stopped, as the kubelet's killContainer words it in the Killing
    /// event: its postStart hook failed (the reason FailedPostStartHook is the message), a
    /// liveness or startup probe failed (computePodActions' message; not once the pod is being
    /// deleted or evicted, which stops every container), or "Stopping container NAME".
    static func killReason(_ role: ContainerRole, _ observed: ObservedPod, policy: RestartPolicy) -> String {
        let c = observed[role.name]
        if c.postStart?.failed == true { return "FailedPostStartHook" }
        if observed.deletion == nil, observed.eviction == nil, let message = probeKillMessage(role, c, policy: policy) {
            return message
        }
        return "Stopping container \(role.name)"
    }

    /// When and why the pod stops on its own, if it does (see `PodStop`).
    static func podStop(
        shape: PodShape, observed: ObservedPod, progress: InitProgress, now: Timestamp, wakeups: inout [Timestamp]
    ) -> PodStop? {
        var finished: Timestamp?
        if let failed = progress.failedUnderNever {
            finished = failed
        } else if progress.complete {
            var last: Timestamp?
            for role in shape.appContainers {
                let c = observed[role.name]
                guard let current = c.current, let end = current.finishedAt,
                      !shouldRestart(role, c, policy: shape.restartPolicy) else {
                    last = nil
                    break
                }
                last = max(last ?? end, end)
            }
            finished = last
        }
        if let limit = shape.activeDeadlineNanos, let start = observed.startTime {
            let deadline = Timestamp(nanos: start.nanos + limit)
            if now >= deadline {
                if let finished, finished < deadline { return PodStop(since: finished, deadlineExceeded: false) }
                return PodStop(since: deadline, deadlineExceeded: true)
            }
            if finished == nil && observed.deletion == nil { wakeups.append(deadline) }
        }
        return finished.map { PodStop(since: $0, deadlineExceeded: false) }
    }
}

/// How far initialization has come, as the kubelet's computeInitContainerActions reads it from
/// the last init container that has a status: `frontier` is the index of the first one that is
/// not done (a regular one that has not succeeded, or a sidecar that has not started).
struct InitProgress {
    var frontier: Int
    /// When an init container failed under `restartPolicy: Never` (the pod fails).
    var failedUnderNever: Timestamp?
    var complete: Bool

    init(shape: PodShape, observed: ObservedPod) {
        var index = 0
        var failed: Timestamp?
        // Once an app container has run, initialization stays complete (the kubelet does not
        // run init containers again while the sandbox lives).
        let appsStarted = shape.appContainers.contains { observed[$0.name].current != nil }
        if appsStarted {
            index = shape.initContainers.count
        } else if let last = shape.initContainers.lastIndex(where: { observed[$0.name].current != nil }) {
            let role = shape.initContainers[last]
            let c = observed[role.name]
            index = last
            if role.kind == .sidecar {
                if Planner.isStarted(role, c) { index = last + 1 }
            } else if let current = c.current {
                if current.succeeded {
                    index = last + 1
                } else if !current.isRunning && shape.restartPolicy == .never {
                    failed = current.finishedAt
                }
            }
        }
        frontier = index
        failedUnderNever = failed
        complete = index == shape.initContainers.count
    }
}
