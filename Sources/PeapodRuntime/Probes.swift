// Probes as the kubelet's prober workers run them (docs/kubelet-semantics.md §6): the shape of
// each probe, what has been seen of it in the current instance, and the rules that turn results
// into readiness, `started`, and a kill. The supervisor runs the handlers; everything that
// decides when, and what a result means, is here, so a fake clock can test it.

import PeapodSpec

public enum ProbeKind: String, Sendable, Equatable, CaseIterable {
    case startup = "Startup"
    case liveness = "Liveness"
    case readiness = "Readiness"
}

/// One probe of a container, with the API server's defaults applied.
public struct ProbeShape: Sendable, Equatable {
    public var initialDelayNanos: Int64
    public var periodNanos: Int64
    public var timeoutNanos: Int64
    public var successThreshold: Int
    public var failureThreshold: Int
    /// The probe's own terminationGracePeriodSeconds (liveness and startup): the grace of the
    /// kill its failure causes, instead of the pod's.
    public var terminationGraceNanos: Int64?

    public init(
        initialDelaySeconds: Int64 = 0, periodSeconds: Int64 = 10, timeoutSeconds: Int64 = 1,
        successThreshold: Int = 1, failureThreshold: Int = 3, terminationGraceSeconds: Int64? = nil
    ) {
        initialDelayNanos = initialDelaySeconds * 1_000_000_000
        periodNanos = periodSeconds * 1_000_000_000
        timeoutNanos = timeoutSeconds * 1_000_000_000
        self.successThreshold = successThreshold
        self.failureThreshold = failureThreshold
        terminationGraceNanos = terminationGraceSeconds.map { $0 * 1_000_000_000 }
    }

    public init(_ probe: Probe) {
        self.init(
            initialDelaySeconds: Int64(probe.initialDelaySeconds), periodSeconds: Int64(probe.periodSeconds),
            timeoutSeconds: Int64(probe.timeoutSeconds), successThreshold: Int(probe.successThreshold),
            failureThreshold: Int(probe.failureThreshold), terminationGraceSeconds: probe.terminationGracePeriodSeconds)
    }
}

/// A container's probes (nil: the container has no such probe).
public struct ContainerProbes: Sendable, Equatable {
    public var startup: ProbeShape?
    public var liveness: ProbeShape?
    public var readiness: ProbeShape?

    public init(startup: ProbeShape? = nil, liveness: ProbeShape? = nil, readiness: ProbeShape? = nil) {
        self.startup = startup
        self.liveness = liveness
        self.readiness = readiness
    }

    public subscript(kind: ProbeKind) -> ProbeShape? {
        switch kind {
        case .startup: return startup
        case .liveness: return liveness
        case .readiness: return readiness
        }
    }

    public var isEmpty: Bool { startup == nil && liveness == nil && readiness == nil }
}

public enum ProbeResult: Sendable, Equatable {
    case success
    case failure
}

/// What has been seen of one probe in the container's current instance (the kubelet's worker
/// and its results manager).
public struct ProbeState: Sendable, Equatable {
    /// The result that counts, once a threshold was reached; nil is the worker's initial value
    /// (readiness: not ready; liveness: alive; startup: unknown).
    public var result: ProbeResult?
    /// When `result` became a failure (a liveness or startup failure kills from that moment).
    public var failedAt: Timestamp?
    /// The last run's outcome and how many runs in a row had it.
    public var last: ProbeResult?
    public var run: Int
    /// When the last run started; the next one is due a period later.
    public var lastRunAt: Timestamp?
    /// A run has been started and has not reported yet.
    public var inFlight: Bool
    /// After a liveness or startup failure the worker stops probing until the next instance.
    public var onHold: Bool

    public init() {
        result = nil
        failedAt = nil
        last = nil
        run = 0
        lastRunAt = nil
        inFlight = false
        onHold = false
    }

    /// The state a new instance of the container starts with. The kubelet keeps one worker per
    /// container across restarts: its result goes back to the initial value and a hold ends,
    /// but the run count and the period's rhythm carry on (a container that a failed probe
    /// killed is probed again a period after the last run, not the moment it restarts).
    public func forNewInstance() -> ProbeState {
        var next = ProbeState()
        next.last = last
        next.run = run
        next.lastRunAt = lastRunAt
        return next
    }

    /// A run started now.
    public mutating func started(at now: Timestamp) {
        lastRunAt = now
        inFlight = true
    }

    /// A run ended with `outcome`: the counts move, and the result changes once the outcome has
    /// been seen `successThreshold` or `failureThreshold` times in a row.
    public mutating func finished(_ outcome: ProbeResult, kind: ProbeKind, shape: ProbeShape, at now: Timestamp) {
        inFlight = false
        if last == outcome {
            run += 1
        } else {
            last = outcome
            run = 1
        }
        let threshold = outcome == .success ? shape.successThreshold : shape.failureThreshold
        guard run >= threshold else { return }
        if outcome == .failure && result != .failure { failedAt = now }
        result = outcome
        if outcome == .failure && kind != .readiness {
            onHold = true
            run = 0
        }
    }
}

extension ObservedContainer {
    public subscript(probe kind: ProbeKind) -> ProbeState {
        get {
            switch kind {
            case .startup: return startupProbe
            case .liveness: return livenessProbe
            case .readiness: return readinessProbe
            }
        }
        set {
            switch kind {
            case .startup: startupProbe = newValue
            case .liveness: livenessProbe = newValue
            case .readiness: readinessProbe = newValue
            }
        }
    }

