import Glibc
import PeapodLinux
import PeapodRuntime
import PeapodSpec

struct DeleteCommand {
    static let spec = CommandSpec(
        name: "delete", abstract: "Delete pods gracefully; nothing of them is left afterwards.",
        parameters: GlobalOptions.parameters + [
            .arguments("resources", required: false, help: "pod NAME..., pod/NAME"),
            .option("filename", short: "f", help: "Delete the pods of this manifest."),
            .option("namespace", short: "n", default: "default"),
            .option("grace-period", default: "-1", help: "Seconds before SIGKILL; -1 uses the pod's own."),
            .flag("force", help: "With --grace-period=0: kill at once."),
            .flag("ignore-not-found"),
            .toggle("wait", default: true, help: "Wait until the pods are gone."),
        ],
        run: { try DeleteCommand($0).run() })

    var global: GlobalOptions
    var resources: [String]
    var filename: String?
    var namespace: String
    var gracePeriod: Int
    var force: Bool
    var ignoreNotFound: Bool
    var wait: Bool

    init(_ arguments: ParsedArguments) throws {
        global = GlobalOptions(arguments)
        resources = arguments.strings("resources")
        filename = arguments.string("filename")
        namespace = arguments.string("namespace") ?? "default"
        gracePeriod = try arguments.value("grace-period") ?? -1
        force = arguments.flag("force")
        ignoreNotFound = arguments.flag("ignore-not-found")
        wait = arguments.flag("wait")
    }

    func run() throws {
        try global.requireRoot()
        var targets: [(namespace: String, name: String)] = []
        if let filename {
            targets = try ManifestInput.load(filename).pods.map { ($0.namespace, $0.name) }
        } else {
            guard !resources.isEmpty else { throw CLIError("resource(s) were provided, but no name was specified") }
            targets = try ResourceArguments.podNames(resources).map { (namespace, $0) }
            guard !targets.isEmpty else { throw CLIError("resource(s) were provided, but no name was specified") }
        }
        // kubectl: a zero grace period without --force means "as short as possible", i.e. 1 s.
        var grace = gracePeriod
        if grace == 0 && !force { grace = 1 }
        if force && grace < 0 { grace = 0 }
        if force && grace == 0 {
            Output.err("Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n")
        }
        var failed = false
        for target in targets {
            guard let location = global.store.find(namespace: target.namespace, name: target.name) else {
                if !ignoreNotFound {
                    Output.err("Error from server (NotFound): pods \"\(target.name)\" not found\n")
                    failed = true
                }
                continue
            }
            try PodDeletion.delete(location, store: global.store, grace: grace >= 0 ? grace : nil, wait: wait)
            print("pod \"\(target.name)\" deleted")
        }
        NetworkCheck.removeUnusedNetwork(global.store)
        if failed { throw ExitCode(1) }
    }
}

enum PodDeletion {
    /// Asks the pod's supervisor to terminate it (preStop, SIGTERM, grace, SIGKILL, teardown) and
    /// waits until it is gone. A pod without a live supervisor is cleaned up here.
    static func delete(_ location: PodLocation, store: PodStore, grace: Int?, wait: Bool) throws {
        let view = PodView.load(location, store: store)
        if let view, view.supervisorAlive, let pid = view.supervisorPid {
            let seconds = grace ?? Int(view.pod.spec.terminationGracePeriodSeconds ?? 30)
            // The grace seconds, then when the request was made (metadata.deletionTimestamp).
            try FileSystem.writeAtomically(location.deleteRequestFile, "\(seconds)\n\(Clock.now().rfc3339Nano)\n")
            kill(pid, SIGTERM)
            guard wait else { return }
            // The supervisor exits once everything is removed; allow the grace period and a margin.
            let deadline = Clock.monotonic() + Int64(seconds + 30) * 1_000_000_000
            ProcessState.waitForExit(pid, deadline: deadline)
            // The supervisor removes the pod directory last: gone means it finished its teardown,
            // and what could be left without it is recorded in that directory anyway.
            if !ProcessState.isAlive(pid) && !FileSystem.exists(location.podDir) && !FileSystem.exists(location.runDir) {
                return
            }
        }
        try store.withLock { forceRemove(location, view: view) }
    }

    /// Whatever is still there: container processes by pid, then sandbox, volumes, directories.
    static func forceRemove(_ location: PodLocation, view: PodView?) {
        if let view {
            if let pid = view.supervisorPid, view.supervisorAlive { kill(pid, SIGKILL) }
            for container in view.pod.allContainers {
                if let pid = view.containerPid(container.name) { kill(pid, SIGKILL) }
            }
        }
        PodCleanup.removeAll(location)
    }
}
