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