    /// The liveness or startup probe whose failure condemned the current instance, if one did.
    public var probeFailure: (kind: ProbeKind, at: Timestamp)? {
        if let at = livenessProbe.failedAt, livenessProbe.result == .failure { return (.liveness, at) }
        if let at = startupProbe.failedAt, startupProbe.result == .failure { return (.startup, at) }
        return nil
    }
}

extension Planner {
    /// The Killing event's message for a container killed because a probe failed (the kubelet's
    /// computePodActions); nil when no probe failed.
    static func probeKillMessage(_ role: ContainerRole, _ c: ObservedContainer, policy: RestartPolicy) -> String? {
        guard let failure = c.probeFailure else { return nil }
        let what = failure.kind == .liveness ? "liveness" : "startup"
        // A sidecar is restarted by the init containers' rules, which say so without the suffix
        // (computeInitContainerActions).
        if role.kind == .sidecar { return "Init container \(role.name) failed \(what) probe" }
        return "Container \(role.name) failed \(what) probe" + (policy != .never ? ", will be restarted" : "")
    }

    /// Whether the probe may run in the container's current instance at all: the container runs
    /// and is past postStart; startup probes until the container has started, liveness and
    /// readiness after; liveness and startup stop once the pod is being deleted or stops, or
    /// after their own failure; readiness goes on while the container runs.
    static func probeActive(
        _ kind: ProbeKind, _ role: ContainerRole, _ c: ObservedContainer, podStopping: Bool
    ) -> Bool {
        guard role.probes[kind] != nil, let current = c.current, current.isRunning else { return false }
        if role.hasPostStart {
            guard let hook = c.postStart, !hook.isRunning, !hook.failed else { return false }
        }
        let state = c[probe: kind]
        if state.onHold { return false }
        let started = isStarted(role, c)
        switch kind {
        case .startup:
            return !started && !podStopping && c.stopRequestedAt == nil
        case .liveness:
            return started && !podStopping && c.stopRequestedAt == nil
        case .readiness:
            return started
        }
    }

    /// Probe runs that are due now, and timeouts of runs that took too long; the next due time
    /// goes into `wakeups`. A run comes initialDelaySeconds after the instance started at the
    /// earliest, and periodSeconds after the previous run started (also the previous
    /// instance's), at once when both have passed.
    static func probeActions(
        shape: PodShape, observed: ObservedPod, podStopping: Bool, now: Timestamp, wakeups: inout [Timestamp]
    ) -> [PodAction] {
        var actions: [PodAction] = []
        for role in shape.all where !role.probes.isEmpty {
            let c = observed[role.name]
            guard let current = c.current, current.isRunning else { continue }
            for kind in ProbeKind.allCases {
                guard let probe = role.probes[kind] else { continue }
                let state = c[probe: kind]
                if state.inFlight, let startedAt = state.lastRunAt {
                    // A run in flight is cut off at its timeout whatever else happened.
                    let deadline = Timestamp(nanos: startedAt.nanos + probe.timeoutNanos)
                    if now >= deadline {
                        actions.append(.probeTimedOut(container: role.name, probe: kind))
                    } else {
                        wakeups.append(deadline)
                    }
                    continue
                }
                guard probeActive(kind, role, c, podStopping: podStopping) else { continue }
                var due = Timestamp(nanos: current.startedAt.nanos + probe.initialDelayNanos)
                if let last = state.lastRunAt { due = max(due, Timestamp(nanos: last.nanos + probe.periodNanos)) }
                if now >= due {
                    actions.append(.runProbe(container: role.name, probe: kind))
                } else {
                    wakeups.append(due)
                }
            }
        }
        return actions
    }

    /// A liveness or startup failure kills the container (preStop, SIGTERM, SIGKILL after the
    /// probe's grace or the pod's), as the kubelet's computePodActions and killContainer do.
    static func probeFailureActions(
        shape: PodShape, observed: ObservedPod, now: Timestamp, wakeups: inout [Timestamp]
    ) -> [PodAction] {
        var actions: [PodAction] = []
        for role in shape.all where !role.probes.isEmpty {
            let c = observed[role.name]
            guard let failure = c.probeFailure else { continue }
            let grace = role.probes[failure.kind]?.terminationGraceNanos ?? shape.terminationGraceNanos
            actions += stopActions(role, observed, shape: shape, since: failure.at, graceNanos: grace, turn: true,
                                   runPreStop: true, now: now, wakeups: &wakeups)
        }
        return actions
    }
}

/// The port of a tcpSocket or httpGet handler: a number, or the name of one of the container's
/// ports (the kubelet's ResolveContainerPort, with its error texts).
public enum ProbePort {
    public static func resolve(_ port: IntOrString, in container: Container) -> Result<Int, ProbePortError> {
        var number: Int
        switch port {
        case let .int(n):
            number = Int(n)
        case let .string(name):
            if let named = container.ports.first(where: { $0.name == name }) {
                number = Int(named.containerPort)
            } else if let n = Int(name) {
                number = n
            } else {
                return .failure(ProbePortError(message: "strconv.Atoi: parsing \(goQuote(name)): invalid syntax"))
            }
        }
        guard number > 0 && number < 65536 else { return .failure(ProbePortError(message: "invalid port number: \(number)")) }
        return .success(number)
    }
}

public struct ProbePortError: Error, Equatable {
    public var message: String
}
