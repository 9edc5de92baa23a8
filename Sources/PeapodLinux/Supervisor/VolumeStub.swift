// TEMPORARY until Volumes/ lands.
import Glibc
import PeapodSpec

public enum VolumePlanner {
    public static func check(pod: Pod) throws {}
    public static func teardown(podDir: String) throws {}
    static func prepare(pod: Pod, podDir: String, shmDir: String) throws -> [String: [MountSpec]] {
        var result: [String: [MountSpec]] = [:]
        try FileSystem.writeFile(podDir + "/etc-hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n")
        for c in pod.allContainers {
            var mounts: [MountSpec] = [MountSpec(kind: .bind(source: shmDir, recursive: false), target: "/dev/shm", label: "/dev/shm"),
              MountSpec(kind: .bind(source: podDir + "/etc-hosts", recursive: false), target: "/etc/hosts", targetType: .file, label: "/etc/hosts")]
            for m in c.volumeMounts {
                let dir = podDir + "/volumes/\(m.name)"
                try FileSystem.makeDirectories(dir, mode: 0o777)
                mounts.append(MountSpec(kind: .bind(source: dir, recursive: true), target: m.mountPath, readOnly: m.readOnly, label: "volume \"\(m.name)\""))
            }
            result[c.name] = mounts
        }
        return result
    }
}
