// The mounts every container of a pod gets besides its root: the pod's volumes (set up once per
// pod) and the kubelet-managed /etc/hosts, /etc/hostname, /etc/resolv.conf, plus the pod's
// shared /dev/shm and the container's termination-message file.

import Glibc
import PeapodSpec

struct PodMounts {
    let planner: VolumePlanner
    let shmDir: String
    /// Host directory of the termination-message files, one per container.
    let terminationDir: String

    static func prepare(pod: Pod, location: PodLocation, shmDir: String, idMapping: IDMapping? = nil,
                        podIPs: [String] = ["127.0.0.1"]) throws -> PodMounts {
        // The small per-pod files (hosts, hostname, resolv.conf, termination messages) live in the
        // run directory: a tmpfs on a standard host, so a pod start makes fewer inodes on the
        // store's disk (docs/benchmarks.md, "The root filesystem").
        var planner = VolumePlanner(pod: pod, podDirectory: location.podDir, filesDirectory: location.runDir, podIPs: podIPs)
        planner.idMapping = idMapping
        _ = try planner.setUp()
        let terminationDir = location.runDir + "/termination"
        try FileSystem.makeDirectories(terminationDir, mode: 0o755)
        return PodMounts(planner: planner, shmDir: shmDir, terminationDir: terminationDir)
    }

    /// Resolved at each start, so subPaths made by an earlier container are seen.
    func mounts(for container: Container) throws -> [MountSpec] {
        var mounts = try planner.mounts(for: container, shmDirectory: shmDir)
        if !container.terminationMessagePath.isEmpty {
            var file = MountSpec(
                kind: .bind(source: terminationFile(container.name), recursive: false),
                target: container.terminationMessagePath, targetType: .file, label: "termination-log")
            file.idMapped = true
            mounts.append(file)
        }
        return mounts
    }

    func terminationFile(_ container: String) -> String { terminationDir + "/" + container }

    /// A new, empty file for the next instance (the kubelet makes one per instance): a process of
    /// an earlier instance that still holds the old one cannot write into the new message.
    /// An empty termination message file for a new instance, writable by any user. The file of
    /// the previous instance is emptied in place (its processes are gone), which spares the
    /// filesystem a new inode on every restart.
    func resetTerminationFile(_ container: String) throws {
        let path = terminationFile(container)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw StoreError("write", path) }
        defer { close(fd) }
        guard fchmod(fd, 0o666) == 0 else { throw StoreError("chmod", path) }
    }

    /// The termination message as the kubelet reads it: the last 4096 bytes of the file; with
    /// FallbackToLogsOnError and an empty file after a failure, the end of the log (the last 80
    /// lines, at most 2048 bytes).
    func terminationMessage(_ container: Container, exitCode: Int32, logPath: String) -> String? {
        var message = ""
        if !container.terminationMessagePath.isEmpty {
            message = Self.lastBytes(of: Self.read(terminationFile(container.name)), 4096)
        }
        if message.isEmpty && exitCode != 0 && container.terminationMessagePolicy == "FallbackToLogsOnError" {
            let lines = (try? CRILogReader(path: logPath).tail(80).lines) ?? []
            var bytes: [UInt8] = []
            for line in lines {
                bytes += line.content
                if line.complete { bytes.append(10) }
            }
            message = String(decoding: bytes.suffix(2048), as: UTF8.self)
        }
        return message.isEmpty ? nil : message
    }

    static func read(_ path: String) -> [UInt8] {
        Array(((try? FileSystem.readText(path)) ?? "").utf8)
    }

    static func lastBytes(of bytes: [UInt8], _ limit: Int) -> String {
        String(decoding: bytes.suffix(limit), as: UTF8.self)
    }
}
