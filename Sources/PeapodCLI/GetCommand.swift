import Glibc
import PeapodLinux
import PeapodManifest
import PeapodRuntime
import PeapodSpec

struct GetCommand {
    static let spec = CommandSpec(
        name: "get", abstract: "List pods, as kubectl get pods.",
        parameters: GlobalOptions.parameters + [
            .arguments("resources", help: "pods [NAME...] or pod/NAME"),
            .option("namespace", short: "n", default: "default"),
            .flag("all-namespaces", short: "A"),
            .option("selector", short: "l", help: "Label selector (k=v, k!=v, k, !k, k in (a,b))."),
            .option("output", short: "o", help: "wide, json, yaml or name."),
        ],
        run: { try GetCommand($0).run() })

    var global: GlobalOptions
    var resources: [String]
    var namespace: String
    var allNamespaces: Bool
    var selector: String?
    var output: String?

    init(_ arguments: ParsedArguments) {
        global = GlobalOptions(arguments)
        resources = arguments.strings("resources")
        namespace = arguments.string("namespace") ?? "default"
        allNamespaces = arguments.flag("all-namespaces")
        selector = arguments.string("selector")
        output = arguments.string("output")
    }

    func run() throws {
        try global.requireRoot()
        guard !resources.isEmpty else { throw CLIError("you must specify the type of resource to get: pods") }
        let names = try ResourceArguments.podNames(resources)
        let store = global.store
        let selector = try self.selector.map(LabelSelector.init(parsing:))
        var views: [PodView] = []
        if names.isEmpty {
            views = store.list(namespace: allNamespaces ? nil : namespace).compactMap { PodView.load($0, store: store) }
        } else {
            for name in names { views.append(try PodView.find(name, namespace: namespace, store: store)) }
        }
        if let selector { views = views.filter { selector.matches($0.pod.metadata.labels) } }

        switch output {
        case "json", "yaml":
            let value: JSONValue
            if names.count == 1 {
                value = views[0].json()
            } else {
                value = .object(JSONObject([
                    ("apiVersion", .string("v1")), ("items", .array(views.map { $0.json() })), ("kind", .string("List")),
                    ("metadata", .object(JSONObject([("resourceVersion", .string(""))]))),
                ]))
            }
            print(output == "json" ? value.serialized(pretty: true) : value.yamlText(), terminator: output == "json" ? "\n" : "")
        case "name":
            for view in views { print("pod/\(view.pod.name)") }
        case nil, "wide":
            if views.isEmpty {
                Output.err(allNamespaces ? "No resources found\n" : "No resources found in \(namespace) namespace.\n")
                return
            }
            var rows: [[String]] = []
            var header = ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
            if allNamespaces { header.insert("NAMESPACE", at: 0) }
            if output == "wide" { header += ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"] }
            rows.append(header)
            let now = Clock.now()
            for view in views {
                let summary = PodSummary(view.json(), now: now)
                var row = [view.pod.name, summary.ready, summary.status, summary.restarts,
                           HumanDuration.format(seconds: now.secondsSince(view.pod.metadata.creationTimestamp ?? now))]
                if allNamespaces { row.insert(view.pod.namespace, at: 0) }
                if output == "wide" { row += ["<none>", Clock.hostname, "<none>", "<none>"] }
                rows.append(row)
            }
            print(Table.render(rows), terminator: "")
        default:
            throw CLIError("unable to match a printer suitable for the output format \"\(output!)\", allowed formats are: json,name,wide,yaml")
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
    /// Left-aligned columns separated by three spaces, as kubectl get prints them (describe's
    /// tables use two).
    static func render(_ rows: [[String]], padding: Int = 3) -> String {
        guard let columns = rows.map(\.count).max() else { return "" }
        var widths = [Int](repeating: 0, count: columns)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
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

/// Equality- and set-based label selectors, as `kubectl -l` takes them.
struct LabelSelector {
    enum Requirement {
        case equals(String, String), notEquals(String, String), exists(String), notExists(String)
        case inSet(String, Set<String>), notInSet(String, Set<String>)
    }

    var requirements: [Requirement] = []

    init(parsing text: String) throws {
        var parts: [String] = []
        var depth = 0
        var current = ""
        for ch in text {
            if ch == "(" { depth += 1 }
            if ch == ")" { depth -= 1 }
            if ch == "," && depth == 0 {
                parts.append(current)
                current = ""
            } else {
                current.append(ch)
            }
        }
        parts.append(current)
        for raw in parts {
            let part = raw.trimmingCharacters(in: " ")
            if part.isEmpty { continue }
            if let r = part.rangeOfText("!=") {
                requirements.append(.notEquals(String(part[..<r.lowerBound]).trimmingCharacters(in: " "),
                                               String(part[r.upperBound...]).trimmingCharacters(in: " ")))
            } else if let r = part.rangeOfText("==") ?? part.rangeOfText("=") {
                requirements.append(.equals(String(part[..<r.lowerBound]).trimmingCharacters(in: " "),
                                            String(part[r.upperBound...]).trimmingCharacters(in: " ")))
            } else if let r = part.rangeOfText(" notin ") ?? part.rangeOfText(" in ") {
                let key = String(part[..<r.lowerBound]).trimmingCharacters(in: " ")
                var values = String(part[r.upperBound...]).trimmingCharacters(in: " ")
                guard values.hasPrefix("("), values.hasSuffix(")") else { throw CLIError("unable to parse requirement: \(part)") }
                values = String(values.dropFirst().dropLast())
                let set = Set(values.split(separator: ",").map { String($0).trimmingCharacters(in: " ") })
                requirements.append(part[r] == " notin " ? .notInSet(key, set) : .inSet(key, set))
            } else if part.hasPrefix("!") {
                requirements.append(.notExists(String(part.dropFirst()).trimmingCharacters(in: " ")))
            } else {
                requirements.append(.exists(part))
            }
        }
    }

    func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { r in
            switch r {
            case let .equals(k, v): return labels[k] == v
            case let .notEquals(k, v): return labels[k] != v
            case let .exists(k): return labels[k] != nil
            case let .notExists(k): return labels[k] == nil
            case let .inSet(k, s): return labels[k].map(s.contains) ?? false
            case let .notInSet(k, s): return !(labels[k].map(s.contains) ?? false)
            }
        }
    }
}
