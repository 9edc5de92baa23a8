// Publishing: the events that follow from the status, the foreground's phase lines, and the
// status file (`get`, `describe`, `wait`) with the pids `exec` and `top` need.

import Glibc
import PeapodRuntime
import PeapodSpec

extension PodSupervisor {
    /// Events that follow from the status rather than from an action: BackOff while a container
    /// waits out its back-off, DeadlineExceeded once.
    func recordStatusEvents(_ status: PlannedPodStatus, now: Timestamp) {
        for container in status.initContainerStatuses + status.containerStatuses {
            guard case .waiting("CrashLoopBackOff", _) = container.state, let id = container.containerID,
                  backoffReported[container.name] != id else { continue }
            backoffReported[container.name] = id
            record(wording.backOff(container.name), container: container.name, at: now)
        }
        if status.reason == "DeadlineExceeded" && !deadlineReported {
            deadlineReported = true
            record(EventWording.deadlineExceeded, at: now)
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
            imageID: { self.launcher.imageID($0) }, qosClass: launcher.qosClass,
            hostIP: launcher.addresses.hostIPs.first, podIPs: launcher.addresses.podIPs)
        var pids = JSONObject()
        for container in running.values { pids[container.name] = .int(Int64(container.pid)) }
        var file = JSONObject()
        file["status"] = statusJSON
        file["supervisorPid"] = .int(Int64(getpid()))
        file["containerPids"] = .object(pids)
        let text = JSONValue.object(file).serialized(pretty: false)
        try? FileSystem.writeAtomically(location.statusFile, text + "\n")
    }
}
