// Lifecycle rules of the kubelet against the pure planner, with a fake clock: phases, container
// states, conditions, hooks, ordered termination, the active deadline and configuration errors.

import PeapodRuntime
import PeapodSpec
import Testing

let sec: Int64 = 1_000_000_000

func app(_ name: String = "app", postStart: Bool = false, preStop: Bool = false) -> ContainerRole {
    ContainerRole(name: name, kind: .app, hasPostStart: postStart, hasPreStop: preStop)
}

func sidecar(_ name: String, postStart: Bool = false, preStop: Bool = false) -> ContainerRole {
    ContainerRole(name: name, kind: .sidecar, hasPostStart: postStart, hasPreStop: preStop)
}

func pod(_ policy: RestartPolicy = .always, init inits: [ContainerRole] = [], apps: [ContainerRole] = [app()],
         grace: Int64 = 30, deadline: Int64? = nil) -> PodShape {
    PodShape(podName: "web", initContainers: inits, appContainers: apps, restartPolicy: policy,
             terminationGraceSeconds: grace, activeDeadlineSeconds: deadline)
}

func waitingReason(_ s: PlannedContainerStatus) -> String? {
    if case let .waiting(reason, _) = s.state { return reason }
    return nil
}

func terminated(_ s: PlannedContainerStatus) -> Termination? {
    if case let .terminated(t) = s.state { return t }
    return nil
}

@Suite("Phase (getPhase)")
struct PhaseTableTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var shape: PodShape
        var containers: [String: ObservedContainer]
        var deleting: Bool = false
        var phase: PodPhase
        var testDescription: String { name }
    }

    static let initC = ContainerRole(name: "init", kind: .initContainer)

    static let cases: [Case] = [
        Case(name: "nothing started: Pending", shape: pod(), containers: [:], phase: .pending),
        Case(name: "running: Running", shape: pod(), containers: ["app": ObservedContainer(current: running("a", since: 0))], phase: .running),
        Case(name: "Always, exited 0, restarting: Running", shape: pod(.always),
             containers: ["app": ObservedContainer(current: finished("a", start: 0, end: 1, exit: 0))], phase: .running),
        Case(name: "OnFailure, exit 1 in back-off: Running", shape: pod(.onFailure),
             containers: ["app": ObservedContainer(current: finished("a", start: 0, end: 1, exit: 1),
                                                   backoff: BackoffEntry(delayNanos: 10 * sec, lastUpdate: at(0)))], phase: .running),
        Case(name: "OnFailure, exit 0: Succeeded", shape: pod(.onFailure),
             containers: ["app": ObservedContainer(current: finished("a", start: 0, end: 1, exit: 0))], phase: .succeeded),
        Case(name: "Never, exit 0: Succeeded", shape: pod(.never),
             containers: ["app": ObservedContainer(current: finished("a", start: 0, end: 1, exit: 0))], phase: .succeeded),
        Case(name: "Never, exit 1: Failed", shape: pod(.never),
             containers: ["app": ObservedContainer(current: finished("a", start: 0, end: 1, exit: 1))], phase: .failed),
        Case(name: "Never, one of two still running: Running", shape: pod(.never, apps: [app("a"), app("b")]),
             containers: ["a": ObservedContainer(current: finished("a", start: 0, end: 1, exit: 1)),
                          "b": ObservedContainer(current: running("b", since: 0))], phase: .running),
        Case(name: "Never, one of two not started yet: Pending", shape: pod(.never, apps: [app("a"), app("b")]),
             containers: ["a": ObservedContainer(current: running("a", since: 0))], phase: .pending),
        Case(name: "init running: Pending", shape: pod(.never, init: [initC]),
             containers: ["init": ObservedContainer(current: running("i", since: 0))], phase: .pending),
        Case(name: "init failed under Never: Failed", shape: pod(.never, init: [initC]),
             containers: ["init": ObservedContainer(current: finished("i", start: 0, end: 1, exit: 1))], phase: .failed),
        Case(name: "init failed under OnFailure: Pending", shape: pod(.onFailure, init: [initC]),
             containers: ["init": ObservedContainer(current: finished("i", start: 0, end: 1, exit: 1))], phase: .pending),
        Case(name: "sidecar running, app done under Never: Running until the sidecar stops", shape: pod(.never, init: [sidecar("s")]),
             containers: ["s": ObservedContainer(current: running("s", since: 0)),
                          "app": ObservedContainer(current: finished("a", start: 1, end: 2, exit: 0))], phase: .running),
        Case(name: "sidecar killed, app exit 0: Succeeded (the sidecar's exit code does not count)", shape: pod(.never, init: [sidecar("s")]),
             containers: ["s": ObservedContainer(current: finished("s", start: 0, end: 3, exit: 137, signal: 9)),
                          "app": ObservedContainer(current: finished("a", start: 1, end: 2, exit: 0))], phase: .succeeded),
        Case(name: "deleted Always pod, all killed by SIGTERM: Failed", shape: pod(.always),
             containers: ["app": ObservedContainer(current: finished("a", start: 0, end: 5, exit: 143, signal: 15))],
             deleting: true, phase: .failed),
        Case(name: "deleted Always pod whose container exited 0 on SIGTERM: Succeeded", shape: pod(.always),
             containers: ["app": ObservedContainer(current: finished("a", start: 0, end: 5, exit: 0))],
             deleting: true, phase: .succeeded),
    ]

    @Test(arguments: cases)
    func phase(_ c: Case) {
        var o = observed(c.containers)
        if c.deleting { o.deletion = PodDeletion(requestedAt: at(4), graceNanos: 30 * sec) }
        #expect(Planner.plan(shape: c.shape, observed: o, now: at(5)).status.phase == c.phase)
    }
}

