// Events as the API would serve them: each pod's supervisor records them in the pod's
// events.jsonl (EventRecorder); here they become v1 Event objects (`get events -o json`), the
// rows of `get events` and of `kubectl events` (`peapod events`). They go with their pod: a
// deleted pod's events are gone at once (an API server keeps them for an hour).

import Glibc
import PeapodLinux
import PeapodRuntime
import PeapodSpec

struct EventView {
    var event: PodEvent
    var namespace: String
    var podName: String
    var podUID: String

    /// The kubelet's names: the object's name and the first time in hex nanoseconds.
    var name: String { "\(podName).\(String(UInt64(bitPattern: event.firstTimestamp.nanos), radix: 16))" }

    /// The scheduler reports Scheduled; the kubelet everything else.
    var component: String { event.reason == "Scheduled" ? "default-scheduler" : "kubelet" }

    /// Every event of the pods in `namespace` (nil: all), by namespace and name as a list of
    /// the API returns them.
    static func list(store: PodStore, namespace: String?) -> [EventView] {
        var out: [EventView] = []
        for location in store.list(namespace: namespace) {
            for event in EventRecorder.load(path: location.eventsFile) {
                out.append(EventView(event: event, namespace: location.namespace, podName: location.name, podUID: location.uid))
            }
        }
        return out.sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
    }

    func json() -> JSONValue {
        var involved = JSONObject()
        involved["apiVersion"] = .string("v1")
        if !event.fieldPath.isEmpty { involved["fieldPath"] = .string(event.fieldPath) }
        involved["kind"] = .string("Pod")
        involved["name"] = .string(podName)
        involved["namespace"] = .string(namespace)
        involved["uid"] = .string(podUID)
        var source = JSONObject()
        source["component"] = .string(component)
        if component == "kubelet" { source["host"] = .string(Clock.hostname) }
        var metadata = JSONObject()
        metadata["creationTimestamp"] = .string(event.firstTimestamp.rfc3339)
        metadata["name"] = .string(name)
        metadata["namespace"] = .string(namespace)
        var o = JSONObject()
        o["apiVersion"] = .string("v1")
        o["count"] = .int(Int64(event.count))
        o["eventTime"] = .null
        o["firstTimestamp"] = .string(event.firstTimestamp.rfc3339)
        o["involvedObject"] = .object(involved)
        o["kind"] = .string("Event")
        o["lastTimestamp"] = .string(event.lastTimestamp.rfc3339)
        o["message"] = .string(event.message)
        o["metadata"] = .object(metadata)
        o["reason"] = .string(event.reason)
        o["reportingComponent"] = .string(component)
        o["reportingInstance"] = .string(component == "kubelet" ? Clock.hostname : "")
        o["source"] = .object(source)
        o["type"] = .string(event.type)
        return .object(o)
    }

    /// `get events`: LAST SEEN TYPE REASON OBJECT MESSAGE; wide adds SUBOBJECT, SOURCE, FIRST
    /// SEEN, COUNT and NAME (kubectl's printEvent).
    static func header(wide: Bool) -> [String] {
        wide ? ["LAST SEEN", "TYPE", "REASON", "OBJECT", "SUBOBJECT", "SOURCE", "MESSAGE", "FIRST SEEN", "COUNT", "NAME"]
            : ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    }

    func row(wide: Bool, now: Timestamp) -> [String] {
        let last = HumanDuration.format(seconds: now.secondsSince(event.lastTimestamp))
        guard wide else { return [last, event.type, event.reason, "pod/\(podName)", event.message] }
        let source = component == "kubelet" ? "kubelet, \(Clock.hostname)" : component
        return [last, event.type, event.reason, "pod/\(podName)", event.fieldPath, source, event.message,
                HumanDuration.format(seconds: now.secondsSince(event.firstTimestamp)), "\(event.count)", name]
    }

