import Glibc
import PeapodLinux
import PeapodRuntime
import PeapodSpec

struct RunCommand {
    static let spec = CommandSpec(
        name: "run",
        abstract: "Run the pods of a manifest in the foreground, streaming their logs; or one pod from an image.",
        discussion: "With -f: Ctrl-C or SIGTERM deletes the pods gracefully; exits 0 when every pod Succeeded, 1 when one Failed. "
            + "With NAME --image=IMAGE: a pod as kubectl run makes it (label run=NAME); -i/-t attach to it, --rm deletes it after.",
        parameters: GlobalOptions.parameters + NamespaceOptions.parameters + FilenameOptions.parameters + BackoffOptions.parameters
            + CgroupOptions.parameters + SecurityOptions.parameters + LimitOptions.parameters + NetworkOptions.parameters
            + RunCommand.imageParameters,
        run: { try RunCommand($0).run() })

    var global: GlobalOptions
    var backoff: BackoffOptions
    var cgroups: CgroupOptions
    var security: SecurityOptions
    var limits: LimitOptions
    var network: NetworkOptions
    var files: FilenameOptions
    /// `run NAME --image=IMG`, as kubectl run (RunImage.swift); nil: `run -f FILE`.
    var image: RunImage?

    init(_ arguments: ParsedArguments) throws {
        global = GlobalOptions(arguments)
        backoff = try BackoffOptions(arguments)
        cgroups = try CgroupOptions(arguments)
        security = SecurityOptions(arguments)
        limits = try LimitOptions(arguments)
        network = try NetworkOptions(arguments)
        files = FilenameOptions(arguments)
        image = try Self.imageRun(arguments)
    }

    func run() throws {
        try image?.validate()
        try global.requireRoot()
        // Its pods are gone when run returns (or throws its exit code): the bridge and the
        // nftables table go with the last pod on them, as after delete.
        defer { NetworkCheck.removeUnusedNetwork(global.store) }
        if let image {
            try image.run(global: global, creator: PodCreator(
                store: global.store, backoff: backoff.policy, cgroups: cgroups.settings,
                allowedUnsafeSysctls: security.allowedUnsafeSysctls, limits: limits, network: network))
            return
        }
        let templates = try files.load()
        guard !templates.isEmpty else { throw CLIError("no objects passed to run") }
        let store = global.store
        let creator = PodCreator(store: store, backoff: backoff.policy, cgroups: cgroups.settings,
                                 allowedUnsafeSysctls: security.allowedUnsafeSysctls, limits: limits,
                                 network: network)

        if templates.count == 1 { try runHere(templates[0], store: store, creator: creator) }

        // SIGINT, SIGTERM, SIGHUP and SIGCHLD are blocked before any pod exists, so none is
        // missed, and read from one descriptor below.
        let signals = StopSignals.blockIntoDescriptor()
        guard signals >= 0 else { throw CLIError("signalfd: \(String(cString: strerror(errno)))") }

        // Each pod's supervisor runs in the foreground: it writes the pod's phase changes and its
        // containers' output lines to our standard output as they happen, and deletes the pod
        // once it has finished. This process only waits for the supervisors to exit.
        var pods: [(location: PodLocation, supervisor: Int32)] = []
        try store.withLock {
            try Self.checkAllNew(templates, creator)
            do {
                for pod in templates {
                    let created = try creator.create(pod, foreground: true)
                    pods.append((created.location, created.supervisor))
                }
            } catch {
                for pod in pods {
                    PodDeletion.forceRemove(pod.location, view: PodView.load(pod.location, store: store))
                    var status: Int32 = 0
                    _ = waitpid(pod.supervisor, &status, 0)
                }
                throw error
            }
        }

        var statuses: [Int32: Int32] = [:]
        var interrupted: Int32 = 0
        while statuses.count < pods.count {
            var pfd = pollfd(fd: signals, events: Int16(POLLIN), revents: 0)
            _ = poll(&pfd, 1, -1)
            while true {
                let signal = StopSignals.next(signals)
                guard signal > 0 else { break }
                // SIGUSR1 (a supervisor's metadata signal) is not a stop signal here.
                guard signal != SIGCHLD, signal != SIGUSR1, interrupted == 0 else { continue }
                interrupted = signal
                Output.err("\(signal == SIGINT ? "interrupted" : "terminated"): deleting \(pods.map { "pod/" + $0.location.name }.joined(separator: ", "))\n")
                for pod in pods where statuses[pod.supervisor] == nil {
                    try? PodDeletion.delete(pod.location, store: store, grace: nil, wait: false)
                }
            }
            while true {
                var status: Int32 = 0
                let pid = waitpid(-1, &status, WNOHANG)
                guard pid > 0 else { break }
                statuses[pid] = status
            }
        }
        close(signals)

        // A supervisor that ended without finishing its teardown (killed, or crashed) leaves
        // the pod behind: remove what is left, as `delete` does.
        var failed = false
        for pod in pods {
            let status = WaitStatus(raw: statuses[pod.supervisor] ?? 0)
            if status.exitCode.map({ $0 > 1 }) ?? true {
                let how = status.exitCode.map { "exited with \($0)" } ?? "was killed by signal \(status.signal ?? 0)"
                Output.err("error: pod \(pod.location.name): its supervisor \(how)\n")
            }
            if status.exitCode != 0 { failed = true }
            if FileSystem.exists(pod.location.podDir) || FileSystem.exists(pod.location.runDir) {
                try store.withLock { PodDeletion.forceRemove(pod.location, view: PodView.load(pod.location, store: store)) }
            }
        }
        if interrupted != 0 { throw ExitCode(128 + interrupted) }
        throw ExitCode(failed ? 1 : 0)
    }