@Suite("Container states")
struct ContainerStateTests {
    @Test("Waiting reasons before a container exists: ContainerCreating, or PodInitializing when the pod has init containers")
    func creatingReasons() {
        var plan = Planner.plan(shape: pod(), observed: observed([:]), now: at(0))
        #expect(waitingReason(plan.status.containerStatuses[0]) == "ContainerCreating")
        plan = Planner.plan(shape: pod(init: [ContainerRole(name: "i", kind: .initContainer)]), observed: observed([:]), now: at(0))
        #expect(waitingReason(plan.status.initContainerStatuses[0]) == "PodInitializing")
        #expect(waitingReason(plan.status.containerStatuses[0]) == "PodInitializing")
    }

    @Test("Terminated reasons and exit codes", arguments: [
        (ContainerInstance(id: "x", startedAt: at(0), finishedAt: at(1), exitCode: 0), "Completed", Int32(0)),
        (ContainerInstance(id: "x", startedAt: at(0), finishedAt: at(1), exitCode: 3), "Error", 3),
        (ContainerInstance(id: "x", startedAt: at(0), finishedAt: at(1), signal: 15), "Error", 143),
        (ContainerInstance(id: "x", startedAt: at(0), finishedAt: at(1), signal: 9), "Error", 137),
        (ContainerInstance(id: "x", startedAt: at(0), finishedAt: at(0), exitCode: 128, reason: "StartError", message: "exec: no such file"), "StartError", 128),
        (ContainerInstance(id: "x", startedAt: at(0), finishedAt: at(1), exitCode: 137, reason: "OOMKilled"), "OOMKilled", 137),
    ])
    func terminatedReasons(instance: ContainerInstance, reason: String, exitCode: Int32) {
        let plan = Planner.plan(shape: pod(.never), observed: observed(["app": ObservedContainer(current: instance)]), now: at(1))
        let t = terminated(plan.status.containerStatuses[0])
        #expect(t?.reason == reason)
        #expect(t?.exitCode == exitCode)
        #expect(t?.containerID == "peapod://x")
        #expect(plan.status.containerStatuses[0].started == false)
        #expect(plan.status.containerStatuses[0].ready == false)
    }

