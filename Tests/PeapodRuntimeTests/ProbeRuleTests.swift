// Probes (docs/kubelet-semantics.md §6) against a fake clock: when runs are due, how
// thresholds turn runs into results, and what a result does to readiness, `started` and the
// container's life.

import PeapodRuntime
import PeapodSpec
import Testing

/// One app container "app" with the given probes.
func probeShape(
    _ probes: ContainerProbes, policy: RestartPolicy = .always, grace: Int64 = 30, postStart: Bool = false
) -> PodShape {
    PodShape(podName: "web", appContainers: [ContainerRole(name: "app", kind: .app, hasPostStart: postStart, probes: probes)],
             restartPolicy: policy, terminationGraceSeconds: grace)
}

/// What the supervisor does with probe actions, with the outcome the test chooses.
func runProbes(_ pod: inout ObservedPod, _ shape: PodShape, at now: Timestamp, outcome: (ProbeKind) -> ProbeResult) -> [PodAction] {
    let plan = Planner.plan(shape: shape, observed: pod, now: now)
    for action in plan.actions {
        guard case let .runProbe(name, kind) = action else { continue }
        pod[name][probe: kind].started(at: now)
        pod[name][probe: kind].finished(outcome(kind), kind: kind, shape: shape.role(name)!.probes[kind]!, at: now)
    }
    return plan.actions
}

func probeRuns(_ actions: [PodAction]) -> [ProbeKind] {
    actions.compactMap { if case let .runProbe(_, kind) = $0 { return kind } else { return nil } }
}

@Suite("Probes")
struct ProbeRuleTests {
    @Test("The first run comes initialDelaySeconds after the start, then one every periodSeconds")
    func schedule() {
        let s = probeShape(ContainerProbes(liveness: ProbeShape(initialDelaySeconds: 5, periodSeconds: 10)))
        var pod = observed(["app": ObservedContainer(current: running("a", since: 0))])
        var plan = Planner.plan(shape: s, observed: pod, now: at(1))
        #expect(plan.actions.isEmpty)
        #expect(plan.nextWakeup == at(5))
        plan = Planner.plan(shape: s, observed: pod, now: at(5))
        #expect(plan.actions == [.runProbe(container: "app", probe: .liveness)])
        pod["app"][probe: .liveness].started(at: at(5))
        // While the run is in flight, the next moment of interest is its timeout (1 s).
        plan = Planner.plan(shape: s, observed: pod, now: at(5.2))
        #expect(plan.actions.isEmpty)
        #expect(plan.nextWakeup == at(6))
        pod["app"][probe: .liveness].finished(.success, kind: .liveness, shape: s.appContainers[0].probes.liveness!, at: at(5.3))
        plan = Planner.plan(shape: s, observed: pod, now: at(5.3))
        #expect(plan.actions.isEmpty)
        #expect(plan.nextWakeup == at(15))
    }

    @Test("A run that outlives timeoutSeconds is cut off")
    func timeout() {
        let s = probeShape(ContainerProbes(readiness: ProbeShape(timeoutSeconds: 2)))
        var pod = observed(["app": ObservedContainer(current: running("a", since: 0))])
        pod["app"][probe: .readiness].started(at: at(0))
        #expect(Planner.plan(shape: s, observed: pod, now: at(1.9)).actions.isEmpty)
        #expect(Planner.plan(shape: s, observed: pod, now: at(2)).actions == [.probeTimedOut(container: "app", probe: .readiness)])
    }

    @Test("Readiness: unready until successThreshold successes, unready again after failureThreshold failures; never a kill")
    func readiness() {
        let s = probeShape(ContainerProbes(readiness: ProbeShape(periodSeconds: 1, successThreshold: 2, failureThreshold: 2)))
        var pod = observed(["app": ObservedContainer(current: running("a", since: 0))])
        func ready(_ now: Timestamp) -> Bool {
            let status = Planner.plan(shape: s, observed: pod, now: now).status
            #expect(status.containerStatuses[0].started)
            let condition = status.conditions.first { $0.type == "Ready" }!
            #expect(condition.status == status.containerStatuses[0].ready)
            return status.containerStatuses[0].ready
        }
        #expect(!ready(at(0)))
        #expect(probeRuns(runProbes(&pod, s, at: at(0)) { _ in .success }) == [.readiness])
        #expect(!ready(at(0.5)))
        _ = runProbes(&pod, s, at: at(1)) { _ in .success }
        #expect(ready(at(1.5)))
        _ = runProbes(&pod, s, at: at(2)) { _ in .failure }
        #expect(ready(at(2.5)))
        let actions = runProbes(&pod, s, at: at(3)) { _ in .failure }
        #expect(!ready(at(3.5)))
        #expect(!actions.contains { if case .signal = $0 { return true } else { return false } })
        // It keeps probing, and comes back.
        _ = runProbes(&pod, s, at: at(4)) { _ in .success }
        _ = runProbes(&pod, s, at: at(5)) { _ in .success }
        #expect(ready(at(5.5)))
        let condition = Planner.plan(shape: s, observed: pod, now: at(5.5)).status.conditions.first { $0.type == "ContainersReady" }
        #expect(condition?.status == true)
    }

