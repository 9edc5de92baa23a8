import Glibc
import PeapodLinux
import PeapodRuntime
import PeapodSpec

struct DescribeCommand {
    static let spec = CommandSpec(
        name: "describe", abstract: "Show a pod's details and events, as kubectl describe pod.",
        parameters: GlobalOptions.parameters + [
            .arguments("resources", help: "pod NAME or pod/NAME"),
        ] + NamespaceOptions.parameters,
        run: { try DescribeCommand($0).run() })

    var global: GlobalOptions
    var resources: [String]
    var namespace: NamespaceOptions

    init(_ arguments: ParsedArguments) {
        global = GlobalOptions(arguments)
        resources = arguments.strings("resources")
        namespace = NamespaceOptions(arguments)
    }

    func run() throws {
        try global.requireStore()
        let names = try ResourceArguments.podNames(resources)
        let targets = names.isEmpty ? global.store.list(namespace: namespace.namespace).map(\.name) : names
        for (index, name) in targets.enumerated() {
            if index > 0 { Output.out("\n\n") }
            let view = try PodView.find(name, namespace: namespace.namespace, store: global.store)
            Output.out(PodDescription.render(view, events: EventRecorder.load(path: view.location.eventsFile), now: Clock.now()))
        }
    }
}

enum PodDescription {
    static func render(_ view: PodView, events: [PodEvent], now: Timestamp) -> String {
        let pod = view.json()
        let status = pod["status"] ?? .null
        var out = ""
        func line(_ key: String, _ value: String, indent: Int = 0) {
            let pad = String(repeating: " ", count: indent)
            let label = pad + key + ":"
            out += label + String(repeating: " ", count: max(1, 18 - label.count)) + value + "\n"
        }
        func map(_ value: JSONValue?) -> String {
            guard let o = value?.objectValue, !o.isEmpty else { return "<none>" }
            return o.entries.map { "\($0.key)=\($0.value.stringValue ?? "")" }.joined(separator: "\n" + String(repeating: " ", count: 18))
        }
        line("Name", view.pod.name)
        line("Namespace", view.pod.namespace)
        line("Priority", "0")
        line("Node", Clock.hostname)
        line("Start Time", status["startTime"]?.stringValue.map(Self.date) ?? "<unset>")
        line("Labels", map(pod["metadata"]?["labels"]))
        line("Annotations", map(pod["metadata"]?["annotations"]))
        if let deletion = pod["metadata"]?["deletionTimestamp"]?.stringValue.flatMap(Timestamp.init(rfc3339:)) {
            line("Status", "Terminating (lasts \(HumanDuration.format(seconds: now.secondsSince(Timestamp(nanos: deletion.nanos - (pod["metadata"]?["deletionGracePeriodSeconds"]?.intValue ?? 0) * 1_000_000_000)))))")
            line("Termination Grace Period", "\(pod["metadata"]?["deletionGracePeriodSeconds"]?.intValue ?? 0)s")
        } else {
            line("Status", status["phase"]?.stringValue ?? "Pending")
        }
        if let reason = status["reason"]?.stringValue { line("Reason", reason) }
        if let message = status["message"]?.stringValue { line("Message", message) }
        // kubectl's: the primary address, then every one (none on a loopback-only pod).
        line("IP", status["podIP"]?.stringValue ?? "")
        let addresses = status["podIPs"]?.arrayValue?.compactMap { $0["ip"]?.stringValue } ?? []
        if addresses.isEmpty {
            line("IPs", "<none>")
        } else {
            out += "IPs:\n"
            for address in addresses { line("IP", address, indent: 2) }
        }
        let specs = pod["spec"] ?? .null
        for (title, specKey, statusKey) in [("Init Containers", "initContainers", "initContainerStatuses"),
                                            ("Containers", "containers", "containerStatuses")] {
            guard let containers = specs[specKey]?.arrayValue, !containers.isEmpty else { continue }
            out += title + ":\n"
            let statuses = status[statusKey]?.arrayValue ?? []
            for container in containers {
                let name = container["name"]?.stringValue ?? ""
                let s = statuses.first { $0["name"]?.stringValue == name } ?? .null
                out += "  \(name):\n"
                line("Container ID", s["containerID"]?.stringValue ?? "", indent: 4)
                line("Image", container["image"]?.stringValue ?? "", indent: 4)
                line("Image ID", s["imageID"]?.stringValue ?? "", indent: 4)
                if let command = container["command"]?.arrayValue {
                    out += "    Command:\n" + command.map { "      \($0.stringValue ?? "")\n" }.joined()
                }
                if let args = container["args"]?.arrayValue {
                    out += "    Args:\n" + args.map { "      \($0.stringValue ?? "")\n" }.joined()
                }
                out += state("State", s["state"], indent: 4)
                if let last = s["lastState"], last.objectValue?.isEmpty == false { out += state("Last State", last, indent: 4) }
                line("Ready", s["ready"]?.boolValue == true ? "True" : "False", indent: 4)
                line("Restart Count", "\(s["restartCount"]?.intValue ?? 0)", indent: 4)
                for (title, key) in [("Liveness", "livenessProbe"), ("Readiness", "readinessProbe"), ("Startup", "startupProbe")] {
                    if let probe = container[key], probe.objectValue != nil { line(title, Self.probe(probe), indent: 4) }
                }
                let env = container["env"]?.arrayValue ?? []
                out += "    Environment:" + (env.isEmpty ? "  <none>\n" : "\n")
                for e in env {
                    let value = e["value"]?.stringValue
                        ?? e["valueFrom"]?["fieldRef"]?["fieldPath"]?.stringValue.map { " (v1:\($0))" } ?? ""
                    out += "      \(e["name"]?.stringValue ?? ""):  \(value)\n"
                }
                let mounts = container["volumeMounts"]?.arrayValue ?? []
                out += "    Mounts:" + (mounts.isEmpty ? "  <none>\n" : "\n")
                for m in mounts {
                    let mode = m["readOnly"]?.boolValue == true ? "ro" : "rw"
                    let sub = m["subPath"]?.stringValue.map { ",path=\"\($0)\"" } ?? ""
                    out += "      \(m["mountPath"]?.stringValue ?? "") from \(m["name"]?.stringValue ?? "") (\(mode)\(sub))\n"
                }
            }
        }
        out += "Conditions:\n  Type                        Status\n"
        for c in status["conditions"]?.arrayValue ?? [] {
            let type = c["type"]?.stringValue ?? ""
            out += "  " + type + String(repeating: " ", count: max(1, 28 - type.count)) + (c["status"]?.stringValue ?? "") + "\n"
        }
        let volumes = specs["volumes"]?.arrayValue ?? []
        out += "Volumes:" + (volumes.isEmpty ? "  <none>\n" : "\n")
        for v in volumes {
            out += "  \(v["name"]?.stringValue ?? ""):\n"
            if let e = v["emptyDir"] {
                line("Type", "EmptyDir (a temporary directory that shares a pod's lifetime)", indent: 4)
                line("Medium", e["medium"]?.stringValue ?? "", indent: 4)
                line("SizeLimit", e["sizeLimit"]?.stringValue ?? "<unset>", indent: 4)
            } else if let h = v["hostPath"] {
                line("Type", "HostPath (bare host directory volume)", indent: 4)
                line("Path", h["path"]?.stringValue ?? "", indent: 4)
                line("HostPathType", h["type"]?.stringValue ?? "", indent: 4)
            } else if v["downwardAPI"] != nil {
                line("Type", "DownwardAPI (a volume populated by information about the pod)", indent: 4)
            }
        }
        line("QoS Class", status["qosClass"]?.stringValue ?? "BestEffort")
        line("Node-Selectors", "<none>")
        line("Tolerations", "<none>")
        if events.isEmpty {
            out += "Events:            <none>\n"
        } else {
            out += "Events:\n"
            var rows = [["Type", "Reason", "Age", "From", "Message"], ["----", "------", "----", "----", "-------"]]
            for e in events {
                var age = HumanDuration.format(seconds: now.secondsSince(e.lastTimestamp))
                if e.count > 1 {
                    age += " (x\(e.count) over \(HumanDuration.format(seconds: now.secondsSince(e.firstTimestamp))))"
                }
                rows.append([e.type, e.reason, age, e.reason == "Scheduled" ? "default-scheduler" : "kubelet", e.message])
            }
            out += Table.render(rows, padding: 2).split(separator: "\n").map { "  " + $0 + "\n" }.joined()
        }
        return out
    }