    @Test("lastState is the previous instance; restartCount counts restarts; CrashLoopBackOff message")
    func lastState() {
        var c = ObservedContainer(current: finished("a1", start: 0, end: 1, exit: 1))
        c.started(finished("a2", start: 1, end: 2, exit: 2))
        c.backoff = BackoffEntry(delayNanos: 10 * sec, lastUpdate: at(1))
        let plan = Planner.plan(shape: pod(.onFailure), observed: observed(["app": c]), now: at(3))
        let s = plan.status.containerStatuses[0]
        #expect(s.restartCount == 1)
        #expect(s.state == .waiting(reason: "CrashLoopBackOff",
                                    message: "back-off 10s restarting failed container=app pod=web_default(uid-1)"))
        // Waiting out a back-off, lastState is the instance that just finished.
        #expect(s.lastState?.exitCode == 2)
        #expect(plan.nextWakeup == at(12))
    }

    @Test("A configuration error: waiting CreateContainerConfigError, retried after the base delay")
    func configError() {
        let c = ObservedContainer(configError: ConfigError(message: "unable to find user nobody2", at: at(0)))
        var plan = Planner.plan(shape: pod(), observed: observed(["app": c]), now: at(1))
        #expect(plan.status.containerStatuses[0].state
                    == .waiting(reason: "CreateContainerConfigError", message: "unable to find user nobody2"))
        #expect(plan.actions.isEmpty)
        #expect(plan.nextWakeup == at(10))
        #expect(plan.status.phase == .pending)
        plan = Planner.plan(shape: pod(), observed: observed(["app": c]), now: at(10))
        #expect(plan.actions == [.start(container: "app", backoff: nil)])
    }

    @Test("started and ready: app and sidecar when running; a regular init container is ready once it succeeded")
    func startedReady() {
        let s = pod(.always, init: [ContainerRole(name: "i", kind: .initContainer), sidecar("s")])
        let plan = Planner.plan(shape: s, observed: observed([
            "i": ObservedContainer(current: finished("i", start: 0, end: 1, exit: 0)),
            "s": ObservedContainer(current: running("s", since: 1)),
            "app": ObservedContainer(current: running("a", since: 2)),
        ]), now: at(3))
        let (initStatus, side, main) = (plan.status.initContainerStatuses[0], plan.status.initContainerStatuses[1],
                                        plan.status.containerStatuses[0])
        #expect((initStatus.started, initStatus.ready) == (false, true))
        #expect((side.started, side.ready) == (true, true))
        #expect((main.started, main.ready) == (true, true))
        #expect(plan.status.conditions.allSatisfy { $0.status })
    }
}

@Suite("Conditions")
struct ConditionTableTests {
    func condition(_ plan: PodPlan, _ type: String) -> PlannedCondition? {
        plan.status.conditions.first { $0.type == type }
    }

    @Test("Initialized is False with the kubelet's message while init containers are incomplete")
    func notInitialized() {
        let s = pod(init: [ContainerRole(name: "i1", kind: .initContainer), ContainerRole(name: "i2", kind: .initContainer)])
        let plan = Planner.plan(shape: s, observed: observed(["i1": ObservedContainer(current: running("x", since: 0))]), now: at(1))
        let c = condition(plan, "Initialized")
        #expect(c?.status == false)
        #expect(c?.reason == "ContainersNotInitialized")
        #expect(c?.message == "containers with incomplete status: [i1 i2]")
        #expect(condition(plan, "Ready")?.message == "containers with unready status: [app]")
        #expect(condition(plan, "Ready")?.reason == "ContainersNotReady")
    }

    @Test("A Succeeded pod: Initialized True and Ready False, both with reason PodCompleted")
    func succeeded() {
        let plan = Planner.plan(shape: pod(.never), observed: observed(["app": ObservedContainer(current: finished("a", start: 0, end: 1, exit: 0))]), now: at(1))
        #expect(condition(plan, "Initialized")?.status == true)
        #expect(condition(plan, "Initialized")?.reason == "PodCompleted")
        #expect(condition(plan, "Ready")?.reason == "PodCompleted")
        #expect(condition(plan, "ContainersReady")?.reason == "PodCompleted")
        #expect(condition(plan, "PodReadyToStartContainers")?.status == false)
    }

