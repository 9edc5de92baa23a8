// `peapod get`: kubectl get for pods and events. Objects are listed (or named, or read from
// manifests), selected (-l, --field-selector), sorted (--sort-by) and printed: kubectl's table
// (with -o wide, --show-labels, -L, --no-headers), json, yaml, name, jsonpath or custom-columns;
// -w then prints each object again as it changes (StoreWatch).

import Glibc
import PeapodLinux
import PeapodManifest
import PeapodRuntime
import PeapodSpec

struct GetCommand {
    static let spec = CommandSpec(
        name: "get", abstract: "List pods or events, as kubectl get.",
        parameters: GlobalOptions.parameters + [
            .arguments("resources", required: false, help: "pods [NAME...], pod/NAME, or events"),
        ] + NamespaceOptions.listing + SelectorOptions.parameters + OutputOptions.parameters + FilenameOptions.parameters + [
            .flag("show-labels", help: "A LABELS column."),
            .repeatedOption("label-columns", short: "L", help: "A column for each of these label keys (comma-separated, repeatable)."),
            .option("sort-by", help: "Sort by this JSONPath, e.g. .metadata.name or '{.status.startTime}'."),
            .flag("no-headers", help: "No header line."),
            .flag("watch", short: "w", help: "After the list, print each object again as it changes."),
            .flag("watch-only", help: "Print objects as they change, without the list first."),
            .option("request-timeout", default: "0", help: "With -w: stop after this long (0: never), e.g. 30s."),
        ],
        run: { try GetCommand($0).run() })

    static let formats = ["json", "yaml", "name", "wide", "jsonpath", "custom-columns"]

    var global: GlobalOptions
    var resources: [String]
    var namespace: NamespaceOptions
    var selectors: SelectorOptions
    var output: OutputOptions
    var files: FilenameOptions
    var showLabels: Bool
    var labelColumns: [String]
    var sortBy: String?
    var noHeaders: Bool
    var watch: Bool
    var watchOnly: Bool
    var requestTimeout: String

    init(_ arguments: ParsedArguments) throws {
        global = GlobalOptions(arguments)
        resources = arguments.strings("resources")
        namespace = NamespaceOptions(arguments)
        selectors = try SelectorOptions(arguments)
        output = OutputOptions(arguments)
        files = FilenameOptions(arguments)
        showLabels = arguments.flag("show-labels")
        labelColumns = arguments.strings("label-columns").flatMap { $0.split(separator: ",").map(String.init) }
        sortBy = arguments.string("sort-by")
        noHeaders = arguments.flag("no-headers")
        watch = arguments.flag("watch")
        watchOnly = arguments.flag("watch-only")
        requestTimeout = arguments.text("request-timeout")
    }

    enum Kind { case pods, events }

    /// One object to print: its json (what -o json, jsonpath and custom columns read) and row.
    struct Item {
        var key: String
        var namespace: String
        var name: String
        var json: JSONValue
        var labels: [String: String]
        var row: [String]
    }

