import Glibc
import PeapodLinux
import PeapodRuntime
import PeapodSpec

struct DeleteCommand {
    static let spec = CommandSpec(
        name: "delete", abstract: "Delete pods gracefully; nothing of them is left afterwards.",
        parameters: GlobalOptions.parameters + [
            .arguments("resources", required: false, help: "pods NAME..., pod/NAME"),
        ] + FilenameOptions.parameters + NamespaceOptions.listing + [SelectorOptions.labelSelector] + [
            .flag("all", help: "Every pod of the namespace."),
            .option("grace-period", default: "-1", help: "Seconds before SIGKILL; -1 uses the pod's own."),
            .flag("now", help: "Signal the pods for immediate shutdown (--grace-period=1)."),
            .flag("force", help: "With --grace-period=0: kill at once."),
            .flag("ignore-not-found"),
            .toggle("wait", default: true, help: "Wait until the pods are gone."),
        ],
        run: { try DeleteCommand($0).run() })

    var global: GlobalOptions
    var resources: [String]
    var files: FilenameOptions
    var namespace: NamespaceOptions
    var selector: LabelSelector?
    var selectorText: String?
    var all: Bool
    var gracePeriod: Int
    var now: Bool
    var force: Bool
    var ignoreNotFound: Bool
    var wait: Bool

    init(_ arguments: ParsedArguments) throws {
        global = GlobalOptions(arguments)
        resources = arguments.strings("resources")
        files = FilenameOptions(arguments)
        namespace = NamespaceOptions(arguments)
        selectorText = arguments.string("selector")
        selector = try selectorText.map(LabelSelector.init(parsing:))
        all = arguments.flag("all")
        gracePeriod = try arguments.number("grace-period")
        now = arguments.flag("now")
        force = arguments.flag("force")
        ignoreNotFound = arguments.flag("ignore-not-found")
        wait = arguments.flag("wait")
        if now && arguments.given("grace-period") != nil {
            throw CLIError("--now and --grace-period cannot be specified together")
        }
    }

    /// kubectl's checks of the arguments, before anything is read.
    func checkArguments() throws {
        if !files.isEmpty {
            guard resources.isEmpty else { throw CLIError("Unexpected args: \(resources)") }
            return
        }
        guard !resources.isEmpty else {
            throw CLIError("You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'")
        }
        let names = try ResourceArguments.podNames(resources)
        if all || selector != nil {
            if all && selector != nil { throw CLIError("setting 'all' parameter but found a non empty selector. ") }
            guard names.isEmpty else { throw CLIError("name cannot be provided when a selector is specified") }
        } else if names.isEmpty {
            throw CLIError("resource(s) were provided, but no name was specified")
        }
    }

    /// The pods to delete, as (namespace, name), in kubectl's order.
    func targets() throws -> [(namespace: String, name: String)] {
        if !files.isEmpty { return try files.load().map { ($0.namespace, $0.name) } }
        let names = try ResourceArguments.podNames(resources)
        if all || selector != nil {
            let store = global.store
            return store.list(namespace: namespace.scope).compactMap { location in
                if let selector {
                    guard let pod = try? store.readPod(location), selector.matches(pod.metadata.labels) else { return nil }
                }
                return (location.namespace, location.name)
            }
        }
        return names.map { (namespace.namespace, $0) }
    }

    func run() throws {
        try checkArguments()
        try global.requireRoot()
        let targets = try targets()
        // kubectl: a zero grace period without --force means "as short as possible", i.e. 1 s;
        // --now is that too.
        var grace = now ? 1 : gracePeriod
        if grace == 0 && !force { grace = 1 }
        if force && grace < 0 { grace = 0 }
        if force && grace == 0 {
            Output.err("Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n")
        }
        if targets.isEmpty && (all || selector != nil) {
            Output.out("No resources found\n")
            return
        }
        // Every request first, then the waits, as kubectl deletes then waits for them all.
        var failed = false
        var pending: [PodDeletion.Request] = []
        for target in targets {
            guard let location = global.store.find(namespace: target.namespace, name: target.name) else {
                if !ignoreNotFound {
                    Output.err("Error from server (NotFound): pods \"\(target.name)\" not found\n")
                    failed = true
                }
                continue
            }
            pending.append(try PodDeletion.request(location, store: global.store, grace: grace >= 0 ? grace : nil))
            Output.out("pod \"\(target.name)\" deleted\n")
        }
        if wait {
            for request in pending { try PodDeletion.finish(request, store: global.store) }
        }
        NetworkCheck.removeUnusedNetwork(global.store)
        if failed { throw ExitCode(1) }
    }
}

enum PodDeletion {
    /// A delete request left for a pod's supervisor (or a pod without one, cleaned up at once).
    struct Request {
        var location: PodLocation
        var view: PodView?
        var supervisor: Int32?
        var deadline: Int64
    }

    /// Asks the pod's supervisor to terminate it (preStop, SIGTERM, grace, SIGKILL, teardown) and
    /// waits until it is gone. A pod without a live supervisor is cleaned up here.
    static func delete(_ location: PodLocation, store: PodStore, grace: Int?, wait: Bool) throws {
        let request = try request(location, store: store, grace: grace)
        if wait || request.supervisor == nil { try finish(request, store: store) }
    }

    /// Leaves the request and signals the supervisor; a pod without a live one is removed now.
    static func request(_ location: PodLocation, store: PodStore, grace: Int?) throws -> Request {
        let view = PodView.load(location, store: store)
        if let view, view.supervisorAlive, let pid = view.supervisorPid {
            let seconds = grace ?? Int(view.pod.spec.terminationGracePeriodSeconds ?? 30)
            // The grace seconds, then when the request was made (metadata.deletionTimestamp).
            try FileSystem.writeAtomically(location.deleteRequestFile, "\(seconds)\n\(Clock.now().rfc3339Nano)\n")
            kill(pid, SIGTERM)
            // The supervisor exits once everything is removed; allow the grace period and a margin.
            return Request(location: location, view: view, supervisor: pid,
                           deadline: Clock.monotonic() + Int64(seconds + 30) * 1_000_000_000)
        }
        try store.withLock { forceRemove(location, view: view) }
        return Request(location: location, view: view, supervisor: nil, deadline: 0)
    }

    /// Waits until the supervisor has removed the pod; removes what is left after the deadline.
    static func finish(_ request: Request, store: PodStore) throws {
        guard let pid = request.supervisor else { return }
        let location = request.location
        ProcessState.waitForExit(pid, deadline: request.deadline)
        // The supervisor removes the pod directory last: gone means it finished its teardown,
        // and what could be left without it is recorded in that directory anyway.
        if !ProcessState.isAlive(pid) && !FileSystem.exists(location.podDir) && !FileSystem.exists(location.runDir) {
            return
        }
        try store.withLock { forceRemove(location, view: request.view) }
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