    /// `kubectl events`: LAST SEEN with the repeats, and the object as Kind/name.
    func eventsRow(now: Timestamp) -> [String] {
        var last = HumanDuration.format(seconds: now.secondsSince(event.lastTimestamp))
        if event.count > 1 {
            last += " (x\(event.count) over \(HumanDuration.format(seconds: now.secondsSince(event.firstTimestamp))))"
        }
        return [last, event.type, event.reason, "Pod/\(podName)", event.message]
    }
}

/// `peapod events`: kubectl events, the events of a namespace (or all, or of one pod) sorted by
/// when they last happened, optionally watched.
struct EventsCommand {
    static let spec = CommandSpec(
        name: "events", abstract: "List events, as kubectl events.",
        parameters: GlobalOptions.parameters + NamespaceOptions.listing + OutputOptions.parameters + [
            .option("for", help: "Only the events of this object: pod/NAME."),
            .option("types", help: "Only events of these types, comma-separated: Normal, Warning."),
            .flag("no-headers", help: "No header line."),
            .flag("watch", short: "w", help: "After the list, print events as they happen."),
            .option("request-timeout", default: "0", help: "With -w: stop after this long (0: never), e.g. 30s."),
        ],
        run: { try EventsCommand($0).run() })

    var global: GlobalOptions
    var namespace: NamespaceOptions
    var output: OutputOptions
    var forObject: String?
    var types: [String]
    var noHeaders: Bool
    var watch: Bool
    var requestTimeout: String

    init(_ arguments: ParsedArguments) {
        global = GlobalOptions(arguments)
        namespace = NamespaceOptions(arguments)
        output = OutputOptions(arguments)
        forObject = arguments.string("for")
        types = arguments.string("types").map { $0.split(separator: ",").map(String.init) } ?? []
        noHeaders = arguments.flag("no-headers")
        watch = arguments.flag("watch")
        requestTimeout = arguments.text("request-timeout")
    }

    func selected(_ store: PodStore) throws -> [EventView] {
        var name: String?
        if let forObject {
            guard let slash = forObject.firstIndex(of: "/"),
                  ResourceArguments.podWords.contains(forObject[..<slash].lowercased()) else {
                throw CLIError("--for must be in resource/name form: pod/NAME")
            }
            name = String(forObject[forObject.index(after: slash)...])
        }
        return EventView.list(store: store, namespace: namespace.scope).filter { view in
            (name == nil || view.podName == name) && (types.isEmpty || types.contains(view.event.type))
        }.sorted { $0.event.lastTimestamp < $1.event.lastTimestamp }
    }

    func run() throws {
        let format = try output.format(allowed: ["json", "yaml"])
        for type in types where type != "Normal" && type != "Warning" {
            throw CLIError("valid --types are Normal or Warning")
        }
        try global.requireStore()
        let store = global.store
        let events = try selected(store)
        let now = Clock.now()
        var header = ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
        if namespace.allNamespaces { header.insert("NAMESPACE", at: 0) }
        func row(_ view: EventView) -> [String] {
            (namespace.allNamespaces ? [view.namespace] : []) + view.eventsRow(now: Clock.now())
        }
        switch format {
        case .json, .yaml:
            ObjectPrinter.printList(events.map { $0.json() }, single: false, format: format)
        default:
            if events.isEmpty {
                if !watch {
                    Output.err(namespace.allNamespaces ? "No events found.\n" : "No events found in \(namespace.namespace) namespace.\n")
                }
            } else {
                Output.out(Table.render((noHeaders ? [] : [header]) + events.map { row($0) }))
            }
        }
        _ = now
        guard watch else { return }
        let widths = Table.widths((noHeaders ? [] : [header]) + events.map { row($0) })
        var seen: [String: PodEvent] = [:]
        for view in events { seen[view.namespace + "/" + view.name] = view.event }
        try StoreWatch.run(store: store, timeout: try StoreWatch.timeout(requestTimeout)) {
            for view in try selected(store) {
                let key = view.namespace + "/" + view.name
                guard seen[key] != view.event else { continue }
                seen[key] = view.event
                switch format {
                case .json, .yaml: ObjectPrinter.printObject(view.json(), format: format)
                default: Output.out(Table.render([row(view)], widths: widths))
                }
            }
        }
    }
}
