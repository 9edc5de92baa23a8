// The per-pod supervisor: one detached process per pod (as conmon is per container), the only
// writer of the pod's status. It is a thin loop around the pure planner:
//   observe (reaped children, log pipes, a delete request) → plan → apply the actions → publish.
// It waits in poll(2) on a signalfd and the containers' output pipes, with the planner's next
// wake-up as the timeout, so an idle pod costs no CPU.
//
// This file holds its state and the loop; the extensions hold the rest, one concern each:
// set-up (+Setup), waiting and observing (+Waiting), starting and stopping containers
// (+Containers), reaping (+Reaping), hooks (+Hooks), probes (+Probes), local storage (+Storage),
// deletion (+Deletion), publishing (+Publishing), the attach socket (+Attach) and the teardown
// (PodCleanup.swift); the events' words are in EventWording.swift.

import CPeapod
import Glibc
import PeapodRuntime
import PeapodSpec

/// A container process the supervisor started and has not reaped yet.
struct RunningContainer {
    var name: String
    var pid: Int32
    var instanceID: String
    var stdout: Int32
    var stderr: Int32
    var log: CRILogWriter
    /// Events the launcher asks for (a clamped oom_score_adj).
    var notices: [LaunchNotice] = []
    /// The container's mount namespace, held open (-1: none): when the container ends, its
    /// exit then does not wait for the namespace's mounts to be torn down; the supervisor lets
    /// go of it later, when idle (InstanceDirectories) or in the teardown's thread.
    var mountNamespace: Int32 = -1
    /// How a command runs inside it (hooks, exec probes, `peapod exec`): the container's own
    /// process description, as the runtime's exec gives it.
    var process = ProcessSpec()
    /// Its namespaces and cgroup files, opened at the first hook or probe and kept until it is
    /// reaped, so that a probe every second does not open them every second.
    var execTarget: ExecTarget?
    /// stdin: true: its stdin's write end (or a dup of its terminal), handed to the attach hub.
    var input: Int32 = -1
    /// tty: true: its terminal's master (the same descriptor as stdout).
    var terminal: Int32?
}

/// A lifecycle hook's exec process, reaped like the containers but recorded as the hook.
struct RunningHook {
    var container: String
    var kind: HookKind
    var instanceID: String
    var command: [String]
    /// Its stdout and stderr, for the failure event's message.
    var outputPath: String
}

public final class PodSupervisor {
    let store: PodStore
    let location: PodLocation
    let pod: Pod
    let shape: PodShape
    var observed: ObservedPod
    var config: PlannerConfig
    let events: EventRecorder
    let wording: EventWording
    var sandbox: PodSandbox?
    var podMounts: PodMounts?
    var running: [Int32: RunningContainer] = [:]
    var hooks: [Int32: RunningHook] = [:]
    var probes: [Int32: RunningProbe] = [:]
    /// The output memfd of each network probe ("container/Kind"), reused from run to run.
    var probeOutputs: [String: ProbeOutput] = [:]
    /// The finished instance whose back-off was last reported, per container (one BackOff
    /// event per wait; repeats merge into its count).
    var backoffReported: [String: String] = [:]
    var deadlineReported = false
    var conditionClock = ConditionClock()
    /// What the status file shows now: the planned status and the processes it names.
    var lastPublishedStatus: PlannedPodStatus?
    var lastPublishedPIDs: [Int32] = []
    var signalFD: Int32 = -1
    /// When the idle trim last ran (Clock.monotonic ns): at most one every 5 s, so that a
    /// container writing a line now and then does not make the supervisor trim at every line.
    var lastTrim: Int64?
    let launcher: ContainerLauncher
    /// `peapod run`'s standard output (SupervisorCommand.foreground), or nil: phase changes and
    /// container output lines go there.
    var foreground: ForegroundOutput?
    /// The phase last published, for the foreground's phase lines and exit code.
    var lastPhase: PodPhase?
    /// The containers' log rotation (the kubelet's containerLogMaxSize/MaxFiles); set before `run`.
    public var logRotation: CRILogRotation? = .kubelet
    /// `peapod attach` sessions and the containers' kept-open stdin (PodSupervisor+Attach.swift).
    lazy var attach = AttachHub(path: location.attachSocket, pod: pod)
    /// The local-storage measurement under way (PodSupervisor+Storage.swift).
    var storageMeasurement: PendingStorageMeasurement?
    /// The sandbox's helper, started by `init` and waited for by `start` (createSandbox).
    var pendingSandbox: Result<PendingSandbox, SandboxError>?
    /// The directories made by a thread while the set-up goes on (prepareDirectories).
    var preparing: BackgroundWork?

    /// Told of the first SIGTERM, SIGINT or SIGHUP, before the deletion it starts.
    public var onStopSignal: ((Int32) -> Void)?

    /// Set before `run` for `peapod run` (SupervisorCommand.foregroundOutputFD): the pod's
    /// output goes there, and the pod is deleted once it has finished (`removeOnFinish`).
    public var foregroundOutput: Int32 {
        get { foreground?.original ?? -1 }
        set {
            foreground = newValue >= 0 ? ForegroundOutput(fd: newValue, podName: pod.name) : nil
            config.removeOnFinish = foreground != nil
        }
    }

