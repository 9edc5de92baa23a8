// Turns a container of the pod spec into a running process: resolves the image, the command,
// the environment and the user, lays out the overlay directories of the new instance, opens its
// log, prepares its cgroup and QoS oom_score_adj, and hands a `ContainerLaunch` to the C shim.

import CPeapod
import Glibc
import PeapodRuntime
import PeapodSpec

struct ContainerLauncher {
    let store: PodStore
    let location: PodLocation
    let pod: Pod
    let images: [String: ImageRecord]
    /// The pod's cgroups, as the CLI placed them (nil for a pod recorded without any).
    let cgroups: PodCgroups?
    let machine = MachineResources.current()
    let instances = InstanceDirectories()
    /// Compiled seccomp programs, once per profile and capability set for this supervisor.
    let seccomp: SeccompFilters
    /// hostUsers: false: the pod's ids, as leased when it was created.
    let idMapping: IDMapping?
    /// The pod's and the host's addresses (status, fieldRef, /etc/hosts).
    let addresses: PodAddresses

    init(store: PodStore, location: PodLocation, pod: Pod, idMapping: IDMapping? = nil) throws {
        self.store = store
        self.location = location
        self.pod = pod
        self.idMapping = idMapping
        self.addresses = PodAddresses.of(pod, record: pod.spec.hostNetwork ? nil : PodNetworkRecord.load(location))
        self.cgroups = PodCgroups.load(location)
        self.seccomp = SeccompFilters(profilesDirectory: store.seccompProfilesDirectory,
                                      cacheDirectory: store.seccompCacheDirectory)
        let imageStore = ImageStore(root: store.root)
        var images: [String: ImageRecord] = [:]
        for container in pod.allContainers {
            guard let record = try imageStore.lookup(reference: container.image) else {
                throw LauncherError("container \(container.name): \(ImageStore.missingImageMessage(reference: container.image))")
            }
            images[container.name] = record
        }
        self.images = images
    }

    func imageName(_ container: String) -> String {
        images[container]?.reference.normalized ?? ""
    }

    func imageID(_ container: String) -> String {
        guard let record = images[container] else { return "" }
        return record.reference.name + "@" + record.id
    }

    var qosClass: String { QoS.classify(pod) }

    func spec(_ name: String) -> Container {
        pod.allContainers.first { $0.name == name }!
    }

    func launch(container name: String, instanceID: String, restartCount: Int, podMounts: PodMounts, sandbox: PodSandbox)
        throws -> RunningContainer
    {
        let container = spec(name)
        let image = images[name]!
        let config = image.config

        let (environment, specVariables) = VariableExpansion.environment(
            image: config.env, spec: container.env.map { ($0.name, value(of: $0)) },
            extra: defaultEnvironment(imageEnv: config.env))
        let expand = { (s: String) in VariableExpansion.expand(s) { specVariables[$0] } }
        let argv = ContainerCommand.argv(
            entrypoint: config.entrypoint, cmd: config.cmd,
            command: container.command.isEmpty ? nil : container.command.map(expand),
            args: container.args.isEmpty ? nil : container.args.map(expand))
        guard !argv.isEmpty else { throw LauncherError("container \(name): no command specified (the image has none either)") }
        let workingDir = !container.workingDir.isEmpty ? container.workingDir : (config.workingDir.isEmpty ? "/" : config.workingDir)
        let security = ContainerSecurity.resolve(pod: pod.spec, container: container, allCapabilities: LinuxCapabilities.all)
        let user = try UserResolver.resolve(config.user, security: security, rootfs: image.rootfsPath)
        if let refusal = RunAsNonRoot.check(security, imageUser: config.user, resolvedUID: user.uid,
                                            podDescription: "\(pod.name)_\(pod.namespace)(\(location.uid))", container: name) {
            throw LauncherError(refusal)
        }
        let process = try processSpec(security, user: user, environment: environment, workingDir: workingDir, container: name)
        let mounts = try podMounts.mounts(for: container)

        // The overlay of this instance: a spare made while the supervisor was idle, or new ones.
        // The previous instance's layers are removed later, when the supervisor is idle.
        let instanceDir = try instances.take(
            name, fresh: location.instanceDir(name, id: instanceID.prefix(12)), restarted: restartCount > 0)
        // The upper dir is the container's root directory: in a user namespace it belongs to the
        // container's root, and what the container makes there is owned by the pod's ids (the
        // overlay's work dir is used with the host's credentials of its mounter).
        if let idMapping, lchown(instanceDir + "/upper", idMapping.hostID, idMapping.hostID) != 0 {
            throw LauncherError("container \(name): chown \(instanceDir)/upper: \(String(cString: strerror(errno)))")
        }

        let logPath = location.logFile(container: name, restartCount: restartCount)
        let log = try CRILogWriter(path: logPath)

        // Pipes, or a terminal with tty: true; stdin kept open for attach with stdin: true.
        var stdio = try ContainerStdio(container)
        defer { stdio.closeChildEnds() }
        var launch = ContainerLaunch(
            containerName: name,
            rootfs: RootfsLayout(
                lowerDirs: [image.rootfsPath], upperDir: instanceDir + "/upper", workDir: instanceDir + "/work",
                mergedDir: location.rootfsMountPoint, readOnly: security.readOnlyRootFilesystem,
                volatile: overlayVolatileSupported),
            namespaces: sandbox.namespaces, mounts: mounts, argv: argv,
            environment: environment, workingDir: workingDir, stdinFD: stdio.child.0, stdoutFD: stdio.child.1,
            stderrFD: stdio.child.2)
        launch.terminal = container.tty
        launch.process = process
        if security.privileged {
            // As the kubelet's runtimes run a privileged container: the host's devices, a
            // writable /sys, nothing masked.
            launch.privileged = true
            launch.maskedPaths = []
            launch.readonlyPaths = []
        }
        // procMount: Unmasked (allowed only with a user namespace): /proc as the kernel shows
        // it, as the kubelet asks the runtime with empty masked and read-only path lists.
        if container.securityContext?.procMount == "Unmasked" {
            launch.maskedPaths = []
            launch.readonlyPaths = []
        }
        let oomScoreAdj = OOMScore.forContainer(container, of: pod, machineMemory: machine.memoryBytes)
        let pid: Int32
        var notices: [LaunchNotice] = []
        do {
            launch.limits = try cgroups?.prepare(container) ?? ProcessLimits()
            launch.limits.oomScoreAdj = oomScoreAdj
            // What `peapod exec` starts its commands as.
            try PublishedProcess.write(launch.process, container: name, directory: location.processDir)
            let started = try spawnContainerWithNotes(launch)
            pid = started.pid
            if let clamped = started.notes.clampedOOMScoreAdj {
                notices.append(LaunchNotice(
                    type: "Warning", reason: "OOMScoreAdjClamped",
                    message: "oom_score_adj \(oomScoreAdj) for QoS class \(qosClass) was refused (no CAP_SYS_RESOURCE); using \(clamped), the lowest this host allows"))
            }
        } catch {
            stdio.closeAll()
            log.close()
            throw error
        }
        return RunningContainer(
            name: name, pid: pid, instanceID: instanceID, stdout: stdio.stdout, stderr: stdio.stderr, log: log,
            notices: notices, mountNamespace: open("/proc/\(pid)/ns/mnt", O_RDONLY | O_CLOEXEC),
            process: launch.process, input: stdio.input, terminal: stdio.terminal)
    }

