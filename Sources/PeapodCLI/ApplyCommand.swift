import Glibc
import PeapodLinux
import PeapodRuntime
import PeapodSpec

/// Restart back-off flags shared by `apply` and `run`; the defaults are the kubelet's.
struct BackoffOptions {
    static let parameters: [Parameter] = [
        .option("backoff-base", default: "10.0", help: "Restart back-off base in seconds (the kubelet uses 10)."),
        .option("backoff-cap", default: "300.0", help: "Restart back-off cap in seconds (the kubelet uses 300)."),
    ]

    var backoffBase: Double
    var backoffCap: Double

    init(_ arguments: ParsedArguments) throws {
        backoffBase = try arguments.number("backoff-base")
        backoffCap = try arguments.number("backoff-cap")
    }

    var policy: BackoffPolicy { BackoffPolicy(baseSeconds: backoffBase, capSeconds: backoffCap) }
}

/// Cgroup placement flags shared by `apply` and `run`.
struct CgroupOptions {
    static let parameters: [Parameter] = [
        .option(
            "cgroup-parent",
            help: "The cgroup under which each pod's cgroup (peapod-<uid>) is made, as a path inside every hierarchy; it must exist.",
            discussion: "Default: the caller's own cgroup of each hierarchy, so pods stay within the caller's limits."),
        .option(
            "pod-pids-limit", default: String(CgroupOptions.defaultPodPidsLimit),
            help: "The most processes one pod may have (pids.max of its cgroup, the kubelet's podPidsLimit); =-1 is unlimited.",
            discussion: "The default stops a fork bomb well before the host's pid_max (docs/limits.md)."),
    ]

    /// OpenShift's kubelet default (podPidsLimit: 4096 since 4.11): far above what a real pod
    /// runs, far below the kernel's default pid_max of 32768 (the upstream kubelet's -1 lets one
    /// pod take them all).
    static let defaultPodPidsLimit: Int64 = 4096

    var cgroupParent: String?
    var podPidsLimit: Int64

    init(_ arguments: ParsedArguments) throws {
        cgroupParent = arguments.string("cgroup-parent")
        podPidsLimit = try arguments.number("pod-pids-limit")
        try validate()
    }

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

/// The kubelet's security flags, shared by `apply` and `run`.
struct SecurityOptions {
    static let parameters: [Parameter] = [
        .option(
            "allowed-unsafe-sysctls",
            help: "Comma-separated namespaced sysctls (or prefixes ending in *) pods may set beyond the kubelet's safe set."),
    ]

    var allowedUnsafeSysctls: [String]

    init(_ arguments: ParsedArguments) {
        allowedUnsafeSysctls = arguments.string("allowed-unsafe-sysctls").map { $0.split(separator: ",").map(String.init) } ?? []
    }
}

struct ApplyCommand {
    static let spec = CommandSpec(
        name: "apply", abstract: "Create the pods of a manifest (YAML or JSON; - for stdin) and return.",
        parameters: GlobalOptions.parameters + FilenameOptions.parameters + BackoffOptions.parameters + CgroupOptions.parameters
            + SecurityOptions.parameters + LimitOptions.parameters + NetworkOptions.parameters + [
            .option("dry-run", help: "client: run every check of a real apply and create nothing."),
        ],
        run: { try ApplyCommand($0).run() })

    var global: GlobalOptions
    var backoff: BackoffOptions
    var cgroups: CgroupOptions
    var security: SecurityOptions
    var limits: LimitOptions
    var network: NetworkOptions
    var files: FilenameOptions
    var dryRun: String?

    init(_ arguments: ParsedArguments) throws {
        global = GlobalOptions(arguments)
        backoff = try BackoffOptions(arguments)
        cgroups = try CgroupOptions(arguments)
        security = SecurityOptions(arguments)
        limits = try LimitOptions(arguments)
        network = try NetworkOptions(arguments)
        files = FilenameOptions(arguments)
        dryRun = arguments.string("dry-run")
    }

    func run() throws {
        guard !files.isEmpty else { throw CLIError("must specify one of -f and -k") }
        if let dryRun, dryRun != "client", dryRun != "none" {
            throw CLIError("invalid --dry-run value \"\(dryRun)\": only \"client\" and \"none\" are supported on one host")
        }
        try global.requireRoot()
        let pods = try files.load()
        let creator = PodCreator(store: global.store, backoff: backoff.policy, cgroups: cgroups.settings,
                                 allowedUnsafeSysctls: security.allowedUnsafeSysctls, limits: limits,
                                 network: network)
        try global.store.withLock {
            let planned = try creator.check(pods)
            for item in planned {
                switch item.outcome {
                case .unchanged:
                    Output.out("pod/\(item.pod.name) unchanged\(dryRun == "client" ? " (dry run)" : "")\n")
                case .create:
                    if dryRun == "client" {
                        Output.out("pod/\(item.pod.name) created (dry run)\n")
                    } else {
                        _ = try creator.create(item.pod)
                        Output.out("pod/\(item.pod.name) created\n")
                    }
                }
            }
        }
    }
}