    public init(store: PodStore, location: PodLocation, pod: Pod, config: PlannerConfig) throws {
        self.store = store
        self.location = location
        self.pod = pod
        self.shape = PodShape(pod: pod)
        self.config = config
        self.observed = ObservedPod(podUID: location.uid)
        self.events = EventRecorder(path: location.eventsFile)
        self.wording = EventWording(podName: pod.name, namespace: pod.namespace, uid: location.uid)
        // Making the namespaces is the longest step of the set-up: a helper process does it
        // while this one prepares everything else.
        let idMapping = try Self.userNamespace(location, pod)
        let sandbox = Self.startSandbox(location, pod, idMapping)
        do {
            self.launcher = try ContainerLauncher(store: store, location: location, pod: pod, idMapping: idMapping)
        } catch {
            if case let .success(pending) = sandbox { _ = try? pending.finish() }
            try? PodSandbox.destroy(runDir: location.runDir)
            throw error
        }
        pendingSandbox = sandbox
        preparing = prepareDirectories()
    }

    /// Runs the pod until it is deleted. `ready` receives one line once the sandbox exists
    /// ("ok") or could not be made ("error: ..."), so `apply` can report it and leave nothing.
    /// Returns 0; in the foreground, 0 when the pod Succeeded and 1 otherwise.
    public func run(readyFD: Int32) -> Int32 {
        var keep = [readyFD] + (foreground?.descriptors ?? [])
        if case let .success(helper)? = pendingSandbox { keep.append(helper.reportFD) }
        Self.closeInheritedDescriptors(keeping: keep)
        do {
            try start()
        } catch {
            report(readyFD, "error: \(error)\n")
            tearDown()
            return 1
        }
        report(readyFD, "ok\n")
        close(readyFD)
        return serve()
    }

    /// Makes the pod's sandbox, files and cgroups, and takes over SIGCHLD, SIGTERM, SIGINT and
    /// SIGHUP (a stop signal deletes the pod). After a failure, call `tearDown()`. `run` does
    /// this, then `serve`; `peapod run` of a single pod calls both itself, in its own process.
    public func start() throws {
        _ = pp_set_child_subreaper()
        signalFD = Self.blockSignalsIntoFD()
        try FileSystem.writeFile(location.supervisorPidFile, "\(getpid())\n")
        try createSandbox()
        openAttachSocket()
        preparing?.wait()
        preparing = nil
    }

    /// Runs the started pod until it is deleted and everything of it removed. Returns 0; in the
    /// foreground, 0 when the pod Succeeded and 1 otherwise.
    public func serve() -> Int32 {
        // As a pod is until its first container starts.
        announcePhase(.pending)
        let now = Clock.now()
        observed.sandboxReady = true
        observed.sandboxReadyAt = now
        observed.startTime = now
        events.record(wording.scheduled(node: Clock.hostname), at: now)
        loop()
        guard let foreground else { return 0 }
        // What a slow reader has not taken yet.
        foreground.finish()
        return lastPhase == .succeeded ? 0 : 1
    }

    func loop() {
        while true {
            let now = Clock.now()
            let plan = Planner.plan(shape: shape, observed: observed, now: now, config: config)
            if plan.actions == [.teardown] {
                // No last status file: the pod and its status are about to go.
                announcePhase(plan.status.phase)
                tearDown()
                return
            }
            // The status is published when nothing is left to do, and before a finished pod is
            // deleted: whoever waits for it (the foreground's last phase line, `wait`) sees how
            // it finished.
            let deleting = plan.actions.contains { if case .delete = $0 { true } else { false } }
            if plan.actions.isEmpty || deleting {
                recordStatusEvents(plan.status, now: now)
                publish(plan.status, now: now)
            }
            for action in plan.actions { apply(action, now: now) }
            if plan.actions.isEmpty { wait(until: plan.nextWakeup) }
        }
    }

    func apply(_ action: PodAction, now: Timestamp) {
        switch action {
        case let .start(name, backoff):
            start(name, backoff: backoff, now: now)
        case let .runHook(name, kind):
            runHook(name, kind, now: now)
        case let .runProbe(name, kind):
            runProbe(name, kind, now: now)
        case let .probeTimedOut(name, kind):
            probeTimedOut(name, kind, now: now)
        case let .signal(name, signal, reason):
            stop(name, signal: signal, reason: reason, now: now)
        case let .delete(grace):
            delete(graceNanos: grace, now: now)
        case .measureStorage:
            startStorageMeasurement(now: now)
        case let .evict(message):
            evict(message: message, now: now)
        case .teardown:
            break
        }
    }

    /// Records `event` about the pod, or about `container` when named.
    func record(_ event: EventText, container: String? = nil, at now: Timestamp) {
        events.record(event, container: container, isInit: container.map(shape.isInit) ?? false, at: now)
    }
}