    func run() throws {
        let format = try output.format(allowed: Self.formats)
        var kind = Kind.pods
        var names: [String] = []
        if !files.isEmpty {
            guard resources.isEmpty else { throw CLIError("Unexpected args: \(resources)") }
        } else {
            guard let first = resources.first else {
                throw CLIError("You must specify the type of resource to get. Use \"peapod api-resources\" for a complete list of supported resources.")
            }
            if EventsResource.words.contains(first) {
                kind = .events
                names = Array(resources.dropFirst())
            } else {
                names = try ResourceArguments.podNames(resources)
            }
        }
        if let fields = selectors.fields {
            try fields.check(resource: kind == .pods ? "pods" : "events",
                             fields: kind == .pods ? FieldSelector.podFields : FieldSelector.eventFields,
                             labelSelector: selectors.labelText)
        }
        let sortPath = try sortBy.map { text -> JSONPath in
            do { return try JSONPath.relaxed(text) } catch { throw CLIError("\(error)") }
        }
        let columns = try CustomColumns(format)
        let template: JSONPath?
        if case let .jsonPath(text) = format {
            do { template = try JSONPath(parsing: text) } catch { throw CLIError("\(error)") }
        } else {
            template = nil
        }
        try global.requireStore()
        let store = global.store
        let named = !names.isEmpty || !files.isEmpty
        let single = names.count == 1 && files.isEmpty

        func collect() throws -> [Item] {
            var items = kind == .pods ? try podItems(names, store: store, format: format) : eventItems(names, store: store, format: format)
            if let sortPath { items = try sorted(items, by: sortPath) }
            return items
        }

        // --watch-only: what is there now is the watch's starting point, not printed.
        let items = try collect()
        let header = self.header(kind: kind, format: format)
        var rows: [[String]] = []
        if !watchOnly {
            switch format {
            case .json, .yaml:
                ObjectPrinter.printList(items.map(\.json), single: single, format: format)
            case .name:
                for item in items { Output.out((kind == .pods ? "pod/" : "event/") + item.name + "\n") }
            case .jsonPath:
                let root = single && items.count == 1 ? items[0].json : ObjectPrinter.list(items.map(\.json))
                do { Output.out(try template!.execute(root)) } catch { throw CLIError("error executing jsonpath \(template!.template): \(error)") }
            case .customColumns:
                rows = (noHeaders ? [] : [columns!.header]) + items.map { columns!.row($0.json) }
                if !items.isEmpty { Output.out(Table.render(rows)) }
            case .table, .wide:
                rows = (noHeaders ? [] : [header]) + items.map(\.row)
                if !items.isEmpty { Output.out(Table.render(rows)) }
            }
            if items.isEmpty && !named && !watch, format != .json && format != .yaml {
                Output.err(namespace.noResources)
            }
        }
        guard watch || watchOnly else { return }

        // The watch: each object again when its json changes; a deleted object once more. A
        // table's header comes with the first row when nothing was listed before.
        var widths = Table.widths(rows)
        var headerPending = !noHeaders && (items.isEmpty || watchOnly)
        func printRow(_ row: [String], header: [String]) {
            if headerPending {
                headerPending = false
                widths = Table.widths([header, row])
                Output.out(Table.render([header, row], widths: widths))
            } else {
                Output.out(Table.render([row], widths: widths))
            }
        }
        var last: [String: Item] = [:]
        for item in items { last[item.key] = item }
        try StoreWatch.run(store: store, timeout: try StoreWatch.timeout(requestTimeout)) {
            let now = try collect()
            var changed: [Item] = []
            for item in now where last[item.key]?.json != item.json { changed.append(item) }
            for (key, item) in last where !now.contains(where: { $0.key == key }) { changed.append(item) }
            last = [:]
            for item in now { last[item.key] = item }
            for item in changed {
                switch format {
                case .json, .yaml:
                    ObjectPrinter.printObject(item.json, format: format)
                case .name:
                    Output.out((kind == .pods ? "pod/" : "event/") + item.name + "\n")
                case .jsonPath:
                    if let text = try? template!.execute(item.json) { Output.out(text) }
                case .customColumns:
                    printRow(columns!.row(item.json), header: columns!.header)
                case .table, .wide:
                    printRow(item.row, header: header)
                }
            }
        }
    }

    func header(kind: Kind, format: OutputFormat) -> [String] {
        var header: [String]
        switch kind {
        case .pods:
            header = ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
            if format == .wide { header += ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"] }
        case .events:
            header = EventView.header(wide: format == .wide)
        }
        if namespace.allNamespaces { header.insert("NAMESPACE", at: 0) }
        header += labelColumns.map { $0.uppercased() }
        if showLabels { header.append("LABELS") }
        return header
    }

    /// -L's and --show-labels' cells after the kind's own.
    func labelCells(_ labels: [String: String]) -> [String] {
        var cells = labelColumns.map { labels[$0] ?? "" }
        if showLabels {
            cells.append(labels.isEmpty ? "<none>" : labels.keys.sorted().map { "\($0)=\(labels[$0]!)" }.joined(separator: ","))
        }
        return cells
    }

    func podItems(_ names: [String], store: PodStore, format: OutputFormat) throws -> [Item] {
        var views: [PodView] = []
        if !files.isEmpty {
            for pod in try files.load() { views.append(try PodView.find(pod.name, namespace: pod.namespace, store: store)) }
        } else if names.isEmpty {
            views = store.list(namespace: namespace.scope).compactMap { PodView.load($0, store: store) }
        } else {
            for name in names { views.append(try PodView.find(name, namespace: namespace.namespace, store: store)) }
        }
        let now = Clock.now()
        return views.compactMap { view in
            let json = view.json()
            if !selectors.isEmpty {
                if let labels = selectors.labels, !labels.matches(view.pod.metadata.labels) { return nil }
                if let fields = selectors.fields, !fields.matches(json) { return nil }
            }
            var row: [String] = []
            if format == .table || format == .wide {
                let summary = PodSummary(json, now: now)
                row = [view.pod.name, summary.ready, summary.status, summary.restarts,
                       HumanDuration.format(seconds: now.secondsSince(view.pod.metadata.creationTimestamp ?? now))]
                if namespace.allNamespaces { row.insert(view.pod.namespace, at: 0) }
                if format == .wide {
                    row += [json["status"]?["podIP"]?.stringValue ?? "<none>", Clock.hostname, "<none>", "<none>"]
                }
                row += labelCells(view.pod.metadata.labels)
            }
            return Item(key: view.location.uid, namespace: view.pod.namespace, name: view.pod.name, json: json,
                        labels: view.pod.metadata.labels, row: row)
        }
    }

    func eventItems(_ names: [String], store: PodStore, format: OutputFormat) -> [Item] {
        let now = Clock.now()
        return EventView.list(store: store, namespace: namespace.scope).compactMap { view in
            if !names.isEmpty && !names.contains(view.name) { return nil }
            let json = view.json()
            if let fields = selectors.fields, !fields.matches(json) { return nil }
            // Events carry no labels: any label requirement but a negative one selects none.
            if let labels = selectors.labels, !labels.matches([:]) { return nil }
            var row = view.row(wide: format == .wide, now: now)
            if namespace.allNamespaces { row.insert(view.namespace, at: 0) }
            row += labelCells([:])
            return Item(key: view.namespace + "/" + view.name, namespace: view.namespace, name: view.name, json: json,
                        labels: [:], row: row)
        }
    }

    /// --sort-by: by the first value of the path in each object, numbers as numbers; objects
    /// without it first, as kubectl's sorter puts them.
    func sorted(_ items: [Item], by path: JSONPath) throws -> [Item] {
        let keys = items.map { (try? path.findResults($0.json).flatMap { $0 }.first) ?? nil }
        if !items.isEmpty && keys.allSatisfy({ $0 == nil }) {
            throw CLIError("couldn't find any field with path \"\(path.template)\" in the list of objects")
        }
        let order = items.indices.sorted { a, b in
            switch (keys[a], keys[b]) {
            case (nil, nil): return a < b
            case (nil, _): return true
            case (_, nil): return false
            case let (x?, y?):
                let c = JSONPath.compare(x, y) ?? 0
                return c == 0 ? a < b : c < 0
            }
        }
        return order.map { items[$0] }
    }
}

/// `get events`, `get ev`, `get event`.
enum EventsResource {
    static let words = ["events", "event", "ev"]
}

/// `-o custom-columns=NAME:.metadata.name,PHASE:.status.phase`: one JSONPath per column; a
/// column's results joined by commas, `<none>` when there are none.
struct CustomColumns {
    var header: [String]
    var paths: [JSONPath]

