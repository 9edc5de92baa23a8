// The supervisor's set-up: the sandbox's namespaces made by a helper process while the pod's
// files, mounts, cgroups and first directories are made here and in a thread.

import Glibc
import PeapodRuntime
import PeapodSpec

extension PodSupervisor {
    /// Starts making the pod's namespaces in a helper process, so that the rest of the
    /// supervisor's set-up overlaps with it.
    static func startSandbox(_ location: PodLocation, _ pod: Pod, _ idMapping: IDMapping?) -> Result<PendingSandbox, SandboxError> {
        Result { () throws(SandboxError) -> PendingSandbox in
            try PodSandbox.start(
                runDir: location.runDir, hostname: pod.hostnameForSandbox, shmSizeBytes: 64 * 1024 * 1024,
                shareProcessNamespace: pod.spec.shareProcessNamespace == true,
                hostNetwork: pod.spec.hostNetwork, hostIPC: pod.spec.hostIPC, hostPID: pod.spec.hostPID,
                sysctls: (pod.spec.securityContext?.sysctls ?? []).map {
                    PodSandbox.Sysctl(path: Sysctls.procPath($0.name), value: $0.value)
                },
                userNamespace: idMapping, network: pod.spec.hostNetwork ? nil : PodNetworkRecord.load(location))
        }
    }

    /// hostUsers: false: the range of host ids leased to the pod when it was created.
    static func userNamespace(_ location: PodLocation, _ pod: Pod) throws -> IDMapping? {
        guard pod.spec.hostUsers == false else { return nil }
        guard let mapping = try UserNamespaceLeases.recorded(location) else {
            throw UserNamespaceError("pod \(pod.name): hostUsers is false but no user namespace range was leased to it (\(location.userNamespaceFile))")
        }
        return mapping
    }

    /// The directories every pod needs before its first container starts, made by a thread
    /// while this one goes on with the set-up: the v1 cgroups of the pod and its containers, a
    /// first instance directory for each container (upper/, work/), the log directories.
    func prepareDirectories() -> BackgroundWork {
        let names = shape.all.map(\.name)
        var dirs = launcher.cgroups?.v1Directories(containers: names) ?? []
        dirs.append(location.podDir + "/containers")
        for name in names {
            let dir = location.instanceDir(name, id: Clock.randomHex(6))
            dirs += InstanceDirectories.layout(dir)
            launcher.instances.addSpare(name, dir)
        }
        dirs.append(location.logDir)
        dirs += names.map { location.logDir + "/" + $0 }
        return BackgroundWork.mkdir(dirs)
    }

    func createSandbox() throws {
        try FileSystem.makeDirectories(location.runDir, mode: 0o700)
        try FileSystem.makeDirectories(location.podDir)
        try FileSystem.makeDirectories(location.rootfsMountPoint, mode: 0o755)
        // shareProcessNamespace: one PID namespace for the pod, held by a pause process as its
        // init (the kubelet's sandbox does the same), so container processes see each other.
        let pending = try (pendingSandbox ?? Self.startSandbox(location, pod, launcher.idMapping)).get()
        pendingSandbox = nil
        // While the helper makes the namespaces: the pod's files and cgroups.
        do {
            // hostIPC: the host's /dev/shm, as the host's IPC namespace goes with it.
            podMounts = try PodMounts.prepare(pod: pod, location: location, shmDir: pod.spec.hostIPC ? "/dev/shm" : pending.shmDir,
                                              idMapping: launcher.idMapping, podIPs: launcher.addresses.hostsFileIPs)
            try launcher.cgroups?.createPod(pod)
        } catch {
            _ = try? pending.finish()
            throw error
        }
        sandbox = try pending.finish()
    }

    /// The supervisor outlives whoever started it: it keeps none of their descriptors (sockets,
    /// pipes of a test runner) beyond stdio and the ready pipe.
    static func closeInheritedDescriptors(keeping: [Int32]) {
        for entry in FileSystem.listDirectory("/proc/self/fd") {
            guard let fd = Int32(entry), fd > 2, !keeping.contains(fd) else { continue }
            close(fd)
        }
    }

    /// SIGCHLD and the stop signals, read from a descriptor the loop polls; a closed reader of
    /// a pipe is an EPIPE, not a signal that ends the pod's supervision.
    static func blockSignalsIntoFD() -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        return StopSignals.blockIntoDescriptor()
    }

    /// One line on the ready pipe to `apply`.
    func report(_ fd: Int32, _ line: String) {
        var bytes = Array(line.utf8)
        _ = write(fd, &bytes, bytes.count)
    }
}
