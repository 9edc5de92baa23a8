// The supervisor's side of probes: it runs the handler the planner asks for and records the
// outcome. Every run is a child process, reaped like the containers, so the loop never waits
// on a probe: an exec handler runs inside the container as `peapod exec` would; a tcpSocket or
// httpGet handler is a small C child that joins the pod's network namespace and connects to its
// loopback (NetworkProbe). Its output goes to a memfd that is read back when it is reaped. An
// httpGet run whose response is a redirect the kubelet's client follows goes on with another
// child for the next request, under the same run (ProbeRedirect.swift).

import Glibc
import PeapodRuntime
import PeapodSpec

/// A probe's run in flight.
struct RunningProbe {
    var container: String
    var kind: ProbeKind
    var instanceID: String
    /// Where the run's output goes (a memfd), read back when the process is reaped.
    var output: ProbeOutput
    var handler: ProbeHandler
    /// The HTTP request the run's child makes when it is not the probe's own: one after a
    /// followed redirect.
    var request: ProbeRequest?
    /// The run passed its timeout: its failure is already recorded, its end changes nothing.
    var abandoned = false
}

/// What a probe runs, resolved from the spec once per run.
enum ProbeHandler {
    case exec([String])
    case network(NetworkProbe)
}

extension PodSupervisor {
    func probeSpec(_ name: String, _ kind: ProbeKind) -> Probe? {
        let spec = launcher.spec(name)
        switch kind {
        case .startup: return spec.startupProbe
        case .liveness: return spec.livenessProbe
        case .readiness: return spec.readinessProbe
        }
    }

    /// Starts one run of the container's probe. A run that cannot even start has errored: as
    /// the kubelet's prober does, its result is thrown away (an exec probe whose command does
    /// not exist never kills the container; kubernetes/kubernetes#106682).
    func runProbe(_ name: String, _ kind: ProbeKind, now: Timestamp) {
        observed[name][probe: kind].started(at: now)
        guard let container = running.values.first(where: { $0.name == name }), let probe = probeSpec(name, kind) else {
            probeErrored(name, kind, message: "container \(name) is not running", now: now)
            return
        }
        let handler: ProbeHandler
        if let exec = probe.exec {
            handler = .exec(exec.command)
        } else {
            let port = probe.httpGet?.port ?? probe.tcpSocket?.port ?? .int(0)
            let number: Int
            switch ProbePort.resolve(port, in: launcher.spec(name)) {
            case let .success(n): number = n
            case let .failure(error):
                probeErrored(name, kind, message: error.message, now: now)
                return
            }
            if let http = probe.httpGet {
                handler = .network(.http(port: UInt16(number), path: http.path, headers: http.httpHeaders))
            } else {
                handler = .network(.tcp(port: UInt16(number)))
            }
        }
        do {
            // An exec handler's command may leave a process behind that still holds its output:
            // every exec run gets a memfd of its own. A network probe's C child leaves nothing,
            // so its memfd is kept per container and probe and emptied for each run.
            let key = name + "/" + kind.rawValue
            let output: ProbeOutput
            if case .exec = handler {
                output = try ProbeOutput()
            } else {
                output = try probeOutputs[key] ?? ProbeOutput()
                probeOutputs[key] = output
                output.reset()
            }
            let pid: Int32
            switch handler {
            case let .exec(command):
                pid = try execInContainer(container, argv: command, stdinFD: -1, outputFD: output.fd)
            case let .network(target):
                pid = try startNetworkProbe(target, request: nil, output: output)
            }
            probes[pid] = RunningProbe(container: name, kind: kind, instanceID: container.instanceID, output: output,
                                       handler: handler)
        } catch {
            probeErrored(name, kind, message: "\(error)", now: now)
        }
    }

    /// Starts a network probe's child for `request` (the probe's own when nil) in the pod's
    /// network namespace.
    func startNetworkProbe(_ target: NetworkProbe, request: ProbeRequest?, output: ProbeOutput) throws(ProbeError) -> Int32 {
        let namespace = open(sandbox!.namespaces.net, O_RDONLY | O_CLOEXEC)
        defer { if namespace >= 0 { close(namespace) } }
        return try target.start(networkNamespaceFD: namespace, output: output, request: request)
    }

    /// The response was a redirect the kubelet's client follows: the next request is another
    /// child, started at once, and the run stays in flight for the same instance and with the
    /// same deadline (the planner counts the timeout from the run's start: Go's Client.Timeout
    /// covers every request of the chain too).
    func followRedirect(_ run: RunningProbe, _ target: NetworkProbe, to next: ProbeRequest, now: Timestamp) {
        do {
            let pid = try startNetworkProbe(target, request: next, output: run.output)
            var following = run
            following.request = next
            probes[pid] = following
        } catch {
            // No child could be made (fork failed, or the namespace could not be opened): the
            // supervisor's trouble, not an answer of the pod's. The kubelet makes every request
            // within its own process, so it has no such case; this one errors as a run whose
            // first request cannot start does, keeping the last result, rather than counting as
            // a failure that could restart a healthy container.
            probeErrored(run.container, run.kind, message: "\(error)", now: now)
        }
    }

