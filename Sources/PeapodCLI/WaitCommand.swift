import Glibc
import PeapodLinux
import PeapodSpec

struct WaitCommand {
    static let spec = CommandSpec(
        name: "wait",
        abstract: "Wait for a condition on pods, as kubectl wait.",
        discussion: "--for=condition=Ready[=false], --for=delete, --for=jsonpath='{.status.phase}'=Succeeded",
        parameters: GlobalOptions.parameters + [
            .arguments("resources", help: "pod/NAME, or pod NAME..."),
        ] + NamespaceOptions.parameters + [
            .option("for", required: true, help: "condition=NAME[=value], delete, or jsonpath='{PATH}'[=value]."),
            .option("timeout", default: "30s", help: "How long to wait (30s, 1m, 1h; 0 checks once)."),
        ],
        run: { try WaitCommand($0).run() })

    var global: GlobalOptions
    var resources: [String]
    var namespace: NamespaceOptions
    var condition: String
    var timeout: String

    init(_ arguments: ParsedArguments) {
        global = GlobalOptions(arguments)
        resources = arguments.strings("resources")
        namespace = NamespaceOptions(arguments)
        condition = arguments.text("for")
        timeout = arguments.text("timeout")
    }

    func run() throws {
        try global.requireStore()
        let names = try ResourceArguments.podNames(resources, requireType: false)
        guard !names.isEmpty else { throw CLIError("resource(s) were provided, but no name was specified") }
        let goal = try WaitGoal(parsing: condition)
        guard let seconds = GoDuration.seconds(timeout) else {
            throw CLIError("invalid argument \"\(timeout)\" for \"--timeout\" flag: time: invalid duration \"\(timeout)\"")
        }
        let deadline = Clock.monotonic() + Int64(seconds * 1e9)
        let store = global.store
        for name in names {
            while true {
                let view = store.find(namespace: namespace.namespace, name: name).flatMap { PodView.load($0, store: store) }
                if case .delete = goal {
                    if view == nil {
                        Output.out("pod/\(name) condition met\n")
                        break
                    }
                } else {
                    guard let view else { throw CLIError("pods \"\(name)\" not found") }
                    if try goal.isMet(by: view.json()) {
                        Output.out("pod/\(name) condition met\n")
                        break
                    }
                }
                if Clock.monotonic() >= deadline {
                    throw CLIError("timed out waiting for the condition on pods/\(name)")
                }
                usleep(100_000)
            }
        }
    }
}

enum WaitGoal {
    case condition(type: String, value: String)
    case delete
    case jsonPath(JSONPath, value: String?)

    init(parsing text: String) throws {
        if text == "delete" {
            self = .delete
        } else if text.hasPrefix("condition=") {
            let rest = text.dropFirst("condition=".count)
            let parts = rest.split(separator: "=", maxSplits: 1).map(String.init)
            guard let type = parts.first, !type.isEmpty else { throw CLIError("--for condition=... needs a condition name") }
            self = .condition(type: type, value: parts.count > 1 ? parts[1] : "true")
        } else if text.hasPrefix("jsonpath=") {
            // The expression ends at its last `}`: a filter inside may hold `=` itself.
            var rest = Substring(text.dropFirst("jsonpath=".count))
            if rest.hasPrefix("'") || rest.hasPrefix("\"") { rest = rest.dropFirst() }
            guard rest.hasPrefix("{"), let close = rest.lastIndex(of: "}") else {
                throw CLIError("jsonpath wait format must be --for=jsonpath='{.status.readyReplicas}'=3")
            }
            let expression = String(rest[...close])
            var tail = rest[rest.index(after: close)...]
            if tail.hasPrefix("'") || tail.hasPrefix("\"") { tail = tail.dropFirst() }
            var value: String?
            if tail.hasPrefix("=") { value = String(tail.dropFirst()) }
            do {
                self = .jsonPath(try JSONPath(parsing: expression), value: value)
            } catch {
                throw CLIError("\(error)")
            }
        } else {
            throw CLIError("unrecognized condition: \"\(text)\"")
        }
    }

    /// Whether the pod (as `get -o json` shows it) meets the goal; kubectl's errors for a
    /// JSONPath that gives several values or an object.
    func isMet(by pod: JSONValue) throws -> Bool {
        switch self {
        case .delete:
            return false
        case let .condition(type, value):
            let conditions = pod["status"]?["conditions"]?.arrayValue ?? []
            return conditions.contains {
                $0["type"]?.stringValue?.lowercased() == type.lowercased()
                    && $0["status"]?.stringValue?.lowercased() == value.lowercased()
            }
        case let .jsonPath(path, value):
            // An index past the end of a list not filled yet: not met yet.
            guard let results = try? path.findResults(pod).flatMap({ $0 }) else { return false }
            guard let first = results.first else { return false }
            guard results.count == 1 else { throw CLIError("given jsonpath expression matches more than one value") }
            switch first {
            case .object, .array: throw CLIError("jsonpath leads to a nested object or list which is not supported")
            case .null: return false
            default: break
            }
            guard let value else { return true }
            return JSONPath.text(first) == value
        }
    }
}

/// Go's time.ParseDuration for the units a timeout uses ("90s", "1m30s", "1h", "500ms", "0").
enum GoDuration {
    static func seconds(_ text: String) -> Double? {
        if text == "0" { return 0 }
        if let plain = Double(text) { return plain }
        var total = 0.0
        var number = ""
        var rest = Substring(text)
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            number = String(rest.prefix { $0.isNumber || $0 == "." })
            guard let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unit = String(rest.prefix { $0.isLetter })
            rest = rest.dropFirst(unit.count)
            switch unit {
            case "h": total += value * 3600
            case "m": total += value * 60
            case "s": total += value
            case "ms": total += value / 1000
            default: return nil
            }
        }
        return total
    }
}
