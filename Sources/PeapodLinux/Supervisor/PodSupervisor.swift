// The per-pod supervisor: one detached process per pod (as conmon is per container), the only
// writer of the pod's status. It is a thin loop around the pure planner:
//   observe (reaped children, log pipes, a delete request) → plan → apply the actions → publish.
// It waits in poll(2) on a signalfd and the containers' output pipes, with the planner's next
// wake-up as the timeout, so an idle pod costs no CPU.

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
    let config: PlannerConfig
    let events: EventRecorder
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
    /// container output lines go there, and the pod is deleted once it has finished.
    var foreground: ForegroundOutput?
    /// The phase last published, for the foreground's phase lines and exit code.
    var lastPhase: PodPhase?
    /// The containers' log rotation (the kubelet's containerLogMaxSize/MaxFiles); set before `run`.
    public var logRotation: CRILogRotation? = .kubelet
    /// The local-storage measurement under way (PodSupervisor+Storage.swift).
    var storageMeasurement: PendingStorageMeasurement?

    /// The sandbox's helper, started by `init` and waited for by `start` (createSandbox).
    var pendingSandbox: Result<PendingSandbox, SandboxError>?

    /// Starts making the pod's namespaces in a helper process, so that the rest of the
    /// supervisor's set-up overlaps with it.
    static func startSandbox(_ location: PodLocation, _ pod: Pod, _ idMapping: IDMapping?) -> Result<PendingSandbox, SandboxError> {
        Result { () throws(SandboxError) -> PendingSandbox in
            try PodSandbox.start(
                runDir: location.runDir, hostname: pod.hostnameForSandbox, shmSizeBytes: 64 * 1024 * 1024,
                shareProcessNamespace: pod.spec.shareProcessNamespace == true,
                hostNetwork: pod.spec.hostNetwork, hostIPC: pod.spec.hostIPC, hostPID: pod.spec.hostPID,
                sysctls: (pod.spec.securityContext?.sysctls ?? []).map {
                    PodSandbox.Sysctl(path: Sysctls.procPath($0.name), value: $0.value)
                },
                userNamespace: idMapping)
        }
    }

    /// hostUsers: false: the range of host ids leased to the pod when it was created.
    static func userNamespace(_ location: PodLocation, _ pod: Pod) throws -> IDMapping? {
        guard pod.spec.hostUsers == false else { return nil }
        guard let mapping = try UserNamespaceLeases.recorded(location) else {
            throw UserNamespaceError("pod \(pod.name): hostUsers is false but no user namespace range was leased to it (\(location.userNamespaceFile))")
        }
        return mapping
    }

    /// Told of the first SIGTERM, SIGINT or SIGHUP, before the deletion it starts.
    public var onStopSignal: ((Int32) -> Void)?

    /// Set before `run` for `peapod run` (SupervisorCommand.foregroundOutputFD).
    public var foregroundOutput: Int32 {
        get { foreground?.original ?? -1 }
        set { foreground = newValue >= 0 ? ForegroundOutput(fd: newValue, podName: pod.name) : nil }
    }

    public init(store: PodStore, location: PodLocation, pod: Pod, config: PlannerConfig) throws {
        self.store = store
        self.location = location
        self.pod = pod
        self.shape = PodShape(pod: pod)
        self.config = config
        self.observed = ObservedPod(podUID: location.uid)
        self.events = EventRecorder(path: location.eventsFile)
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

    /// The directories every pod needs before its first container starts, made by a thread
    /// while this one goes on with the set-up: the v1 cgroups of the pod and its containers, a
    /// first instance directory for each container (upper/, work/), the log directories.
    var preparing: BackgroundWork?

    func prepareDirectories() -> BackgroundWork {
        let names = shape.all.map(\.name)
        var dirs = launcher.cgroups?.v1Directories(containers: names) ?? []
        dirs.append(location.podDir + "/containers")
        for name in names {
            let dir = location.instanceDir(name, id: Clock.randomHex(6))
            dirs += InstanceDirectories.layout(dir)
            launcher.instances.addSpare(name, dir)
        }
        dirs.append(location.logDir)
        dirs += names.map { location.logDir + "/" + $0 }
        return BackgroundWork.mkdir(dirs)
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
        events.record("Normal", "Scheduled", "Successfully assigned \(pod.namespace)/\(pod.name) to \(Clock.hostname)", at: now)
        loop()
        guard let foreground else { return 0 }
        // What a slow reader has not taken yet.
        foreground.finish()
        return lastPhase == .succeeded ? 0 : 1
    }

    func createSandbox() throws {
        try FileSystem.makeDirectories(location.runDir, mode: 0o700)
        try FileSystem.makeDirectories(location.podDir)
        try FileSystem.makeDirectories(location.rootfsMountPoint, mode: 0o755)
        // shareProcessNamespace: one PID namespace for the pod, held by a pause process as its
        // init (the kubelet's sandbox does the same), so container processes see each other.
        let pending = try (pendingSandbox ?? Self.startSandbox(location, pod, launcher.idMapping)).get()
        pendingSandbox = nil
        // While the helper makes the namespaces: the pod's files and cgroups.
        do {
            // hostIPC: the host's /dev/shm, as the host's IPC namespace goes with it.
            podMounts = try PodMounts.prepare(pod: pod, location: location, shmDir: pod.spec.hostIPC ? "/dev/shm" : pending.shmDir,
                                              idMapping: launcher.idMapping)
            try launcher.cgroups?.createPod(pod)
        } catch {
            _ = try? pending.finish()
            throw error
        }
        sandbox = try pending.finish()
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
            for action in plan.actions { apply(action, now: now) }
            if !plan.actions.isEmpty { continue }
            recordStatusEvents(plan.status, now: now)
            publish(plan.status, now: now)
            // `peapod run` removes its pod once it has finished, as `kubectl run --rm` does.
            if foreground != nil, observed.deletion == nil,
               plan.status.phase == .succeeded || plan.status.phase == .failed {
                observed.deletion = PodDeletion(
                    requestedAt: now, graceNanos: Int64(pod.spec.terminationGracePeriodSeconds ?? 30) * 1_000_000_000)
                continue
            }
            wait(until: plan.nextWakeup)
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
        case let .signal(name, signal):
            guard let container = running.values.first(where: { $0.name == name }) else { return }
            // The Killing event says why: a failed postStart hook, a failed probe, or a stop.
            var reason = "Stopping container \(name)"
            if observed[name].postStart?.failed == true {
                reason = "FailedPostStartHook"
            } else if observed.deletion == nil, observed.eviction == nil, let role = shape.role(name),
                      let message = Planner.probeKillMessage(role, observed[name], policy: shape.restartPolicy) {
                reason = message
            }
            if signal == SignalNumber.sigkill {
                if observed[name].stopRequestedAt == nil {
                    events.record("Normal", "Killing", reason, container: name, isInit: shape.isInit(name), at: now)
                } else if observed.deletion != nil {
                    events.record("Warning", "ExceededGracePeriod",
                                  "Container runtime did not kill the pod within specified grace period.", at: now)
                }
                observed[name].killed = true
            } else {
                observed[name].stopRequestedAt = now
                events.record("Normal", "Killing", reason, container: name, isInit: shape.isInit(name), at: now)
            }
            kill(container.pid, signal)
        case .measureStorage:
            startStorageMeasurement(now: now)
        case let .evict(message):
            evict(message: message, now: now)
        case .teardown:
            break
        }
    }

    func start(_ name: String, backoff: BackoffEntry?, now: Timestamp) {
        let isInit = shape.isInit(name)
        var record = observed[name]
        if let backoff { record.backoff = backoff }
        let restartCount = record.current == nil ? 0 : record.restartCount + 1
        let instanceID = Clock.randomHex(32)
        // The kubelet checks the image at every start, so Pulled repeats (merged into a count).
        events.record("Normal", "Pulled", "Container image \"\(launcher.imageName(name))\" already present on machine",
                      container: name, isInit: isInit, at: now)
        do {
            try podMounts!.resetTerminationFile(name)
            let started = try launcher.launch(
                container: name, instanceID: instanceID, restartCount: restartCount,
                podMounts: podMounts!, sandbox: sandbox!)
            running[started.pid] = started
            configureLog(started.log, container: name, restartCount: restartCount)
            record.started(ContainerInstance(id: instanceID, startedAt: now))
            events.record("Normal", "Created", "Created container: \(name)", container: name, isInit: isInit, at: now)
            events.record("Normal", "Started", "Started container \(name)", container: name, isInit: isInit, at: now)
            if let foreground { started.log.echo = foreground.echo(container: name) }
            for n in started.notices { events.record(n.type, n.reason, n.message, container: name, isInit: isInit, at: now) }
        } catch let error as LauncherError {
            configError(&record, name, "\(error)", now: now)
        } catch let error as VolumeError {
            configError(&record, name, "\(error)", now: now)
        } catch {
            // The runtime could not start the process: the instance ends at once with exit code
            // 128 and reason StartError (containerd's reporting), and is restarted with back-off.
            record.started(ContainerInstance(
                id: instanceID, startedAt: now, finishedAt: now, exitCode: 128, reason: "StartError",
                message: "\(error)"))
            events.record("Warning", "Failed", "Error: \(error)", container: name, isInit: isInit, at: now)
        }
        observed[name] = record
    }

    /// A problem found while making the container's configuration, before any process existed:
    /// waiting CreateContainerConfigError, retried later, as the kubelet's generateContainerConfig.
    func configError(_ record: inout ObservedContainer, _ name: String, _ message: String, now: Timestamp) {
        record.configError = ConfigError(message: message, at: now)
        events.record("Warning", "Failed", "Error: \(message)", container: name, isInit: shape.isInit(name), at: now)
    }

    /// Starts a hook's exec handler inside the container, in the background; `reap` records
    /// its end. A hook that cannot even start is a failed hook.
    func runHook(_ name: String, _ kind: HookKind, now: Timestamp) {
        guard let container = running.values.first(where: { $0.name == name }) else { return }
        let spec = launcher.spec(name)
        let handler = kind == .postStart ? spec.lifecycle?.postStart : spec.lifecycle?.preStop
        let command = handler?.exec?.command ?? []
        let outputPath = podMounts!.terminationDir + "/.\(name)-\(kind.rawValue).out"
        var run = HookRun(startedAt: now)
        let output = open(outputPath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        defer { if output >= 0 { close(output) } }
        do {
            let pid = try execInContainer(container, argv: command, stdinFD: -1, outputFD: output)
            hooks[pid] = RunningHook(container: name, kind: kind, instanceID: container.instanceID, command: command,
                                     outputPath: outputPath)
        } catch {
            run.finishedAt = now
            run.exitCode = -1
            hookFailed(name, kind, command: command, error: "\(error)", output: "", now: now)
        }
        if kind == .postStart { observed[name].postStart = run } else { observed[name].preStop = run }
    }

    /// Starts `argv` in the container as its runtime's exec would (its ProcessSpec).
    func execInContainer(_ container: RunningContainer, argv: [String], stdinFD: Int32, outputFD: Int32) throws -> Int32 {
        var target = container.execTarget
        if target == nil {
            target = try ExecTarget(pid: container.pid, process: container.process, containerName: container.name)
            running[container.pid]?.execTarget = target
        }
        return try target!.exec(argv: argv, stdinFD: stdinFD, stdoutFD: outputFD, stderrFD: outputFD)
    }

    /// The kubelet's FailedPostStartHook / FailedPreStopHook event, with its handler runner's message.
    func hookFailed(_ name: String, _ kind: HookKind, command: [String], error: String, output: String, now: Timestamp) {
        let message = "Exec lifecycle hook ([\(command.joined(separator: " "))]) for Container \"\(name)\" in Pod "
            + "\"\(pod.name)_\(pod.namespace)(\(location.uid))\" failed - error: \(error), message: \(goQuoted(output))"
        events.record("Warning", kind == .postStart ? "FailedPostStartHook" : "FailedPreStopHook", message,
                      container: name, isInit: shape.isInit(name), at: now)
    }

    func goQuoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// Events that follow from the status rather than from an action: BackOff while a container
    /// waits out its back-off, DeadlineExceeded once.
    func recordStatusEvents(_ status: PlannedPodStatus, now: Timestamp) {
        for container in status.initContainerStatuses + status.containerStatuses {
            guard case .waiting("CrashLoopBackOff", _) = container.state, let id = container.containerID,
                  backoffReported[container.name] != id else { continue }
            backoffReported[container.name] = id
            events.record("Warning", "BackOff",
                          "Back-off restarting failed container \(container.name) in pod \(pod.name)_\(pod.namespace)(\(location.uid))",
                          container: container.name, isInit: shape.isInit(container.name), at: now)
        }
        if status.reason == "DeadlineExceeded" && !deadlineReported {
            deadlineReported = true
            events.record("Normal", "DeadlineExceeded", Planner.deadlineMessage, at: now)
        }
    }

    /// A phase change, on the foreground's output.
    func announcePhase(_ phase: PodPhase) {
        guard phase != lastPhase else { return }
        lastPhase = phase
        foreground?.write("[pod/\(pod.name)] phase: \(phase.rawValue)\n")
    }

    func publish(_ status: PlannedPodStatus, now: Timestamp) {
        announcePhase(status.phase)
        // Events first: whoever sees the new status (wait, then describe) also sees what led to it.
        events.flush()
        // Most passes change nothing that is published (a probe that succeeded again): the
        // status file is rendered only when the planned status or a process changed.
        let processes = running.values.map(\.pid)
        if status == lastPublishedStatus && processes == lastPublishedPIDs { return }
        lastPublishedStatus = status
        lastPublishedPIDs = processes
        let statusJSON = StatusRendering.json(
            status, clock: &conditionClock, now: now, image: { self.launcher.imageName($0) },
            imageID: { self.launcher.imageID($0) }, qosClass: launcher.qosClass, hostIP: nil)
        var pids = JSONObject()
        for container in running.values { pids[container.name] = .int(Int64(container.pid)) }
        var file = JSONObject()
        file["status"] = statusJSON
        file["supervisorPid"] = .int(Int64(getpid()))
        file["containerPids"] = .object(pids)
        let text = JSONValue.object(file).serialized(pretty: false)
        try? FileSystem.writeAtomically(location.statusFile, text + "\n")
    }

    /// The supervisor outlives whoever started it: it keeps none of their descriptors (sockets,
    /// pipes of a test runner) beyond stdio and the ready pipe.
    static func closeInheritedDescriptors(keeping: [Int32]) {
        for entry in FileSystem.listDirectory("/proc/self/fd") {
            guard let fd = Int32(entry), fd > 2, !keeping.contains(fd) else { continue }
            close(fd)
        }
    }

    // MARK: waiting and observing

    static func blockSignalsIntoFD() -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        return StopSignals.blockIntoDescriptor()
    }

    func wait(until wakeup: Timestamp?) {
        var fds = [pollfd(fd: signalFD, events: Int16(POLLIN), revents: 0)]
        for container in running.values {
            for fd in [container.stdout, container.stderr] where fd >= 0 {
                fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0))
            }
        }
        // The foreground's output, while lines wait for a slow reader.
        let outputIndex = fds.count
        if let foreground, foreground.pending {
            fds.append(pollfd(fd: foreground.fd, events: Int16(POLLOUT), revents: 0))
        }
        // A local-storage measurement's thread, once it is done.
        let storageIndex = fds.count
        if storageMeasurementFD >= 0 { fds.append(pollfd(fd: storageMeasurementFD, events: Int16(POLLIN), revents: 0)) }
        // Milliseconds until the planner's next wake-up; -1: none.
        func timeout() -> Int32 {
            guard let wakeup else { return -1 }
            let millis = (wakeup.nanos - Clock.now().nanos + 999_999) / 1_000_000
            return Int32(max(0, min(millis, 3_600_000)))
        }
        func longer(than millis: Int32) -> Bool { let t = timeout(); return t < 0 || t > millis }
        var n: Int32 = 0
        // Quiet moments do the chores, never the path of a start or restart: after 5 ms without
        // news, the overlay layers of finished instances go and spares are made; after 200 ms
        // (the pod is steady), the heap's free pages and the unused stack are handed back, so that
        // an idle supervisor keeps only what it needs (docs/benchmarks.md).
        if launcher.instances.hasWork && longer(than: 5) {
            n = poll(&fds, nfds_t(fds.count), 5)
            if n == 0 { launcher.instances.housekeeping { self.location.instanceDir($0, id: Clock.randomHex(12)) } }
        }
        if n == 0 {
            // 200 ms of quiet, and at least 5 s after the previous trim.
            let sinceTrim = lastTrim.map { (Clock.monotonic() - $0) / 1_000_000 } ?? Int64.max
            let quiet = Int32(max(200, min(5_000, 5_000 - sinceTrim)))
            if longer(than: quiet) {
                n = poll(&fds, nfds_t(fds.count), quiet)
                if n == 0 {
                    pp_trim_idle()
                    lastTrim = Clock.monotonic()
                }
            }
        }
        if n == 0 { n = poll(&fds, nfds_t(fds.count), timeout()) }
        guard n > 0 else { return }
        for (i, p) in fds.enumerated().dropFirst() where p.revents != 0 {
            if i == storageIndex { finishStorageMeasurement() } else if i == outputIndex { foreground?.flush() } else { drain(fd: p.fd) }
        }
        if fds[0].revents != 0 { handleSignals() }
    }

    func drain(fd: Int32) {
        guard let pid = running.first(where: { $0.value.stdout == fd || $0.value.stderr == fd })?.key else { return }
        var container = running[pid]!
        let isStdout = container.stdout == fd
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                container.log.write(Array(buffer[0..<n]), stream: isStdout ? CRILogStream.stdout : CRILogStream.stderr)
                continue
            }
            if n < 0 && (errno == EINTR) { continue }
            if n == 0 {
                container.log.finish(isStdout ? CRILogStream.stdout : CRILogStream.stderr)
                close(fd)
                if isStdout { container.stdout = -1 } else { container.stderr = -1 }
            }
            break
        }
        running[pid] = container
    }

    func handleSignals() {
        while true {
            let signal = StopSignals.next(signalFD)
            guard signal > 0 else { break }
            if signal == SIGCHLD {
                reap()
            } else {
                if observed.deletion == nil { onStopSignal?(signal) }
                requestDeletion()
            }
        }
        reap()
    }

    func reap() {
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            guard pid > 0 else { return }
            if let probe = probes.removeValue(forKey: pid) {
                finishProbe(probe, status: status)
                continue
            }
            if let hook = hooks.removeValue(forKey: pid) {
                finishHook(hook, status: status)
                continue
            }
            guard var container = running.removeValue(forKey: pid) else { continue }
            abandonProbes(of: container)
            container.execTarget?.close()
            // Whatever the process wrote before it exited is still in the pipes.
            for fd in [container.stdout, container.stderr] where fd >= 0 { drain(fd: fd, in: &container) }
            container.log.close()
            launcher.instances.retire(mountNamespace: container.mountNamespace)
            let now = Clock.now()
            var record = observed[container.name]
            if var current = record.current, current.id == container.instanceID {
                current.finishedAt = now
                let ended = WaitStatus(raw: status)
                current.exitCode = ended.shellExitCode
                current.signal = ended.signal
                current.message = podMounts?.terminationMessage(
                    launcher.spec(container.name), exitCode: current.exitCode ?? 0,
                    logPath: location.logFile(container: container.name, restartCount: record.restartCount))
                if launcher.oomKilled(container.name) {
                    current.reason = "OOMKilled"
                    events.record("Warning", "OOMKilling", "Memory cgroup out of memory: the OOM killer killed a process of container \(container.name)",
                                  container: container.name, isInit: shape.isInit(container.name), at: now)
                }
                record.current = current
                observed[container.name] = record
            }
        }
    }

    func finishHook(_ hook: RunningHook, status: Int32) {
        let now = Clock.now()
        let code = WaitStatus(raw: status).shellExitCode
        let output = (try? FileSystem.readText(hook.outputPath)) ?? ""
        unlink(hook.outputPath)
        var record = observed[hook.container]
        // A hook of an instance that has since been replaced changes nothing.
        guard record.current?.id == hook.instanceID else { return }
        var run = (hook.kind == .postStart ? record.postStart : record.preStop) ?? HookRun(startedAt: now)
        run.finishedAt = now
        run.exitCode = code
        if hook.kind == .postStart { record.postStart = run } else { record.preStop = run }
        observed[hook.container] = record
        if code != 0 {
            hookFailed(hook.container, hook.kind, command: hook.command,
                       error: "command '\(hook.command.joined(separator: " "))' exited with \(code): ",
                       output: String(output.prefix(4096)), now: now)
        }
    }

    func drain(fd: Int32, in container: inout RunningContainer) {
        running[container.pid] = container
        drain(fd: fd)
        container = running.removeValue(forKey: container.pid)!
        for fd in [container.stdout, container.stderr] where fd >= 0 { close(fd) }
        container.stdout = -1
        container.stderr = -1
    }

    /// SIGTERM, SIGINT or SIGHUP: delete the pod, with the grace period the CLI left in the
    /// delete request (the pod's terminationGracePeriodSeconds when there is none).
    func requestDeletion() {
        guard observed.deletion == nil else {
            // A second request may shorten the grace period (delete --force after a delete).
            if let grace = Self.requestedGrace(location), var deletion = observed.deletion,
               grace < deletion.graceNanos {
                deletion.graceNanos = grace
                observed.deletion = deletion
            }
            return
        }
        let grace = Self.requestedGrace(location) ?? Int64(pod.spec.terminationGracePeriodSeconds ?? 30) * 1_000_000_000
        observed.deletion = PodDeletion(requestedAt: Clock.now(), graceNanos: grace)
    }

    static func requestedGrace(_ location: PodLocation) -> Int64? {
        guard let text = try? FileSystem.readText(location.deleteRequestFile),
              let seconds = Int64(text.split(separator: "\n").first ?? "") else { return nil }
        return max(0, seconds) * 1_000_000_000
    }

    func report(_ fd: Int32, _ line: String) {
        var bytes = Array(line.utf8)
        _ = write(fd, &bytes, bytes.count)
    }

    /// Removes everything of the pod: processes, sandbox, volumes, directories. Also the path
    /// taken after a failed start, so it copes with any part missing.
    public func tearDown() {
        preparing?.wait()
        preparing = nil
        cancelStorageMeasurement()
        // A sandbox helper still at work must be done before its pins can be removed.
        if case let .success(helper)? = pendingSandbox { _ = try? helper.finish() }
        pendingSandbox = nil
        for container in running.values { kill(container.pid, SIGKILL) }
        for pid in hooks.keys { kill(pid, SIGKILL) }
        for pid in probes.keys { kill(pid, SIGKILL) }
        while !running.isEmpty || !hooks.isEmpty || !probes.isEmpty {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, 0)
            if pid < 0 && errno == ECHILD { break }
            if pid > 0 { hooks.removeValue(forKey: pid) }
            if pid > 0 { probes.removeValue(forKey: pid) }
            if pid > 0, let container = running.removeValue(forKey: pid) {
                for fd in [container.stdout, container.stderr] where fd >= 0 { close(fd) }
                container.log.close()
                launcher.instances.retire(mountNamespace: container.mountNamespace)
            }
        }
        PodCleanup.removeAll(location, containers: shape.all.map(\.name),
                             mountNamespaces: launcher.instances.takeHeldNamespaces(), cgroups: launcher.cgroups)
    }
}