    @Test("Liveness: failureThreshold failures kill the container once, with the probe's own grace; it restarts at once")
    func livenessKill() {
        let s = probeShape(ContainerProbes(liveness: ProbeShape(periodSeconds: 1, failureThreshold: 3, terminationGraceSeconds: 5)))
        var pod = observed(["app": ObservedContainer(current: running("a", since: 0))])
        _ = runProbes(&pod, s, at: at(0)) { _ in .failure }
        _ = runProbes(&pod, s, at: at(1)) { _ in .failure }
        #expect(Planner.plan(shape: s, observed: pod, now: at(1.5)).status.containerStatuses[0].ready)
        var actions = runProbes(&pod, s, at: at(2)) { _ in .failure }
        #expect(probeRuns(actions) == [.liveness])
        let plan = Planner.plan(shape: s, observed: pod, now: at(2))
        let killed = "Container app failed liveness probe, will be restarted"
        #expect(plan.actions == [signal("app", SignalNumber.sigterm, reason: killed)])
        pod["app"].stopRequestedAt = at(2)
        // No more liveness runs for this instance; SIGKILL when the probe's grace has passed.
        actions = Planner.plan(shape: s, observed: pod, now: at(6)).actions
        #expect(actions.isEmpty)
        #expect(Planner.plan(shape: s, observed: pod, now: at(6)).nextWakeup == at(7))
        #expect(Planner.plan(shape: s, observed: pod, now: at(7)).actions == [signal("app", SignalNumber.sigkill, reason: killed)])
        // It exits; the new instance starts at once, without back-off, and probes afresh.
        pod["app"].current?.finishedAt = at(7.1)
        pod["app"].current?.exitCode = 137
        pod["app"].backoff = BackoffEntry(delayNanos: 40_000_000_000, lastUpdate: at(0))
        #expect(Planner.plan(shape: s, observed: pod, now: at(7.1)).actions == [.start(container: "app", backoff: nil)])
        pod["app"].started(running("b", since: 7.2))
        let fresh = pod["app"].livenessProbe
        #expect(fresh.result == nil && !fresh.onHold && !fresh.inFlight && fresh.lastRunAt == at(2))
        #expect(Planner.plan(shape: s, observed: pod, now: at(7.2)).actions == [.runProbe(container: "app", probe: .liveness)])
    }

    @Test("A container restarted by its liveness probe is probed again a period after the last run, not at once")
    func livenessRhythmAcrossRestarts() {
        let s = probeShape(ContainerProbes(liveness: ProbeShape(periodSeconds: 1, failureThreshold: 1)))
        var pod = observed(["app": ObservedContainer(current: running("a", since: 0))])
        _ = runProbes(&pod, s, at: at(0)) { _ in .failure }
        pod["app"].stopRequestedAt = at(0)
        pod["app"].current?.finishedAt = at(0.05)
        pod["app"].current?.exitCode = 143
        #expect(Planner.plan(shape: s, observed: pod, now: at(0.05)).actions == [.start(container: "app", backoff: nil)])
        pod["app"].started(running("b", since: 0.06))
        let plan = Planner.plan(shape: s, observed: pod, now: at(0.06))
        #expect(plan.actions.isEmpty)
        #expect(plan.nextWakeup == at(1))
        #expect(probeRuns(runProbes(&pod, s, at: at(1)) { _ in .success }) == [.liveness])
    }

