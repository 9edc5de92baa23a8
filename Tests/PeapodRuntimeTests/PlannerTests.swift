// The planner's rules, one table per concern, with a fake clock (plain timestamps).

import PeapodRuntime
import PeapodSpec
import Testing

let t0 = Timestamp(seconds: 1_800_000_000)

func at(_ seconds: Double) -> Timestamp {
    Timestamp(nanos: t0.nanos + Int64(seconds * 1e9))
}

func shape(_ policy: RestartPolicy = .always, init inits: [ContainerRole] = [], apps: [String] = ["app"]) -> PodShape {
    PodShape(podName: "web", initContainers: inits, appContainers: apps.map { ContainerRole(name: $0, kind: .app) },
             restartPolicy: policy)
}

func finished(_ id: String, start: Double, end: Double, exit: Int32, signal: Int32? = nil) -> ContainerInstance {
    ContainerInstance(id: id, startedAt: at(start), finishedAt: at(end), exitCode: exit, signal: signal)
}

func running(_ id: String, since: Double) -> ContainerInstance {
    ContainerInstance(id: id, startedAt: at(since))
}

/// `signal` to the container, for the Killing event's `reason`: by default a deletion's or a
/// stopping pod's.
func signal(_ name: String, _ number: Int32, reason: String? = nil) -> PodAction {
    .signal(container: name, signal: number, reason: reason ?? "Stopping container \(name)")
}

func observed(_ containers: [String: ObservedContainer]) -> ObservedPod {
    ObservedPod(podUID: "uid-1", sandboxReady: true, sandboxReadyAt: t0, startTime: t0, containers: containers)
}

@Suite("Restart policy")
struct RestartPolicyTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var policy: RestartPolicy
        var exit: Int32
        var restarts: Bool
        var terminalPhase: PodPhase?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "Always restarts exit 0", policy: .always, exit: 0, restarts: true, terminalPhase: nil),
        Case(name: "Always restarts exit 1", policy: .always, exit: 1, restarts: true, terminalPhase: nil),
        Case(name: "OnFailure does not restart exit 0", policy: .onFailure, exit: 0, restarts: false, terminalPhase: .succeeded),
        Case(name: "OnFailure restarts exit 1", policy: .onFailure, exit: 1, restarts: true, terminalPhase: nil),
        Case(name: "Never does not restart exit 0", policy: .never, exit: 0, restarts: false, terminalPhase: .succeeded),
        Case(name: "Never does not restart exit 1 and the pod fails", policy: .never, exit: 1, restarts: false, terminalPhase: .failed),
    ]

    @Test(arguments: cases)
    func rule(_ c: Case) {
        let pod = observed(["app": ObservedContainer(current: finished("a1", start: 0, end: 1, exit: c.exit))])
        let plan = Planner.plan(shape: shape(c.policy), observed: pod, now: at(1))
        #expect(plan.actions.contains { if case .start("app", _) = $0 { return true }; return false } == c.restarts)
        if let phase = c.terminalPhase {
            #expect(plan.status.phase == phase)
        } else {
            #expect(plan.status.phase == .running)
        }
    }
}

@Suite("CrashLoopBackOff")
struct BackoffTests {
    @Test("The first restart is immediate, then 10 s, 20 s, 40 s ... capped at 300 s")
    func delaysDouble() {
        var container = ObservedContainer(current: finished("i0", start: 0, end: 1, exit: 1))
        var now = at(1)
        var delays: [Double] = []
        for n in 1...8 {
            let plan = Planner.plan(shape: shape(), observed: observed(["app": container]), now: now)
            var startAction = plan.actions.first
            if startAction == nil {
                // Waiting out the back-off: the status says so, and the wake-up is its end.
                guard case let .waiting(reason, message) = plan.status.containerStatuses[0].state else {
                    Issue.record("expected waiting")
                    return
                }
                #expect(reason == "CrashLoopBackOff")
                #expect(message?.hasPrefix("back-off ") == true)
                #expect(message?.contains("restarting failed container=app pod=web_default(uid-1)") == true)
                let wake = plan.nextWakeup!
                delays.append(wake.secondsSince(now))
                now = wake
                startAction = Planner.plan(shape: shape(), observed: observed(["app": container]), now: now).actions.first
            } else {
                delays.append(0)
            }
            guard case let .start(_, backoff)? = startAction else {
                Issue.record("restart \(n) not started")
                return
            }
            container.backoff = backoff
            container.started(running("i\(n)", since: now.secondsSince(t0)))
            // It crashes one second later.
            now = Timestamp(nanos: now.nanos + 1_000_000_000)
            container.current?.finishedAt = now
            container.current?.exitCode = 1
        }
        #expect(delays == [0, 10, 20, 40, 80, 160, 300, 300])
        #expect(container.restartCount == 8)
    }

