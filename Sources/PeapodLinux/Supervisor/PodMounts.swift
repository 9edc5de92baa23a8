// The mounts every container of a pod gets besides its root: the pod's volumes (prepared once
// per pod) and the kubelet-managed files /etc/hosts, /etc/hostname, /etc/resolv.conf, plus the
// pod's shared /dev/shm.

import PeapodSpec

struct PodMounts {
    var perContainer: [String: [MountSpec]]

    func mounts(for container: String) -> [MountSpec] {
        perContainer[container] ?? []
    }

    static func prepare(pod: Pod, location: PodLocation, shmDir: String) throws -> PodMounts {
        let volumes = try VolumePlanner.prepare(pod: pod, podDir: location.podDir, shmDir: shmDir)
        return PodMounts(perContainer: volumes)
    }
}
