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
            .option("namespace", short: "n", default: "default"),
            .option("for", required: true, help: "condition=NAME[=value], delete, or jsonpath='{PATH}'[=value]."),
            .option("timeout", default: "30s", help: "How long to wait (30s, 1m, 1h; 0 checks once)."),
        ],
        run: { try WaitCommand($0).run() })

    var global: GlobalOptions
    var resources: [String]
    var namespace: String
    var condition: String
    var timeout: String

    init(_ arguments: ParsedArguments) {
        global = GlobalOptions(arguments)
        resources = arguments.strings("resources")
        namespace = arguments.string("namespace") ?? "default"
        condition = arguments.string("for") ?? ""
        timeout = arguments.string("timeout") ?? "30s"
    }

    func run() throws {
        try global.requireRoot()
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
                let view = store.find(namespace: namespace, name: name).flatMap { PodView.load($0, store: store) }
                if case .delete = goal {
                    if view == nil {
                        print("pod/\(name) condition met")
                        break
                    }
                } else {
                    guard let view else { throw CLIError("pods \"\(name)\" not found") }
                    if goal.isMet(by: view.json()) {
                        print("pod/\(name) condition met")
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
    case jsonPath(path: [String], value: String?)

    init(parsing text: String) throws {
        if text == "delete" {
            self = .delete
        } else if text.hasPrefix("condition=") {
            let rest = text.dropFirst("condition=".count)
            let parts = rest.split(separator: "=", maxSplits: 1).map(String.init)
            guard let type = parts.first, !type.isEmpty else { throw CLIError("--for condition=... needs a condition name") }
            self = .condition(type: type, value: parts.count > 1 ? parts[1] : "true")
        } else if text.hasPrefix("jsonpath=") {
            var rest = String(text.dropFirst("jsonpath=".count))
            if rest.hasPrefix("'") || rest.hasPrefix("\"") { rest = String(rest.dropFirst()) }
            guard rest.hasPrefix("{"), let close = rest.firstIndex(of: "}") else {
                throw CLIError("jsonpath wait format must be --for=jsonpath='{.status.readyReplicas}'=3")
            }
            let expression = rest[rest.index(after: rest.startIndex)..<close]
            var tail = rest[rest.index(after: close)...]
            if tail.hasPrefix("'") || tail.hasPrefix("\"") { tail = tail.dropFirst() }
            var value: String?
            if tail.hasPrefix("=") { value = String(tail.dropFirst()) }
            self = .jsonPath(path: try Self.segments(String(expression)), value: value)
        } else {
            throw CLIError("unrecognized condition: \"\(text)\"")
        }
    }

    /// `.status.containerStatuses[0].ready` as keys and indexes.
    static func segments(_ expression: String) throws -> [String] {
        var out: [String] = []
        for part in expression.split(separator: ".", omittingEmptySubsequences: true) {
            var key = Substring(part)
            while let open = key.firstIndex(of: "[") {
                if open > key.startIndex { out.append(String(key[..<open])) }
                guard let close = key[open...].firstIndex(of: "]") else { throw CLIError("unclosed [ in jsonpath \(expression)") }
                out.append(String(key[open...close]))
                key = key[key.index(after: close)...]
            }
            if !key.isEmpty { out.append(String(key)) }
        }
        return out
    }

    func isMet(by pod: JSONValue) -> Bool {
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
            var current: JSONValue? = pod
            for segment in path {
                if segment.hasPrefix("["), let index = Int(segment.dropFirst().dropLast()) {
                    guard let array = current?.arrayValue, index >= 0, index < array.count else { return false }
                    current = array[index]
                } else {
                    current = current?[segment]
                }
            }
            guard let current, current != .null else { return false }
            guard let value else { return true }
            switch current {
            case let .string(s): return s == value
            case let .bool(b): return String(b) == value
            case let .int(i): return String(i) == value
            case let .double(d): return String(d) == value || Double(value) == d
            default: return current.serialized(pretty: false) == value
            }
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