    @Test("Back-off resets after a run longer than twice the cap (10 minutes)")
    func resetsAfterTenMinutes() {
        let entry = BackoffEntry(delayNanos: 160_000_000_000, lastUpdate: at(0))
        #expect(RestartBackoff.restartAllowedAt(entry: entry, finishedAt: at(601), policy: .kubelet) == nil)
        #expect(RestartBackoff.advance(entry: entry, finishedAt: at(601), now: at(601), policy: .kubelet).delayNanos == 10_000_000_000)
        #expect(RestartBackoff.restartAllowedAt(entry: entry, finishedAt: at(599), policy: .kubelet) == at(759))
    }

    @Test("Go duration formatting in the back-off message", arguments: [
        (10.0, "10s"), (20, "20s"), (80, "1m20s"), (300, "5m0s"), (0.2, "0.2s"),
    ])
    func goDuration(seconds: Double, text: String) {
        #expect(RestartBackoff.goDuration(nanos: Int64(seconds * 1e9)) == text)
    }
}

@Suite("Init containers and sidecars")
struct InitTests {
    let inits = [ContainerRole(name: "init1", kind: .initContainer), ContainerRole(name: "init2", kind: .initContainer)]

    @Test("Init containers start one at a time, in order, before the app containers")
    func inOrder() {
        let s = shape(init: inits)
        var plan = Planner.plan(shape: s, observed: observed([:]), now: at(0))
        #expect(plan.actions == [.start(container: "init1", backoff: nil)])
        #expect(plan.status.phase == .pending)
        #expect(plan.status.containerStatuses[0].state == .waiting(reason: "PodInitializing", message: nil))

        plan = Planner.plan(shape: s, observed: observed(["init1": ObservedContainer(current: running("x", since: 0))]), now: at(1))
        #expect(plan.actions.isEmpty)

        plan = Planner.plan(shape: s, observed: observed(["init1": ObservedContainer(current: finished("x", start: 0, end: 1, exit: 0))]), now: at(1))
        #expect(plan.actions == [.start(container: "init2", backoff: nil)])

        plan = Planner.plan(shape: s, observed: observed([
            "init1": ObservedContainer(current: finished("x", start: 0, end: 1, exit: 0)),
            "init2": ObservedContainer(current: finished("y", start: 1, end: 2, exit: 0)),
        ]), now: at(2))
        #expect(plan.actions == [.start(container: "app", backoff: nil)])
        #expect(plan.status.conditions.first { $0.type == "Initialized" }?.status == true)
    }

    @Test("A failing init container blocks the app containers and is restarted under Always")
    func failingInitBlocks() {
        let s = shape(init: inits)
        let plan = Planner.plan(shape: s, observed: observed(["init1": ObservedContainer(current: finished("x", start: 0, end: 1, exit: 1))]), now: at(1))
        #expect(plan.actions == [.start(container: "init1", backoff: BackoffEntry(delayNanos: 10_000_000_000, lastUpdate: at(1)))])
        #expect(plan.status.phase == .pending)
    }

    @Test("A failing init container under Never fails the pod")
    func failingInitNever() {
        let s = shape(.never, init: inits)
        let plan = Planner.plan(shape: s, observed: observed(["init1": ObservedContainer(current: finished("x", start: 0, end: 1, exit: 2))]), now: at(1))
        #expect(plan.actions.isEmpty)
        #expect(plan.status.phase == .failed)
    }

    @Test("A sidecar starts in order, lets the next one start once running, and is stopped when the pod completes")
    func sidecar() {
        let s = shape(.never, init: [ContainerRole(name: "side", kind: .sidecar)])
        var plan = Planner.plan(shape: s, observed: observed([:]), now: at(0))
        #expect(plan.actions == [.start(container: "side", backoff: nil)])
        plan = Planner.plan(shape: s, observed: observed(["side": ObservedContainer(current: running("s", since: 0))]), now: at(1))
        #expect(plan.actions == [.start(container: "app", backoff: nil)])
        plan = Planner.plan(shape: s, observed: observed([
            "side": ObservedContainer(current: running("s", since: 0)),
            "app": ObservedContainer(current: finished("a", start: 1, end: 2, exit: 0)),
        ]), now: at(2))
        // getPhase counts the running sidecar: Running until it has been stopped.
        #expect(plan.status.phase == .running)
        #expect(plan.actions == [signal("side", SignalNumber.sigterm)])
        plan = Planner.plan(shape: s, observed: observed([
            "side": ObservedContainer(current: finished("s", start: 0, end: 3, exit: 143, signal: 15)),
            "app": ObservedContainer(current: finished("a", start: 1, end: 2, exit: 0)),
        ]), now: at(3))
        #expect(plan.status.phase == .succeeded)
        #expect(plan.actions.isEmpty)
    }
}