    /// A probe as kubectl describe shows it: the handler, then its timing and thresholds.
    static func probe(_ p: JSONValue) -> String {
        func number(_ key: String) -> Int64 { p[key]?.intValue ?? 0 }
        func port(_ v: JSONValue?) -> String { v?.stringValue ?? v?.intValue.map { "\($0)" } ?? "" }
        let attributes = "delay=\(number("initialDelaySeconds"))s timeout=\(number("timeoutSeconds"))s "
            + "period=\(number("periodSeconds"))s #success=\(number("successThreshold")) #failure=\(number("failureThreshold"))"
        if let command = p["exec"]?["command"]?.arrayValue {
            return "exec [\(command.map { $0.stringValue ?? "" }.joined(separator: " "))] " + attributes
        }
        if let h = p["httpGet"] {
            let scheme = (h["scheme"]?.stringValue ?? "HTTP").lowercased()
            return "http-get \(scheme)://\(h["host"]?.stringValue ?? ""):\(port(h["port"]))\(h["path"]?.stringValue ?? "") " + attributes
        }
        if let t = p["tcpSocket"] {
            return "tcp-socket \(t["host"]?.stringValue ?? ""):\(port(t["port"])) " + attributes
        }
        return "unknown " + attributes
    }

    /// kubectl's time.RFC1123Z in local time: `Mon, 02 Jan 2006 15:04:05 -0700`.
    static func date(_ rfc3339: String) -> String {
        guard let t = Timestamp(rfc3339: rfc3339) else { return rfc3339 }
        var seconds = time_t(t.seconds)
        var parts = tm()
        localtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let n = strftime(&buffer, buffer.count, "%a, %d %b %Y %H:%M:%S %z", &parts)
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func state(_ title: String, _ state: JSONValue?, indent: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        func field(_ key: String, _ value: String) -> String {
            let label = pad + "  " + key + ":"
            return label + String(repeating: " ", count: max(1, 18 - label.count)) + value + "\n"
        }
        let label = pad + title + ":"
        let head = label + String(repeating: " ", count: max(1, 18 - label.count))
        if let w = state?["waiting"] {
            return head + "Waiting\n" + field("Reason", w["reason"]?.stringValue ?? "")
        }
        if let r = state?["running"] {
            return head + "Running\n" + field("Started", date(r["startedAt"]?.stringValue ?? ""))
        }
        if let t = state?["terminated"] {
            var s = head + "Terminated\n" + field("Reason", t["reason"]?.stringValue ?? "")
            if let m = t["message"]?.stringValue { s += field("Message", m) }
            s += field("Exit Code", "\(t["exitCode"]?.intValue ?? 0)")
            if let signal = t["signal"]?.intValue { s += field("Signal", "\(signal)") }
            s += field("Started", date(t["startedAt"]?.stringValue ?? "")) + field("Finished", date(t["finishedAt"]?.stringValue ?? ""))
            return s
        }
        return head + "Waiting\n"
    }
}
