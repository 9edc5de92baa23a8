import ArgumentParser
import Glibc
import PeapodLinux
import PeapodRuntime
import PeapodSpec

/// Restart back-off flags shared by `apply` and `run`; the defaults are the kubelet's.
struct BackoffOptions: ParsableArguments {
    @Option(help: "Restart back-off base in seconds (the kubelet uses 10).")
    var backoffBase: Double = 10

    @Option(help: "Restart back-off cap in seconds (the kubelet uses 300).")
    var backoffCap: Double = 300

    var policy: BackoffPolicy { BackoffPolicy(baseSeconds: backoffBase, capSeconds: backoffCap) }
}

/// Cgroup placement flags shared by `apply` and `run`.
struct CgroupOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The cgroup under which each pod's cgroup (peapod-<uid>) is made, as a path inside every hierarchy; it must exist.",
        discussion: "Default: the caller's own cgroup of each hierarchy, so pods stay within the caller's limits."))
    var cgroupParent: String?

    @Option(help: "The most processes one pod may have (pids.max of its cgroup); -1 is unlimited, the kubelet's default podPidsLimit.")
    var podPidsLimit: Int64 = -1

    func validate() throws {
        guard podPidsLimit == -1 || podPidsLimit > 0 else {
            throw ValidationError("--pod-pids-limit must be -1 (unlimited) or a positive number")
        }
        if let cgroupParent, !cgroupParent.hasPrefix("/") || cgroupParent.split(separator: "/").contains("..") {
            throw ValidationError("--cgroup-parent must be an absolute cgroup path without \"..\", e.g. /peapod")
        }
    }

    var settings: PodCgroupSettings {
        PodCgroupSettings(parent: cgroupParent, pidsLimit: podPidsLimit > 0 ? podPidsLimit : nil)
    }
}

struct ApplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply", abstract: "Create the pods of a manifest (YAML or JSON; - for stdin) and return.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var backoff: BackoffOptions
    @OptionGroup var cgroups: CgroupOptions

    @Option(name: .shortAndLong, help: "The manifest file, or - for standard input.")
    var filename: String

    @Option(name: .customLong("dry-run"), help: "client: run every check of a real apply and create nothing.")
    var dryRun: String?

    func run() throws {
        try global.requireRoot()
        if let dryRun, dryRun != "client", dryRun != "none" {
            throw CLIError("invalid --dry-run value \"\(dryRun)\": only \"client\" and \"none\" are supported on one host")
        }
        let loaded = try ManifestInput.load(filename)
        let creator = PodCreator(store: global.store, backoff: backoff.policy, cgroups: cgroups.settings)
        try global.store.withLock {
            let planned = try creator.check(loaded.pods)
            for item in planned {
                switch item.outcome {
                case .unchanged:
                    print("pod/\(item.pod.name) unchanged\(dryRun == "client" ? " (dry run)" : "")")
                case .create:
                    if dryRun == "client" {
                        print("pod/\(item.pod.name) created (dry run)")
                    } else {
                        _ = try creator.create(item.pod)
                        print("pod/\(item.pod.name) created")
                    }
                }
            }
        }
    }
}

/// The hidden entry point of the per-pod supervisor process that `apply` starts.
struct SuperviseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "supervise", abstract: "Supervise one pod (started by apply; not for direct use).",
        shouldDisplay: false)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var backoff: BackoffOptions

    @Argument var podDir: String

    func run() throws {
        try Self.supervise(store: global.store, backoff: backoff.policy, podDir: podDir)
    }

    /// The arguments `PodCreator.startSupervisor` passes, exactly: `--root R --run-root RR
    /// --backoff-base B --backoff-cap C PODDIR`. Parsed by hand, because ArgumentParser's set-up
    /// of the command tree was about a fifth of a supervisor's start-up CPU (docs/benchmarks.md);
    /// nil for anything else, which then goes through ArgumentParser as before.
    static func fastArguments(_ args: ArraySlice<String>) -> (store: PodStore, backoff: BackoffPolicy, podDir: String)? {
        let a = Array(args)
        guard a.count == 9, a[0] == "--root", a[2] == "--run-root", a[4] == "--backoff-base", a[6] == "--backoff-cap",
              let base = Double(a[5]), let cap = Double(a[7]), !a[8].hasPrefix("-")
        else { return nil }
        return (PodStore(root: a[1], runRoot: a[3]), BackoffPolicy(baseSeconds: base, capSeconds: cap), a[8])
    }

    static func supervise(store: PodStore, backoff: BackoffPolicy, podDir: String) throws {
        guard let location = store.list().first(where: { $0.podDir == podDir }) else {
            throw CLIError("no pod at \(podDir)")
        }
        let pod = try store.readPod(location)
        let supervisor = try PodSupervisor(
            store: store, location: location, pod: pod, config: PlannerConfig(backoff: backoff))
        throw ExitCode(supervisor.run(readyFD: 3))
    }
}