@Suite("Deletion")
struct DeletionTests {
    @Test("SIGTERM at once, SIGKILL when the grace period has passed, teardown when all exited")
    func graceful() {
        var pod = observed(["app": ObservedContainer(current: running("a", since: 0))])
        pod.deletion = PodDeletion(requestedAt: at(10), graceNanos: 5_000_000_000)
        var plan = Planner.plan(shape: shape(), observed: pod, now: at(10))
        #expect(plan.actions == [signal("app", SignalNumber.sigterm)])
        pod.containers["app"]?.stopRequestedAt = at(10)
        plan = Planner.plan(shape: shape(), observed: pod, now: at(10))
        #expect(plan.nextWakeup == at(15))
        plan = Planner.plan(shape: shape(), observed: pod, now: at(12))
        #expect(plan.actions.isEmpty)
        plan = Planner.plan(shape: shape(), observed: pod, now: at(15))
        #expect(plan.actions == [signal("app", SignalNumber.sigkill)])
        pod.containers["app"]?.current?.finishedAt = at(15)
        pod.containers["app"]?.current?.signal = 9
        plan = Planner.plan(shape: shape(), observed: pod, now: at(15))
        #expect(plan.actions == [.teardown])
    }
}

@Suite("Status")
struct StatusTests {
    @Test("A killed process reports 128+signal and reason Error")
    func signalExit() {
        let t = Termination(ContainerInstance(id: "x", startedAt: at(0), finishedAt: at(1), signal: 9))
        #expect(t.exitCode == 137)
        #expect(t.reason == "Error")
        #expect(Termination(ContainerInstance(id: "x", startedAt: at(0), finishedAt: at(1), exitCode: 0)).reason == "Completed")
    }

    @Test("Conditions of a running pod")
    func runningConditions() {
        let plan = Planner.plan(shape: shape(), observed: observed(["app": ObservedContainer(current: running("a", since: 0))]), now: at(1))
        #expect(plan.status.phase == .running)
        #expect(plan.status.conditions.map(\.type) == ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"])
        #expect(plan.status.conditions.allSatisfy { $0.status })
    }

    @Test("A completed pod is not ready with reason PodCompleted")
    func completedConditions() {
        let plan = Planner.plan(shape: shape(.never), observed: observed(["app": ObservedContainer(current: finished("a", start: 0, end: 1, exit: 0))]), now: at(1))
        let ready = plan.status.conditions.first { $0.type == "Ready" }
        #expect(ready?.status == false)
        #expect(ready?.reason == "PodCompleted")
    }
}

@Suite("Command and environment")
struct CommandTests {
    @Test("command and args against the image's entrypoint and cmd")
    func table() {
        #expect(ContainerCommand.argv(entrypoint: ["/e"], cmd: ["c"], command: nil, args: nil) == ["/e", "c"])
        #expect(ContainerCommand.argv(entrypoint: ["/e"], cmd: ["c"], command: nil, args: ["a"]) == ["/e", "a"])
        #expect(ContainerCommand.argv(entrypoint: ["/e"], cmd: ["c"], command: ["/x"], args: nil) == ["/x"])
        #expect(ContainerCommand.argv(entrypoint: ["/e"], cmd: ["c"], command: ["/x"], args: ["a"]) == ["/x", "a"])
    }

    @Test("$(VAR) expansion, $$ escaping, undefined references kept", arguments: [
        ("$(A)-x", "1-x"), ("$$(A)", "$(A)"), ("$(NOPE)", "$(NOPE)"), ("a$b", "a$b"), ("$(A", "$(A"), ("$$", "$"),
    ])
    func expansion(input: String, output: String) {
        #expect(VariableExpansion.expand(input) { $0 == "A" ? "1" : nil } == output)
    }

    @Test("Spec variables see only earlier spec variables; later entries win over the image's")
    func environment() {
        let (env, vars) = VariableExpansion.environment(
            image: ["PATH=/bin", "A=image"], spec: [("B", "$(A)"), ("A", "spec"), ("C", "$(A)")], extra: [("HOSTNAME", "web")])
        #expect(env == ["PATH=/bin", "A=spec", "HOSTNAME=web", "B=$(A)", "C=spec"])
        #expect(vars["C"] == "spec")
    }
}