/// Everything of a pod that is left on the host, removed from the paths alone: what the
/// supervisor does at the end, and what `delete` does when the supervisor is gone.
public enum PodCleanup {
    /// `containers`: the pod's container names, when known, for a first quick pass over the
    /// cgroups; `mountNamespaces`: descriptors of finished containers' mount namespaces, which
    /// this closes; `cgroups`: the pod's cgroups as the caller has them (else read back).
    public static func removeAll(_ location: PodLocation, containers: [String] = [], mountNamespaces: [Int32] = [],
                                 cgroups known: PodCgroups? = nil) {
        // A thread lets go of the containers' mount namespaces and detaches the sandbox (each
        // waits for an RCU grace period), then removes the cgroups of the pod and its
        // containers, while this one moves the pod's files aside.
        let cgroups = known ?? PodCgroups.load(location)
        let quickPass = BackgroundWork.teardown(
            closing: mountNamespaces, unmount: PodSandbox.earlyMountPoint(runDir: location.runDir),
            rmdirs: cgroups?.directoriesToRemove(containers: containers) ?? [])
        try? VolumePlanner.teardown(podDirectory: location.podDir)
        // The pod's files on the store's disk go to the trash, for the purger.
        StoreTrash.discard(location)
        quickPass.wait()
        // Whatever the quick pass left (a pause process, processes still inside a cgroup, other
        // child cgroups). The run directory goes last: it holds the record of the cgroups.
        try? PodSandbox.destroy(runDir: location.runDir)
        cgroups?.removeAllReportingErrors()
        try? FileSystem.removeTree(location.runDir)
        // Nothing of the pod is left to own its ids (its files wait in the trash, out of reach).
        UserNamespaceLeases.release(directory: location.userNamespaceLeasesDir, podUID: location.uid)
        // The purger waits until this process has ended before it empties the trash.
        StoreTrash.startPurger(location.trashDir)
    }
}