    @Test("A sidecar killed by its probe: the init containers' wording, and it restarts under any policy")
    func sidecarProbeKill() {
        let side = ContainerRole(name: "side", kind: .sidecar,
                                 probes: ContainerProbes(liveness: ProbeShape(periodSeconds: 1, failureThreshold: 1)))
        let s = PodShape(podName: "web", initContainers: [side], appContainers: [ContainerRole(name: "app", kind: .app)],
                         restartPolicy: .never)
        var pod = observed(["side": ObservedContainer(current: running("s", since: 0)),
                            "app": ObservedContainer(current: running("a", since: 0.1))])
        _ = runProbes(&pod, s, at: at(0.2)) { _ in .failure }
        #expect(Planner.plan(shape: s, observed: pod, now: at(0.2)).actions
                == [signal("side", SignalNumber.sigterm, reason: "Init container side failed liveness probe")])
        pod["side"].stopRequestedAt = at(0.2)
        pod["side"].current?.finishedAt = at(0.3)
        pod["side"].current?.exitCode = 0
        #expect(Planner.plan(shape: s, observed: pod, now: at(0.3)).actions == [.start(container: "side", backoff: nil)])
    }

    @Test("A deletion ends liveness and startup with a success: a starting container counts as started")
    func deletionQuietShutdown() {
        let s = probeShape(ContainerProbes(startup: ProbeShape(periodSeconds: 1, failureThreshold: 10),
                                           readiness: ProbeShape(periodSeconds: 1)))
        var pod = observed(["app": ObservedContainer(current: running("a", since: 0))])
        _ = runProbes(&pod, s, at: at(0)) { _ in .failure }
        #expect(!Planner.plan(shape: s, observed: pod, now: at(0.5)).status.containerStatuses[0].started)
        pod.deletion = PodDeletion(requestedAt: at(0.5), graceNanos: 30_000_000_000)
        let plan = Planner.plan(shape: s, observed: pod, now: at(1))
        #expect(plan.status.containerStatuses[0].started)
        #expect(probeRuns(plan.actions) == [.readiness])
    }

    @Test("A container killed by its liveness probe restarts under OnFailure even after exit 0, and not under Never",
          arguments: [(RestartPolicy.onFailure, true), (.never, false)])
    func livenessKillAndPolicy(policy: RestartPolicy, restarts: Bool) {
        let s = probeShape(ContainerProbes(liveness: ProbeShape(periodSeconds: 1, failureThreshold: 1)), policy: policy)
        var pod = observed(["app": ObservedContainer(current: running("a", since: 0))])
        _ = runProbes(&pod, s, at: at(0)) { _ in .failure }
        #expect(Planner.plan(shape: s, observed: pod, now: at(0)).actions
                == [signal("app", SignalNumber.sigterm,
                           reason: "Container app failed liveness probe" + (restarts ? ", will be restarted" : ""))])
        pod["app"].stopRequestedAt = at(0)
        pod["app"].current?.finishedAt = at(1)
        pod["app"].current?.exitCode = 0
        let plan = Planner.plan(shape: s, observed: pod, now: at(1))
        #expect(plan.actions == (restarts ? [.start(container: "app", backoff: nil)] : []))
        if !restarts { #expect(plan.status.phase == .succeeded) }
    }

    @Test("A startup probe holds back liveness and readiness, and `started`, until it succeeds")
    func startupGates() {
        let s = probeShape(ContainerProbes(
            startup: ProbeShape(periodSeconds: 1, failureThreshold: 5), liveness: ProbeShape(periodSeconds: 1),
            readiness: ProbeShape(periodSeconds: 1)))
        var pod = observed(["app": ObservedContainer(current: running("a", since: 0))])
        #expect(probeRuns(runProbes(&pod, s, at: at(0)) { _ in .failure }) == [.startup])
        var status = Planner.plan(shape: s, observed: pod, now: at(0.5)).status.containerStatuses[0]
        #expect(!status.started && !status.ready)
        #expect(status.state == .running(startedAt: at(0)))
        #expect(probeRuns(runProbes(&pod, s, at: at(1)) { _ in .success }) == [.startup])
        status = Planner.plan(shape: s, observed: pod, now: at(1)).status.containerStatuses[0]
        #expect(status.started && !status.ready)
        // Started: liveness and readiness now run; the startup probe does not run again.
        #expect(probeRuns(runProbes(&pod, s, at: at(1)) { _ in .success }) == [.liveness, .readiness])
        #expect(Planner.plan(shape: s, observed: pod, now: at(1.5)).status.containerStatuses[0].ready)
        #expect(probeRuns(runProbes(&pod, s, at: at(2)) { _ in .success }) == [.liveness, .readiness])
    }

    @Test("A startup probe that fails failureThreshold times kills the container as a liveness failure would")
    func startupFailure() {
        let s = probeShape(ContainerProbes(startup: ProbeShape(periodSeconds: 1, failureThreshold: 2)), grace: 3)
        var pod = observed(["app": ObservedContainer(current: running("a", since: 0))])
        _ = runProbes(&pod, s, at: at(0)) { _ in .failure }
        _ = runProbes(&pod, s, at: at(1)) { _ in .failure }
        let killed = "Container app failed startup probe, will be restarted"
        #expect(Planner.plan(shape: s, observed: pod, now: at(1)).actions == [signal("app", SignalNumber.sigterm, reason: killed)])
        pod["app"].stopRequestedAt = at(1)
        // The pod's grace (3 s) counts from the failure.
        #expect(Planner.plan(shape: s, observed: pod, now: at(3.9)).actions.isEmpty)
        #expect(Planner.plan(shape: s, observed: pod, now: at(4)).actions == [signal("app", SignalNumber.sigkill, reason: killed)])
    }

    @Test("Probes wait for postStart to finish")
    func afterPostStart() {
        let s = probeShape(ContainerProbes(readiness: ProbeShape(periodSeconds: 1)), postStart: true)
        var pod = observed(["app": ObservedContainer(current: running("a", since: 0), postStart: HookRun(startedAt: at(0)))])
        #expect(Planner.plan(shape: s, observed: pod, now: at(0.5)).actions.isEmpty)
        pod["app"].postStart?.finishedAt = at(0.6)
        pod["app"].postStart?.exitCode = 0
        #expect(Planner.plan(shape: s, observed: pod, now: at(0.6)).actions == [.runProbe(container: "app", probe: .readiness)])
    }

    @Test("During deletion liveness and startup stop; readiness goes on while the container runs")
    func deletion() {
        let s = probeShape(ContainerProbes(liveness: ProbeShape(periodSeconds: 1), readiness: ProbeShape(periodSeconds: 1)))
        var pod = observed(["app": ObservedContainer(current: running("a", since: 0))])
        _ = runProbes(&pod, s, at: at(0)) { _ in .success }
        pod.deletion = PodDeletion(requestedAt: at(0.5), graceNanos: 30_000_000_000)
        pod["app"].stopRequestedAt = at(0.5)
        let plan = Planner.plan(shape: s, observed: pod, now: at(1))
        #expect(probeRuns(plan.actions) == [.readiness])
    }

    @Test("A sidecar's startup probe holds back the next init container")
    func sidecarStartup() {
        let s = PodShape(
            podName: "web",
            initContainers: [ContainerRole(name: "side", kind: .sidecar, probes: ContainerProbes(startup: ProbeShape(periodSeconds: 1))),
                             ContainerRole(name: "init", kind: .initContainer)],
            appContainers: [ContainerRole(name: "app", kind: .app)])
        var pod = observed(["side": ObservedContainer(current: running("s", since: 0))])
        #expect(Planner.plan(shape: s, observed: pod, now: at(0)).actions == [.runProbe(container: "side", probe: .startup)])
        pod["side"][probe: .startup].started(at: at(0))
        pod["side"][probe: .startup].finished(.success, kind: .startup, shape: ProbeShape(periodSeconds: 1), at: at(0.1))
        #expect(Planner.plan(shape: s, observed: pod, now: at(0.1)).actions == [.start(container: "init", backoff: nil)])
    }

    @Test("Thresholds count runs in a row")
    func thresholds() {
        let p = ProbeShape(successThreshold: 1, failureThreshold: 3)
        var state = ProbeState()
        for (i, outcome) in [ProbeResult.failure, .failure, .success, .failure, .failure].enumerated() {
            state.started(at: at(Double(i)))
            state.finished(outcome, kind: .liveness, shape: p, at: at(Double(i)))
        }
        #expect(state.result == .success)
        state.finished(.failure, kind: .liveness, shape: p, at: at(5))
        #expect(state.result == .failure && state.failedAt == at(5) && state.onHold)
    }
}