    /// A run that errored instead of giving a result: an Unhealthy event, and the result stays.
    func probeErrored(_ name: String, _ kind: ProbeKind, message: String, now: Timestamp) {
        observed[name][probe: kind].inFlight = false
        record(EventWording.probeErrored(kind, message), container: name, at: now)
    }

    /// The run took longer than timeoutSeconds: it is killed and counts as a failure now.
    func probeTimedOut(_ name: String, _ kind: ProbeKind, now: Timestamp) {
        let instance = observed[name].current?.id
        guard let (pid, run) = probes.first(where: {
            $0.value.container == name && $0.value.kind == kind && $0.value.instanceID == instance && !$0.value.abandoned
        }) else {
            probeFinished(name, kind, outcome: .failure, message: "timed out", now: now)
            return
        }
        kill(pid, SIGKILL)
        probes[pid]?.abandoned = true
        // What the killed command started may still write to its output: the next run gets
        // a new one.
        probeOutputs[name + "/" + kind.rawValue] = nil
        let message: String
        switch run.handler {
        case let .exec(command): message = "command \(goQuote(command.joined(separator: " "))) timed out"
        case let .network(target): message = target.timeoutOutcome(request: run.request).message
        }
        probeFinished(name, kind, outcome: .failure, message: message, now: now)
    }

    /// A probe's process was reaped. Only a run of the instance that still runs counts.
    func finishProbe(_ run: RunningProbe, status: Int32) {
        guard !run.abandoned, let current = observed[run.container].current, current.id == run.instanceID,
              current.isRunning else { return }
        let now = Clock.now()
        switch run.handler {
        case .exec:
            // When a container's PID 1 exits, the kernel kills what else runs in its PID
            // namespace, the probe's command too, which may be reaped first: that run was cut
            // off, it did not fail.
            if WaitStatus(raw: status).signal != nil && containerHasExited(run.container) {
                observed[run.container][probe: run.kind].inFlight = false
                return
            }
            let output = String(decoding: run.output.read(limit: ProbeOutput.execOutputLimit), as: UTF8.self)
            let code = WaitStatus(raw: status).shellExitCode
            probeFinished(run.container, run.kind, outcome: code == 0 ? .success : .failure, message: output, now: now)
        case let .network(target):
            let result: ProbeOutcome
            switch target.step(waitStatus: status, output: run.output, request: run.request) {
            case let .follow(next):
                followRedirect(run, target, to: next, now: now)
                return
            case let .done(outcome):
                result = outcome
            }
            if result.success && result.warning {
                record(EventWording.probeWarning(run.kind, result.message), container: run.container, at: now)
            }
            probeFinished(run.container, run.kind, outcome: result.success ? .success : .failure, message: result.message,
                          now: now)
        }
    }

    /// Records a run's outcome: every failed run is an Unhealthy event (the kubelet's prober),
    /// and the thresholds decide whether the result changes.
    func probeFinished(_ name: String, _ kind: ProbeKind, outcome: ProbeResult, message: String, now: Timestamp) {
        guard let shape = self.shape.role(name)?.probes[kind] else { return }
        // Liveness and startup are over once the pod is being deleted (ObservedPod.deletion).
        if observed.deletion != nil && kind != .readiness {
            observed[name][probe: kind].inFlight = false
            return
        }
        if outcome == .failure {
            record(EventWording.probeFailed(kind, message), container: name, at: now)
        }
        observed[name][probe: kind].finished(outcome, kind: kind, shape: shape, at: now)
    }

    /// Whether the container's process is exiting or gone. A PID namespace's init that exits
    /// first waits for the rest of its namespace to be reaped, so it is not a zombie yet while
    /// its probe is reaped: the kernel's PF_EXITING flag (/proc/PID/stat, field 9) says so.
    func containerHasExited(_ name: String) -> Bool {
        guard let container = running.values.first(where: { $0.name == name }) else { return true }
        guard let stat = try? FileSystem.readText("/proc/\(container.pid)/stat"),
              let close = stat.utf8.lastIndex(of: UInt8(ascii: ")")) else { return true }
        let fields = stat.utf8[stat.utf8.index(after: close)...].split(separator: UInt8(ascii: " "))
        guard fields.count > 6, let flags = UInt64(String(decoding: fields[6], as: UTF8.self)) else { return true }
        let exiting: UInt64 = 0x4
        return flags & exiting != 0 || fields[0].first == UInt8(ascii: "Z")
    }

    /// The container's process was reaped: its probe runs in flight are stopped and their ends
    /// change nothing.
    func abandonProbes(of container: RunningContainer) {
        for (pid, run) in probes where run.instanceID == container.instanceID && !run.abandoned {
            kill(pid, SIGKILL)
            probes[pid]?.abandoned = true
            probeOutputs[run.container + "/" + run.kind.rawValue] = nil
        }
    }
}