    @Test("A Failed pod: ContainersNotReady naming the container (PodCompleted is only for Succeeded)")
    func failed() {
        let plan = Planner.plan(shape: pod(.never), observed: observed(["app": ObservedContainer(current: finished("a", start: 0, end: 1, exit: 1))]), now: at(1))
        #expect(condition(plan, "Ready")?.reason == "ContainersNotReady")
        #expect(condition(plan, "Ready")?.message == "containers with unready status: [app]")
        #expect(condition(plan, "Initialized")?.status == true)
    }
}

@Suite("Sidecars")
struct SidecarTests {
    @Test("The next init container waits until the sidecar has started (running and past its postStart hook)")
    func gatedOnStarted() {
        let s = pod(init: [sidecar("s", postStart: true), ContainerRole(name: "i", kind: .initContainer)])
        var c = ObservedContainer(current: running("s", since: 0))
        var plan = Planner.plan(shape: s, observed: observed(["s": c]), now: at(0))
        #expect(plan.actions == [.runHook(container: "s", hook: .postStart)])
        c.postStart = HookRun(startedAt: at(0))
        plan = Planner.plan(shape: s, observed: observed(["s": c]), now: at(1))
        #expect(plan.actions.isEmpty)
        #expect(plan.status.initContainerStatuses[0].started == false)
        c.postStart = HookRun(startedAt: at(0), finishedAt: at(1), exitCode: 0)
        plan = Planner.plan(shape: s, observed: observed(["s": c]), now: at(1))
        #expect(plan.actions == [.start(container: "i", backoff: nil)])
        #expect(plan.status.initContainerStatuses[0].started == true)
    }

    @Test("A sidecar is restarted whatever the restart policy, also after the app containers started")
    func alwaysRestarted() {
        let s = pod(.never, init: [sidecar("s")])
        let plan = Planner.plan(shape: s, observed: observed([
            "s": ObservedContainer(current: finished("s", start: 0, end: 2, exit: 0)),
            "app": ObservedContainer(current: running("a", since: 1)),
        ]), now: at(2))
        #expect(plan.actions == [.start(container: "s", backoff: BackoffEntry(delayNanos: 10 * sec, lastUpdate: at(2)))])
        #expect(plan.status.phase == .running)
    }

    @Test("Deletion: app containers first, then the sidecars in reverse order, each with the rest of the grace period")
    func reverseOrder() {
        let s = pod(init: [sidecar("s1"), sidecar("s2")], apps: [app("a"), app("b")])
        var o = observed([
            "s1": ObservedContainer(current: running("1", since: 0)), "s2": ObservedContainer(current: running("2", since: 0)),
            "a": ObservedContainer(current: running("a", since: 0)), "b": ObservedContainer(current: running("b", since: 0)),
        ])
        o.deletion = PodDeletion(requestedAt: at(10), graceNanos: 10 * sec)
        var plan = Planner.plan(shape: s, observed: o, now: at(10))
        #expect(plan.actions == [signal("a", 15), signal("b", 15)])
        o.containers["a"]?.stopRequestedAt = at(10)
        o.containers["b"]?.stopRequestedAt = at(10)
        o.containers["a"]?.current?.finishedAt = at(11)
        plan = Planner.plan(shape: s, observed: o, now: at(11))
        #expect(plan.actions.isEmpty, "b still runs: no sidecar is stopped yet")
        o.containers["b"]?.current?.finishedAt = at(13)
        plan = Planner.plan(shape: s, observed: o, now: at(13))
        #expect(plan.actions == [signal("s2", 15)])
        o.containers["s2"]?.stopRequestedAt = at(13)
        plan = Planner.plan(shape: s, observed: o, now: at(13))
        #expect(plan.actions.isEmpty)
        #expect(plan.nextWakeup == at(20), "the sidecar gets what is left of the grace period")
        o.containers["s2"]?.current?.finishedAt = at(14)
        plan = Planner.plan(shape: s, observed: o, now: at(14))
        #expect(plan.actions == [signal("s1", 15)])
        o.containers["s1"]?.stopRequestedAt = at(19)
        // Past the deadline, but SIGTERM came late: at least 2 s between SIGTERM and SIGKILL.
        plan = Planner.plan(shape: s, observed: o, now: at(20))
        #expect(plan.actions.isEmpty)
        #expect(plan.nextWakeup == at(21))
        plan = Planner.plan(shape: s, observed: o, now: at(21))
        #expect(plan.actions == [signal("s1", 9)])
    }

