// Starting and stopping the pod's containers, as the planner's `start` and `signal` actions ask:
// the launcher makes the process; the supervisor records the instance and the kubelet's events.

import Glibc
import PeapodRuntime
import PeapodSpec

extension PodSupervisor {
    func start(_ name: String, backoff: BackoffEntry?, now: Timestamp) {
        var record = observed[name]
        if let backoff { record.backoff = backoff }
        let restartCount = record.current == nil ? 0 : record.restartCount + 1
        let instanceID = Clock.randomHex(32)
        self.record(EventWording.pulled(image: launcher.imageName(name)), container: name, at: now)
        do {
            try podMounts!.resetTerminationFile(name)
            let started = try launcher.launch(
                container: name, instanceID: instanceID, restartCount: restartCount,
                podMounts: podMounts!, sandbox: sandbox!)
            running[started.pid] = started
            attach.started(name, input: started.input, terminal: started.terminal)
            configureLog(started.log, container: name, restartCount: restartCount)
            record.started(ContainerInstance(id: instanceID, startedAt: now))
            self.record(EventWording.created(name), container: name, at: now)
            self.record(EventWording.started(name), container: name, at: now)
            if let foreground { started.log.echo = foreground.echo(container: name) }
            for n in started.notices { self.record(EventText(n.type, n.reason, n.message), container: name, at: now) }
        } catch let error as LauncherError {
            configError(&record, name, "\(error)", now: now)
        } catch let error as UserResolver.LookupError {
            configError(&record, name, "\(error)", now: now)
        } catch let error as VolumeError {
            configError(&record, name, "\(error)", now: now)
        } catch {
            // The runtime could not start the process: the instance ends at once with exit code
            // 128 and reason StartError (containerd's reporting), and is restarted with back-off.
            record.started(ContainerInstance(
                id: instanceID, startedAt: now, finishedAt: now, exitCode: 128, reason: "StartError",
                message: "\(error)"))
            self.record(EventWording.failed("\(error)"), container: name, at: now)
        }
        observed[name] = record
    }

    /// A problem found while making the container's configuration, before any process existed:
    /// waiting CreateContainerConfigError, retried later, as the kubelet's generateContainerConfig.
    func configError(_ record: inout ObservedContainer, _ name: String, _ message: String, now: Timestamp) {
        record.configError = ConfigError(message: message, at: now)
        self.record(EventWording.failed(message), container: name, at: now)
    }

    /// Sends `signal` to the container, with the Killing event the planner's `reason` words: at
    /// SIGTERM, or at a SIGKILL that no SIGTERM came before (a zero grace period); a SIGKILL at
    /// the end of a deletion's grace period is the runtime's ExceededGracePeriod instead.
    func stop(_ name: String, signal: Int32, reason: String, now: Timestamp) {
        guard let container = running.values.first(where: { $0.name == name }) else { return }
        if signal == SignalNumber.sigkill {
            if observed[name].stopRequestedAt == nil {
                record(EventWording.killing(reason), container: name, at: now)
            } else if observed.deletion != nil {
                record(EventWording.exceededGracePeriod, at: now)
            }
            observed[name].killed = true
        } else {
            observed[name].stopRequestedAt = now
            record(EventWording.killing(reason), container: name, at: now)
        }
        kill(container.pid, signal)
    }
}