    init?(_ format: OutputFormat) throws {
        guard case let .customColumns(spec) = format else { return nil }
        header = []
        paths = []
        // The -file form: a header line of names, a line of paths.
        let lines = spec.split(separator: "\n", omittingEmptySubsequences: true)
        var pairs: [(String, String)] = []
        if lines.count >= 2 {
            let names = lines[0].split(separator: " ", omittingEmptySubsequences: true)
            let specs = lines[1].split(separator: " ", omittingEmptySubsequences: true)
            guard names.count == specs.count else {
                throw CLIError("number of headers (\(names.count)) and field specifications (\(specs.count)) don't match")
            }
            pairs = zip(names, specs).map { (String($0), String($1)) }
        } else {
            for part in spec.split(separator: ",", omittingEmptySubsequences: false) {
                guard let colon = part.firstIndex(of: ":") else {
                    throw CLIError("unexpected custom-columns spec: \(part), expected <header>:<json-path-expr>")
                }
                pairs.append((String(part[..<colon]), String(part[part.index(after: colon)...])))
            }
        }
        for (name, expression) in pairs {
            header.append(name)
            do { paths.append(try JSONPath.relaxed(expression)) } catch { throw CLIError("\(error)") }
        }
    }

    func row(_ object: JSONValue) -> [String] {
        paths.map { path in
            let values = ((try? path.findResults(object)) ?? []).flatMap { $0 }
            return values.isEmpty ? "<none>" : values.map(JSONPath.text).joined(separator: ",")
        }
    }
}

/// The READY, STATUS and RESTARTS columns, computed as kubectl's printPod does.
struct PodSummary {
    var ready: String
    var status: String
    var restarts: String