    /// Every check of a real apply, and none of the pods may exist yet (`run` never adopts one).
    static func checkAllNew(_ pods: [Pod], _ creator: PodCreator) throws {
        for item in try creator.check(pods) where item.outcome != .create {
            throw CLIError("pod \"\(item.pod.name)\" already exists: delete it first, or use apply")
        }
    }

    /// One pod: this process is its supervisor, in the foreground, as `kubectl run --rm` would
    /// have it; it saves starting a supervisor process and reading back what was just decoded.
    /// The pod is as visible to the other commands as any other (status, events, logs, exec,
    /// delete), with this process's pid as its supervisor's.
    func runHere(_ template: Pod, store: PodStore, creator: PodCreator) throws -> Never {
        // Stop signals, SIGCHLD and SIGUSR1 (label, annotate) are blocked before the pod exists;
        // the supervisor then reads them from a signalfd, so a Ctrl-C at any moment deletes the pod.
        var blocked = sigset_t()
        sigemptyset(&blocked)
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGUSR1] { sigaddset(&blocked, signal) }
        sigprocmask(SIG_BLOCK, &blocked, nil)

        let (location, pod) = try store.withLock { () throws -> (PodLocation, Pod) in
            try Self.checkAllNew([template], creator)
            return try creator.createRecord(template)
        }
        let supervisor: PodSupervisor
        do {
            supervisor = try PodSupervisor(store: store, location: location, pod: pod,
                                           config: PlannerConfig(backoff: backoff.policy, housekeepingNanos: limits.housekeepingNanos))
            supervisor.logRotation = limits.logRotation
        } catch {
            PodCleanup.removeAll(location)
            throw CLIError("pod \(pod.name): \(error)")
        }
        supervisor.foregroundOutput = 1
        var interrupted: Int32 = 0
        supervisor.onStopSignal = { signal in
            // `peapod delete` leaves its request before it signals: that is no interruption.
            guard !FileSystem.exists(location.deleteRequestFile) else { return }
            interrupted = signal
            Output.err("\(signal == SIGINT ? "interrupted" : "terminated"): deleting pod/\(location.name)\n")
        }
        do {
            try supervisor.start()
        } catch {
            supervisor.tearDown()
            throw CLIError("pod \(pod.name): \(error)")
        }
        let code = supervisor.serve()
        throw ExitCode(interrupted != 0 ? 128 + interrupted : code)
    }
}
