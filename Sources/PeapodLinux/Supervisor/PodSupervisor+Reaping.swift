// Reaping: every child the supervisor started (containers, hooks, probes) ends here; a
// container's end becomes its instance's exit code, signal, termination message and OOM kill.

import Glibc
import PeapodRuntime
import PeapodSpec

extension PodSupervisor {
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
            attach.ended(container.name)
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
                    self.record(EventWording.oomKilling(container.name), container: container.name, at: now)
                }
                record.current = current
                observed[container.name] = record
            }
        }
    }

    /// The last output of a container that was reaped, into its log; its pipes are closed.
    func drain(fd: Int32, in container: inout RunningContainer) {
        running[container.pid] = container
        drain(fd: fd)
        container = running.removeValue(forKey: container.pid)!
        for fd in [container.stdout, container.stderr] where fd >= 0 { close(fd) }
        container.stdout = -1
        container.stderr = -1
    }
}