    @Test("A sidecar whose turn has not come by the deadline is stopped then")
    func turnAtDeadline() {
        let s = pod(init: [sidecar("s")])
        var o = observed(["s": ObservedContainer(current: running("1", since: 0)),
                          "app": ObservedContainer(current: running("a", since: 0), stopRequestedAt: at(10))])
        o.deletion = PodDeletion(requestedAt: at(10), graceNanos: 5 * sec)
        var plan = Planner.plan(shape: s, observed: o, now: at(12))
        #expect(plan.actions.isEmpty)
        #expect(plan.nextWakeup == at(15))
        plan = Planner.plan(shape: s, observed: o, now: at(15))
        #expect(plan.actions == [signal("app", 9), signal("s", 15)])
    }
}

@Suite("Lifecycle hooks")
struct HookTests {
    @Test("postStart runs right after the start; nothing else starts and the container is not Running until it is done")
    func postStart() {
        let s = pod(apps: [app("a", postStart: true), app("b")])
        var a = ObservedContainer(current: running("a", since: 0))
        var plan = Planner.plan(shape: s, observed: observed(["a": a]), now: at(0))
        #expect(plan.actions == [.runHook(container: "a", hook: .postStart)])
        a.postStart = HookRun(startedAt: at(0))
        plan = Planner.plan(shape: s, observed: observed(["a": a]), now: at(1))
        #expect(plan.actions.isEmpty)
        #expect(waitingReason(plan.status.containerStatuses[0]) == "ContainerCreating")
        #expect(plan.status.containerStatuses[0].started == false)
        a.postStart?.finishedAt = at(2)
        a.postStart?.exitCode = 0
        plan = Planner.plan(shape: s, observed: observed(["a": a]), now: at(2))
        #expect(plan.actions == [.start(container: "b", backoff: nil)])
        #expect(plan.status.containerStatuses[0].state == .running(startedAt: at(0)))
    }

    @Test("A failed postStart kills the container: SIGTERM, SIGKILL after the pod's grace period; then the restart policy applies")
    func postStartFails() {
        let s = pod(.onFailure, apps: [app("a", postStart: true)], grace: 3)
        var a = ObservedContainer(current: running("a", since: 0), postStart: HookRun(startedAt: at(0), finishedAt: at(1), exitCode: 1))
        var plan = Planner.plan(shape: s, observed: observed(["a": a]), now: at(1))
        #expect(plan.actions == [signal("a", 15, reason: "FailedPostStartHook")])
        a.stopRequestedAt = at(1)
        plan = Planner.plan(shape: s, observed: observed(["a": a]), now: at(1))
        #expect(plan.nextWakeup == at(4))
        plan = Planner.plan(shape: s, observed: observed(["a": a]), now: at(4))
        #expect(plan.actions == [signal("a", 9, reason: "FailedPostStartHook")])
        a.current?.finishedAt = at(4)
        a.current?.signal = 9
        plan = Planner.plan(shape: s, observed: observed(["a": a]), now: at(4))
        #expect(plan.actions == [.start(container: "a", backoff: BackoffEntry(delayNanos: 10 * sec, lastUpdate: at(4)))])
    }

    @Test("preStop runs before SIGTERM; the grace period counts from its start")
    func preStop() {
        let s = pod(apps: [app("a", preStop: true)])
        var o = observed(["a": ObservedContainer(current: running("a", since: 0))])
        o.deletion = PodDeletion(requestedAt: at(10), graceNanos: 5 * sec)
        var plan = Planner.plan(shape: s, observed: o, now: at(10))
        #expect(plan.actions == [.runHook(container: "a", hook: .preStop)])
        o.containers["a"]?.preStop = HookRun(startedAt: at(10))
        plan = Planner.plan(shape: s, observed: o, now: at(11))
        #expect(plan.actions.isEmpty)
        #expect(plan.nextWakeup == at(15))
        o.containers["a"]?.preStop = HookRun(startedAt: at(10), finishedAt: at(12), exitCode: 0)
        plan = Planner.plan(shape: s, observed: o, now: at(12))
        #expect(plan.actions == [signal("a", 15)])
        o.containers["a"]?.stopRequestedAt = at(12)
        plan = Planner.plan(shape: s, observed: o, now: at(12))
        #expect(plan.nextWakeup == at(15))
    }

