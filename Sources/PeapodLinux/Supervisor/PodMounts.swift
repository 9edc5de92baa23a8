// The mounts every container of a pod gets besides its root: the pod's volumes (set up once per
// pod) and the kubelet-managed /etc/hosts, /etc/hostname, /etc/resolv.conf, plus the pod's
// shared /dev/shm.

import PeapodSpec

struct PodMounts {
    let planner: VolumePlanner
    let shmDir: String

    static func prepare(pod: Pod, location: PodLocation, shmDir: String) throws -> PodMounts {
        let planner = VolumePlanner(pod: pod, podDirectory: location.podDir)
        _ = try planner.setUp()
        return PodMounts(planner: planner, shmDir: shmDir)
    }

    /// Resolved at each start, so subPaths made by an earlier container are seen.
    func mounts(for container: Container) throws -> [MountSpec] {
        try planner.mounts(for: container, shmDirectory: shmDir)
    }
}
