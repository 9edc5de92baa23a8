// Decisions about ending containers and pods that the planner takes and the supervisor only
// carries out, with a fake clock: why a container is killed (the Killing event's words), and
// `peapod run`'s removal of a pod once it has finished.

import PeapodRuntime
import PeapodSpec
import Testing

@Suite("Why a container is killed")
struct KillReasonTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var policy: RestartPolicy = .always
        var postStartFailed = false
        var livenessFailed = false
        var deleted = false
        var evicted = false
        var pastDeadline = false
        var reason: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "a deletion", deleted: true, reason: "Stopping container app"),
        Case(name: "an eviction", evicted: true, reason: "Stopping container app"),
        Case(name: "the active deadline", pastDeadline: true, reason: "Stopping container app"),
        Case(name: "a failed postStart hook", postStartFailed: true, reason: "FailedPostStartHook"),
        Case(name: "a failed postStart hook, then a deletion", postStartFailed: true, deleted: true,
             reason: "FailedPostStartHook"),
        Case(name: "a failed liveness probe", livenessFailed: true,
             reason: "Container app failed liveness probe, will be restarted"),
        Case(name: "a failed liveness probe under Never", policy: .never, livenessFailed: true,
             reason: "Container app failed liveness probe"),
        // The deletion ends the liveness worker with a success: it is the deletion that kills.
        Case(name: "a failed liveness probe, then a deletion", livenessFailed: true, deleted: true,
             reason: "Stopping container app"),
        Case(name: "a failed liveness probe, then an eviction", livenessFailed: true, evicted: true,
             reason: "Stopping container app"),
    ]

    @Test(arguments: cases)
    func reason(_ c: Case) {
        let role = ContainerRole(name: "app", kind: .app, hasPostStart: c.postStartFailed,
                                 probes: ContainerProbes(liveness: ProbeShape(periodSeconds: 1, failureThreshold: 1)))
        let s = PodShape(podName: "web", appContainers: [role], restartPolicy: c.policy, terminationGraceSeconds: 5,
                         activeDeadlineSeconds: c.pastDeadline ? 10 : nil)
        var container = ObservedContainer(current: running("a", since: 0))
        if c.postStartFailed { container.postStart = HookRun(startedAt: at(0), finishedAt: at(1), exitCode: 1) }
        if c.livenessFailed {
            container.livenessProbe.result = .failure
            container.livenessProbe.failedAt = at(1)
            container.livenessProbe.onHold = true
        }
        var o = observed(["app": container])
        if c.deleted { o.deletion = PodDeletion(requestedAt: at(1), graceNanos: 5 * sec) }
        if c.evicted { o.eviction = PodEviction(at: at(1), message: "evicted") }
        let now = c.pastDeadline ? at(10) : at(1)
        #expect(Planner.plan(shape: s, observed: o, now: now).actions == [signal("app", SignalNumber.sigterm, reason: c.reason)])
        // The SIGKILL at the end of the grace period says the same.
        o.containers["app"]?.stopRequestedAt = now
        let end = Timestamp(nanos: now.nanos + 5 * sec)
        #expect(Planner.plan(shape: s, observed: o, now: end).actions == [signal("app", SignalNumber.sigkill, reason: c.reason)])
    }

    @Test("A zero grace period kills at once, with the same words")
    func forcedDeletion() {
        var o = observed(["app": ObservedContainer(current: running("a", since: 0))])
        o.deletion = PodDeletion(requestedAt: at(1), graceNanos: 0)
        #expect(Planner.plan(shape: shape(), observed: o, now: at(1)).actions
                == [signal("app", SignalNumber.sigkill, reason: "Stopping container app")])
    }
}

@Suite("A finished pod removed (peapod run)")
struct RemoveOnFinishTests {
    let removing = PlannerConfig(removeOnFinish: true)

    @Test("Succeeded or Failed: a deletion with the pod's grace period, with the status it finished with",
          arguments: [(Int32(0), PodPhase.succeeded), (1, .failed)])
    func deletedOnceFinished(exit: Int32, phase: PodPhase) {
        let s = pod(.never, grace: 7)
        let o = observed(["app": ObservedContainer(current: finished("a", start: 0, end: 1, exit: exit))])
        let plan = Planner.plan(shape: s, observed: o, now: at(1), config: removing)
        #expect(plan.actions == [.delete(graceNanos: 7 * sec)])
        #expect(plan.status.phase == phase)
        // Without removeOnFinish (apply's pods) the finished pod stays.
        let kept = Planner.plan(shape: s, observed: o, now: at(1))
        #expect(kept.actions.isEmpty && kept.status.phase == phase)
    }

    @Test("Not while it runs, restarts, or has anything else to do")
    func notYet() {
        let runningPod = observed(["app": ObservedContainer(current: running("a", since: 0))])
        #expect(Planner.plan(shape: pod(.never), observed: runningPod, now: at(1), config: removing).actions.isEmpty)
        // OnFailure: a failed container restarts instead; the pod has not finished.
        let failed = observed(["app": ObservedContainer(current: finished("a", start: 0, end: 1, exit: 1))])
        let restart = Planner.plan(shape: pod(.onFailure), observed: failed, now: at(1), config: removing)
        #expect(restart.actions == [.start(container: "app", backoff: BackoffEntry(delayNanos: 10 * sec, lastUpdate: at(1)))])
    }

    @Test("A sidecar still running is stopped first; the deletion comes once nothing is left to do")
    func sidecarFirst() {
        let s = pod(.never, init: [sidecar("side")])
        var o = observed(["side": ObservedContainer(current: running("s", since: 0)),
                          "app": ObservedContainer(current: finished("a", start: 0.5, end: 1, exit: 0))])
        var plan = Planner.plan(shape: s, observed: o, now: at(1), config: removing)
        #expect(plan.actions == [signal("side", SignalNumber.sigterm)])
        o.containers["side"]?.stopRequestedAt = at(1)
        o.containers["side"]?.current?.finishedAt = at(1.5)
        o.containers["side"]?.current?.exitCode = 0
        plan = Planner.plan(shape: s, observed: o, now: at(1.5), config: removing)
        #expect(plan.actions == [.delete(graceNanos: 30 * sec)])
        #expect(plan.status.phase == .succeeded)
    }

    @Test("Once the deletion is recorded, the pod is torn down as any deleted pod")
    func thenTeardown() {
        var o = observed(["app": ObservedContainer(current: finished("a", start: 0, end: 1, exit: 0))])
        o.deletion = PodDeletion(requestedAt: at(1), graceNanos: 30 * sec)
        #expect(Planner.plan(shape: pod(.never), observed: o, now: at(1), config: removing).actions == [.teardown])
    }
}
