// `peapod top pod [NAME] [--containers]`, as kubectl top prints it: CPU in millicores and the
// memory working set, per pod or per container, from the containers' cgroups. CPU is the
// cgroup's CPU time over a short sampling window (metrics-server uses a longer one).

import Glibc
import PeapodLinux
import PeapodRuntime
import PeapodSpec

struct TopCommand {
    static let spec = CommandSpec(
        name: "top", abstract: "Show CPU (millicores) and memory (working set) of pods, as kubectl top pod.",
        parameters: GlobalOptions.parameters + [
            .arguments("resources", help: "pod [NAME]"),
        ] + NamespaceOptions.listing + [
            .flag("containers", help: "One line per container."),
            .option("window", default: "0.5", help: "Seconds between the two CPU samples."),
        ],
        run: { try TopCommand($0).run() })

    var global: GlobalOptions
    var resources: [String]
    var namespace: NamespaceOptions
    var containers: Bool
    var window: Double

    init(_ arguments: ParsedArguments) throws {
        global = GlobalOptions(arguments)
        resources = arguments.strings("resources")
        namespace = NamespaceOptions(arguments)
        containers = arguments.flag("containers")
        window = try arguments.number("window")
    }

    struct Row {
        var namespace: String
        var pod: String
        var container: String
        var milliCPU: Int64
        var memory: Int64
    }

    func run() throws {
        try global.requireRoot()
        guard let first = resources.first, ResourceArguments.podWords.contains(first) else {
            throw CLIError("peapod top supports pods only: peapod top pod [NAME]")
        }
        let names = try ResourceArguments.podNames(resources)
        let store = global.store
        var views: [PodView] = []
        if names.isEmpty {
            views = store.list(namespace: namespace.scope).compactMap { PodView.load($0, store: store) }
        } else {
            for name in names { views.append(try PodView.find(name, namespace: namespace.namespace, store: store)) }
        }

        // (view, container, cgroups) of every running container; both samples read them all.
        var targets: [(view: PodView, container: String, cgroups: PodCgroups)] = []
        for view in views {
            guard view.supervisorAlive, let cgroups = PodCgroups.load(view.location) else {
                if !names.isEmpty { throw CLIError("Metrics not available for pod \(view.pod.namespace)/\(view.pod.name)") }
                continue
            }
            for container in view.pod.allContainers where view.containerPid(container.name) != nil {
                targets.append((view, container.name, cgroups))
            }
        }
        let start = Clock.monotonic()
        let before = targets.map { $0.cgroups.usage(container: $0.container) }
        usleep(useconds_t(max(0.05, window) * 1_000_000))
        let elapsed = Clock.monotonic() - start
        var rows: [Row] = []
        for (i, target) in targets.enumerated() {
            let after = target.cgroups.usage(container: target.container)
            let used = Int64((after.cpuNanos ?? 0) &- (before[i].cpuNanos ?? 0))
            rows.append(Row(namespace: target.view.pod.namespace, pod: target.view.pod.name, container: target.container,
                            milliCPU: TopMath.milliCPU(usedNanos: max(0, used), elapsedNanos: elapsed),
                            memory: after.memoryWorkingSet ?? 0))
        }
        if rows.isEmpty {
            Output.err(namespace.noResources)
            return
        }
        Output.out(Table.render(TopMath.table(rows.map { ($0.namespace, $0.pod, $0.container, $0.milliCPU, $0.memory) },
                                              containers: containers, allNamespaces: namespace.allNamespaces)))
    }
}

enum TopMath {
    static func milliCPU(usedNanos: Int64, elapsedNanos: Int64) -> Int64 {
        guard elapsedNanos > 0 else { return 0 }
        return usedNanos * 1000 / elapsedNanos
    }

    /// kubectl's columns: CPU(cores) as "<n>m", MEMORY(bytes) as "<n>Mi".
    static func table(_ rows: [(namespace: String, pod: String, container: String, milliCPU: Int64, memory: Int64)],
                      containers: Bool, allNamespaces: Bool) -> [[String]] {
        var header = containers ? ["POD", "NAME", "CPU(cores)", "MEMORY(bytes)"] : ["NAME", "CPU(cores)", "MEMORY(bytes)"]
        if allNamespaces { header.insert("NAMESPACE", at: 0) }
        var out = [header]
        func format(_ cpu: Int64, _ memory: Int64) -> [String] { ["\(cpu)m", "\(memory / (1024 * 1024))Mi"] }
        if containers {
            for r in rows {
                out.append((allNamespaces ? [r.namespace] : []) + [r.pod, r.container] + format(r.milliCPU, r.memory))
            }
        } else {
            var order: [String] = []
            var sums: [String: (ns: String, pod: String, cpu: Int64, memory: Int64)] = [:]
            for r in rows {
                let key = r.namespace + "/" + r.pod
                if sums[key] == nil { order.append(key); sums[key] = (r.namespace, r.pod, 0, 0) }
                sums[key]!.cpu += r.milliCPU
                sums[key]!.memory += r.memory
            }
            for key in order {
                let s = sums[key]!
                out.append((allNamespaces ? [s.ns] : []) + [s.pod] + format(s.cpu, s.memory))
            }
        }
        return out
    }
}
