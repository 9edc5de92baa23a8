// A running pod's labels and annotations change (`peapod label`, `peapod annotate`): the CLI
// replaces pod.json under the store lock, then sends the supervisor SIGUSR1. The supervisor
// reads the stored metadata again and rewrites the downwardAPI volumes' files that show it, as
// the kubelet refreshes them (docs/kubelet-semantics.md §9.3). Nothing else of a running pod
// follows its metadata: environment variables from fieldRef keep the values the container
// started with, as in Kubernetes.

import Glibc
import PeapodSpec

public extension PodSupervisor {
    /// Brings the downwardAPI files up to date with the stored metadata.
    func refreshMetadata() {
        guard let podMounts else { return }
        do {
            let stored = try store.readPod(location)
            try podMounts.planner.refreshDownwardAPI(metadata: stored.metadata)
        } catch {
            var line = Array("peapod-supervisor: pod \(pod.name): refreshing downwardAPI files: \(error)\n".utf8)
            _ = write(2, &line, line.count)
        }
    }
}