    /// Who the container's processes are and how they are confined (docs/security.md).
    func processSpec(_ security: ContainerSecurity, user: UserResolver.User, environment: [String], workingDir: String,
                     container: String) throws -> ProcessSpec {
        var mask: UInt64
        do {
            mask = try LinuxCapabilities.mask(security.capabilities)
        } catch {
            throw LauncherError("\(error)")
        }
        // `ALL` and privileged mean every capability there is to give; one asked for by name
        // that Peapod itself does not hold cannot be given.
        let missing = mask & ~LinuxCapabilities.held
        if missing != 0 {
            let named = ContainerSecurity.defaultCapabilities
                + (spec(container).securityContext?.capabilities?.add ?? []).map(ContainerSecurity.normalizedCapability)
            if let name = LinuxCapabilities.names(missing).first(where: { named.contains($0) }), !security.privileged {
                throw LauncherError("capability \(name) cannot be given: peapod itself does not hold it on this host")
            }
            mask &= LinuxCapabilities.held
        }
        var filter: SeccompFilter?
        if let source = SeccompSource(security.seccomp) {
            do {
                filter = try seccomp.filter(for: source, capabilities: mask)
            } catch {
                throw LauncherError("seccomp profile: \(error)")
            }
        }
        return ProcessSpec(
            environment: environment, workingDir: workingDir, uid: user.uid, gid: user.gid,
            supplementalGroups: user.groups, capabilities: .container(mask),
            noNewPrivileges: security.noNewPrivileges, seccomp: filter)
    }

    /// Whether the container's last instance lost a process to the OOM killer (its cgroup's
    /// oom_kill counter grew), which tells an OOM kill from a SIGKILL sent by someone else.
    func oomKilled(_ name: String) -> Bool {
        cgroups?.oomKilled(name) ?? false
    }

    /// PATH when the image sets none (containerd's default) and HOSTNAME (containerd sets it).
    func defaultEnvironment(imageEnv: [String]) -> [(String, String)] {
        var extra: [(String, String)] = []
        if !imageEnv.contains(where: { $0.hasPrefix("PATH=") }) {
            extra.append(("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"))
        }
        extra.append(("HOSTNAME", pod.spec.hostNetwork ? Clock.hostname : pod.hostnameForSandbox))
        return extra
    }

    /// An env entry's value: literal, or from the downward API (docs/kubelet-semantics.md §11.1).
    func value(of env: EnvVar) -> String {
        guard let path = env.valueFrom?.fieldRef?.fieldPath else { return env.value }
        return FieldPath.resolve(path, pod: pod, nodeName: Clock.hostname, podIPs: addresses.podIPs,
                                 hostIPs: addresses.hostIPs) ?? ""
    }
}

/// Something the supervisor should record as an event about a started container.
struct LaunchNotice: Equatable {
    var type: String
    var reason: String
    var message: String
}

struct LauncherError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
