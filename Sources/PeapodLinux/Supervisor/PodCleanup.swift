// Removing everything of a pod: the supervisor's teardown (its children first), and the removal
// from the paths alone that it and `delete` share.

import Glibc
import PeapodRuntime
import PeapodSpec

extension PodSupervisor {
    /// Removes everything of the pod: processes, sandbox, volumes, directories. Also the path
    /// taken after a failed start, so it copes with any part missing.
    public func tearDown() {
        preparing?.wait()
        preparing = nil
        cancelStorageMeasurement()
        // A sandbox helper still at work must be done before its pins can be removed.
        if case let .success(helper)? = pendingSandbox { _ = try? helper.finish() }
        pendingSandbox = nil
        attach.close()
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
        // Its record is in the pod's directory: before that goes to the trash.
        DefaultNetwork.release(location)
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