    init(_ pod: JSONValue, now: Timestamp) {
        let status = pod["status"] ?? .null
        var reason = status["reason"]?.stringValue ?? status["phase"]?.stringValue ?? "Pending"
        let initSpecs = pod["spec"]?["initContainers"]?.arrayValue ?? []
        let initStatuses = status["initContainerStatuses"]?.arrayValue ?? []
        let statuses = status["containerStatuses"]?.arrayValue ?? []
        var restarts: Int64 = 0
        var lastRestart: Timestamp?
        var readyCount = 0
        var total = (pod["spec"]?["containers"]?.arrayValue ?? []).count

        func noteRestarts(_ c: JSONValue) {
            restarts += c["restartCount"]?.intValue ?? 0
            if let finished = c["lastState"]?["terminated"]?["finishedAt"]?.stringValue.flatMap(Timestamp.init(rfc3339:)),
               lastRestart.map({ finished > $0 }) ?? true {
                lastRestart = finished
            }
        }

        var initializing = false
        for (index, c) in initStatuses.enumerated() {
            noteRestarts(c)
            let sidecar = index < initSpecs.count && initSpecs[index]["restartPolicy"]?.stringValue == "Always"
            if sidecar {
                total += 1
                if c["ready"]?.boolValue == true { readyCount += 1 }
            }
            let state = c["state"] ?? .null
            if let terminated = state["terminated"], terminated["exitCode"]?.intValue == 0 { continue }
            if sidecar && c["started"]?.boolValue == true { continue }
            if let terminated = state["terminated"] {
                if let r = terminated["reason"]?.stringValue, !r.isEmpty {
                    reason = "Init:" + r
                } else if let signal = terminated["signal"]?.intValue, signal != 0 {
                    reason = "Init:Signal:\(signal)"
                } else {
                    reason = "Init:ExitCode:\(terminated["exitCode"]?.intValue ?? 0)"
                }
            } else if let r = state["waiting"]?["reason"]?.stringValue, !r.isEmpty, r != "PodInitializing" {
                reason = "Init:" + r
            } else {
                reason = "Init:\(index)/\(initSpecs.count)"
            }
            initializing = true
            break
        }
        if !initializing {
            var hasRunning = false
            for c in statuses.reversed() {
                noteRestarts(c)
                let state = c["state"] ?? .null
                if let r = state["waiting"]?["reason"]?.stringValue, !r.isEmpty {
                    reason = r
                } else if let terminated = state["terminated"] {
                    if let r = terminated["reason"]?.stringValue, !r.isEmpty {
                        reason = r
                    } else if let signal = terminated["signal"]?.intValue, signal != 0 {
                        reason = "Signal:\(signal)"
                    } else {
                        reason = "ExitCode:\(terminated["exitCode"]?.intValue ?? 0)"
                    }
                } else if state["running"] != nil, c["ready"]?.boolValue == true {
                    hasRunning = true
                    readyCount += 1
                }
            }
            if reason == "Completed" && hasRunning {
                let podReady = status["conditions"]?.arrayValue?.contains {
                    $0["type"]?.stringValue == "Ready" && $0["status"]?.stringValue == "True"
                } ?? false
                reason = podReady ? "Running" : "NotReady"
            }
        } else {
            for c in statuses { noteRestarts(c) }
        }
        if pod["metadata"]?["deletionTimestamp"] != nil, reason != "Unknown" { reason = "Terminating" }
        self.status = reason
        ready = "\(readyCount)/\(total)"
        if let lastRestart, restarts > 0 {
            self.restarts = "\(restarts) (\(HumanDuration.format(seconds: now.secondsSince(lastRestart))) ago)"
        } else {
            self.restarts = "\(restarts)"
        }
    }
}

/// kubectl's duration.HumanDuration.
enum HumanDuration {
    static func format(seconds raw: Double) -> String {
        let seconds = Int64(max(0, raw))
        if seconds < 60 * 2 { return "\(seconds)s" }
        let minutes = seconds / 60
        if minutes < 10 { return seconds % 60 == 0 ? "\(minutes)m" : "\(minutes)m\(seconds % 60)s" }
        let hours = seconds / 3600
        if minutes < 60 * 3 { return "\(minutes)m" }
        if hours < 8 { return minutes % 60 == 0 ? "\(hours)h" : "\(hours)h\(minutes % 60)m" }
        if hours < 48 { return "\(hours)h" }
        if hours < 24 * 8 { return hours % 24 == 0 ? "\(hours / 24)d" : "\(hours / 24)d\(hours % 24)h" }
        if hours < 24 * 365 * 2 { return "\(hours / 24)d" }
        return "\(hours / 24 / 365)y"
    }
}

enum Table {
    /// The width of each column.
    static func widths(_ rows: [[String]]) -> [Int] {
        guard let columns = rows.map(\.count).max() else { return [] }
        var widths = [Int](repeating: 0, count: columns)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        return widths
    }

    /// Left-aligned columns separated by three spaces, as kubectl get prints them (describe's
    /// tables use two); columns at least as wide as `widths` (a watch's rows line up with the
    /// list before them).
    static func render(_ rows: [[String]], padding: Int = 3, widths atLeast: [Int] = []) -> String {
        var widths = Self.widths(rows)
        for (i, w) in atLeast.enumerated() where i < widths.count { widths[i] = max(widths[i], w) }
        var out = ""
        for row in rows {
            var line = ""
            for (i, cell) in row.enumerated() {
                line += cell
                if i < row.count - 1 { line += String(repeating: " ", count: widths[i] - cell.count + padding) }
            }
            out += line + "\n"
        }
        return out
    }
}