    @Test("A preStop hook that outlasts the grace period: SIGTERM at the deadline, SIGKILL 2 s later")
    func preStopTooLong() {
        let s = pod(apps: [app("a", preStop: true)])
        var o = observed(["a": ObservedContainer(current: running("a", since: 0), preStop: HookRun(startedAt: at(10)))])
        o.deletion = PodDeletion(requestedAt: at(10), graceNanos: 5 * sec)
        var plan = Planner.plan(shape: s, observed: o, now: at(15))
        #expect(plan.actions == [signal("a", 15)])
        o.containers["a"]?.stopRequestedAt = at(15)
        plan = Planner.plan(shape: s, observed: o, now: at(15))
        #expect(plan.nextWakeup == at(17))
    }

    @Test("A failed preStop hook does not stop the termination")
    func preStopFails() {
        let s = pod(apps: [app("a", preStop: true)])
        var o = observed(["a": ObservedContainer(current: running("a", since: 0), preStop: HookRun(startedAt: at(10), finishedAt: at(10), exitCode: 1))])
        o.deletion = PodDeletion(requestedAt: at(10), graceNanos: 5 * sec)
        #expect(Planner.plan(shape: s, observed: o, now: at(10)).actions == [signal("a", 15)])
    }

    @Test("--grace-period=0 --force: SIGKILL at once, no preStop")
    func force() {
        let s = pod(init: [sidecar("s", preStop: true)], apps: [app("a", preStop: true)])
        var o = observed(["s": ObservedContainer(current: running("s", since: 0)), "a": ObservedContainer(current: running("a", since: 0))])
        o.deletion = PodDeletion(requestedAt: at(10), graceNanos: 0)
        let plan = Planner.plan(shape: s, observed: o, now: at(10))
        #expect(plan.actions == [signal("a", 9), signal("s", 9)])
    }
}

@Suite("activeDeadlineSeconds")
struct DeadlineTests {
    @Test("Before the deadline the planner wakes up at it; then the pod is Failed with DeadlineExceeded and its containers are killed")
    func exceeded() {
        let s = pod(deadline: 5)
        var o = observed(["app": ObservedContainer(current: running("a", since: 0))])
        var plan = Planner.plan(shape: s, observed: o, now: at(1))
        #expect(plan.nextWakeup == at(5))
        #expect(plan.status.phase == .running)
        plan = Planner.plan(shape: s, observed: o, now: at(5))
        #expect(plan.status.phase == .failed)
        #expect(plan.status.reason == "DeadlineExceeded")
        #expect(plan.status.message == "Pod was active on the node longer than the specified deadline")
        #expect(plan.actions == [signal("app", 15)])
        o.containers["app"]?.stopRequestedAt = at(5)
        o.containers["app"]?.current?.finishedAt = at(6)
        o.containers["app"]?.current?.signal = 15
        plan = Planner.plan(shape: s, observed: o, now: at(6))
        #expect(plan.actions.isEmpty, "no restart after the deadline")
        #expect(plan.status.phase == .failed)
        #expect(terminated(plan.status.containerStatuses[0])?.exitCode == 143)
    }

    @Test("A pod that finished before its deadline keeps its phase")
    func finishedBefore() {
        let s = pod(.never, deadline: 5)
        let plan = Planner.plan(shape: s, observed: observed(["app": ObservedContainer(current: finished("a", start: 0, end: 1, exit: 0))]), now: at(9))
        #expect(plan.status.phase == .succeeded)
        #expect(plan.status.reason == nil)
    }
}
