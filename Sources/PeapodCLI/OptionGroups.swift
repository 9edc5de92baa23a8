// The options several verbs share, one typed group each: a verb's table is the sum of its groups'
// `parameters` and its own, and its init makes each group from the parsed values. Every default
// is in a table here (ParsedArguments.text/number read it); none is repeated in code.
//
//   GlobalOptions     --root, --run-root                       every verb; also before the verb
//   NamespaceOptions  -n/--namespace [-A/--all-namespaces]     also before the verb
//   PodTarget         <pod> as NAME or pod/NAME                logs, exec (and attach, cp, ...)
//   ContainerOption   -c/--container
//   OutputOptions     -o/--output, parsed into an OutputFormat
//   SelectorOptions   -l/--selector, --field-selector
//   FilenameOptions   -f/--filename (repeatable; files, directories, -), -R/--recursive

import Glibc
import PeapodLinux
import PeapodManifest
import PeapodSpec

/// `--root` and `--run-root`, which every command takes, before or after its words.
struct GlobalOptions {
    static let parameters: [Parameter] = [
        .option("root", default: "/var/lib/peapod", persistent: true, help: "State, images and logs (env PEAPOD_ROOT)."),
        .option("run-root", default: "/run/peapod", persistent: true, help: "Namespace pins and locks (env PEAPOD_RUN_ROOT)."),
    ]

    var root: String
    var runRoot: String

    /// Given on the line, else the environment, else the table's default.
    init(_ arguments: ParsedArguments) {
        root = arguments.given("root") ?? ProcessInfoLite.variable("PEAPOD_ROOT") ?? arguments.text("root")
        runRoot = arguments.given("run-root") ?? ProcessInfoLite.variable("PEAPOD_RUN_ROOT") ?? arguments.text("run-root")
    }

    /// Given values, else the environment, else the table's defaults (completion reads a line
    /// it does not parse).
    init(root: String?, runRoot: String?) {
        self.root = root ?? ProcessInfoLite.variable("PEAPOD_ROOT") ?? Self.parameters[0].defaultValue!
        self.runRoot = runRoot ?? ProcessInfoLite.variable("PEAPOD_RUN_ROOT") ?? Self.parameters[1].defaultValue!
    }

    var store: PodStore { PodStore(root: root, runRoot: runRoot) }

    /// Pods live in the kernel's namespaces and mounts: every command that touches them needs root.
    func requireRoot() throws {
        guard geteuid() == 0 else {
            throw CLIError("peapod must run as root (it creates namespaces, mounts and cgroups): try sudo peapod ...")
        }
    }

    /// Commands that only read or rewrite the store's files (get, describe, logs, events, wait,
    /// label, annotate) need root only when the state root is not the caller's to use.
    func requireStore() throws {
        guard geteuid() == 0 || access(root, R_OK | W_OK | X_OK) == 0 else { try requireRoot(); return }
    }
}

/// `-n NAMESPACE` and, for verbs that list, `-A`.
struct NamespaceOptions {
    static let namespace = Parameter.option(
        "namespace", short: "n", default: "default", persistent: true, help: "The namespace of the objects.")
    static let allNamespaces = Parameter.flag("all-namespaces", short: "A", help: "Objects of every namespace.")
    /// Verbs that act on named objects.
    static let parameters: [Parameter] = [namespace]
    /// Verbs that list.
    static let listing: [Parameter] = [namespace, allNamespaces]

    var namespace: String
    var allNamespaces: Bool

    init(_ arguments: ParsedArguments) {
        namespace = arguments.text("namespace")
        allNamespaces = arguments.flag("all-namespaces")
    }

    /// The namespace to list, nil for all of them.
    var scope: String? { allNamespaces ? nil : namespace }

    /// kubectl's words when a listing is empty.
    var noResources: String {
        allNamespaces ? "No resources found\n" : "No resources found in \(namespace) namespace.\n"
    }
}

/// The one pod a verb acts on: `NAME` or `pod/NAME` (`po/NAME`, `pods/NAME`).
struct PodTarget {
    static let parameters: [Parameter] = [.argument("pod", help: "NAME or pod/NAME")]

    var pod: String

    init(_ arguments: ParsedArguments) {
        pod = arguments.text("pod")
    }

    /// The pod's name, without its type.
    func name() throws -> String {
        try ResourceArguments.podNames([pod], requireType: false).first ?? pod
    }
}

/// `-c CONTAINER`; without it a verb takes the pod's default container (PodView.defaultContainer).
struct ContainerOption {
    static let parameters: [Parameter] = [
        .option("container", short: "c", help: "The container; default: the pod's default container."),
    ]

    var container: String?

    init(_ arguments: ParsedArguments) {
        container = arguments.string("container")
    }
}

/// A session with a container's process (`exec`, `attach`): which container, and -i/-t.
struct ContainerSession {
    static let parameters: [Parameter] =
        GlobalOptions.parameters + PodTarget.parameters + ContainerOption.parameters + NamespaceOptions.parameters + [
            .flag("stdin", short: "i", help: "Pass stdin to the container."),
            .flag("tty", short: "t", help: "Stdin is a TTY."),
        ]

    var global: GlobalOptions
    var target: PodTarget
    var container: ContainerOption
    var namespace: NamespaceOptions
    var stdin: Bool
    var tty: Bool

    init(_ arguments: ParsedArguments) {
        global = GlobalOptions(arguments)
        target = PodTarget(arguments)
        container = ContainerOption(arguments)
        namespace = NamespaceOptions(arguments)
        stdin = arguments.flag("stdin")
        tty = arguments.flag("tty")
    }
}

/// What `-o` asks for.
enum OutputFormat: Equatable {
    case table, wide, json, yaml, name
    case jsonPath(String)
    case customColumns(String)

    /// kubectl's name of the printer, for the "allowed formats" message.
    var printerName: String {
        switch self {
        case .table: return ""
        case .wide: return "wide"
        case .json: return "json"
        case .yaml: return "yaml"
        case .name: return "name"
        case .jsonPath: return "jsonpath"
        case .customColumns: return "custom-columns"
        }
    }
}

/// `-o FORMAT`: `wide`, `json`, `yaml`, `name`, `jsonpath=TEMPLATE`, `jsonpath-file=FILE`,
/// `custom-columns=SPEC`, `custom-columns-file=FILE`.
struct OutputOptions {
    static let parameters: [Parameter] = [
        .option("output", short: "o", help: "json, yaml, name, wide, jsonpath=TEMPLATE, custom-columns=SPEC (and their -file forms)."),
    ]

    var text: String?

    init(_ arguments: ParsedArguments) {
        text = arguments.string("output")
    }

    /// The format, if it is one of `allowed` (kubectl's error otherwise).
    func format(allowed: [String]) throws -> OutputFormat {
        guard let text else { return .table }
        let format: OutputFormat?
        switch text {
        case "wide": format = .wide
        case "json": format = .json
        case "yaml": format = .yaml
        case "name": format = .name
        default:
            if let template = Self.value(text, "jsonpath") {
                format = .jsonPath(template)
            } else if let file = Self.value(text, "jsonpath-file") {
                format = .jsonPath(try ManifestInput.read(file))
            } else if let spec = Self.value(text, "custom-columns") {
                format = .customColumns(spec)
            } else if let file = Self.value(text, "custom-columns-file") {
                format = .customColumns(try ManifestInput.read(file))
            } else {
                format = nil
            }
        }
        guard let format, allowed.contains(format.printerName) else {
            throw CLIError("unable to match a printer suitable for the output format \"\(text)\", allowed formats are: "
                + allowed.sorted().joined(separator: ","))
        }
        return format
    }

    /// `name=value` → value (without the quotes a shell would have left).
    static func value(_ text: String, _ name: String) -> String? {
        guard text.hasPrefix(name + "=") else { return nil }
        var value = Substring(text.dropFirst(name.count + 1))
        if value.count >= 2, let first = value.first, first == "'" || first == "\"", value.last == first {
            value = value.dropFirst().dropLast()
        }
        return String(value)
    }
}

/// `-l SELECTOR` and `--field-selector SELECTOR`.
struct SelectorOptions {
    static let labelSelector = Parameter.option(
        "selector", short: "l", help: "Label selector: k=v, k==v, k!=v, k, !k, k in (a,b), k notin (a,b).")
    static let fieldSelector = Parameter.option(
        "field-selector", help: "Field selector: metadata.name, metadata.namespace, status.phase with =, ==, !=.")
    static let parameters: [Parameter] = [labelSelector, fieldSelector]

    var labels: LabelSelector?
    var fields: FieldSelector?
    var labelText: String?
    var fieldText: String?

    init(_ arguments: ParsedArguments) throws {
        labelText = arguments.string("selector")
        fieldText = arguments.string("field-selector")
        labels = try labelText.map(LabelSelector.init(parsing:))
        fields = try fieldText.map(FieldSelector.init(parsing:))
    }

    var isEmpty: Bool { labels == nil && fields == nil }

    /// Whether a pod (as `get -o json` shows it) is selected.
    func matches(_ view: PodView) -> Bool {
        if let labels, !labels.matches(view.pod.metadata.labels) { return false }
        if let fields, !fields.matches(view.json()) { return false }
        return true
    }
}

/// `-f FILE|DIR|-` (as many as wanted) and `-R`: the manifests' pods, in order.
struct FilenameOptions {
    static let parameters: [Parameter] = [
        .repeatedOption("filename", short: "f", help: "A manifest file, a directory of them (.yaml, .yml, .json), or - for stdin."),
        .flag("recursive", short: "R", help: "Read the directories given with -f recursively."),
    ]

    var filenames: [String]
    var recursive: Bool

    init(_ arguments: ParsedArguments) {
        filenames = arguments.strings("filename")
        recursive = arguments.flag("recursive")
    }

    var isEmpty: Bool { filenames.isEmpty }

    /// The files to read: each -f as given, a directory's manifest files by name (its
    /// subdirectories' too with -R), as kubectl's FilenameOptions visits them.
    func files() throws -> [String] {
        var out: [String] = []
        for name in filenames {
            if name == "-" {
                out.append(name)
                continue
            }
            guard FileSystem.exists(name) else { throw CLIError("the path \"\(name)\" does not exist") }
            if Self.isDirectory(name) {
                out += Self.manifests(in: name, recursive: recursive)
            } else {
                out.append(name)
            }
        }
        return out
    }

    /// Every pod of every file, with the files' warnings on stderr.
    func load() throws -> [Pod] {
        var pods: [Pod] = []
        for file in try files() { pods += try ManifestInput.load(file).pods }
        return pods
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    static func manifests(in directory: String, recursive: Bool) -> [String] {
        var out: [String] = []
        for entry in FileSystem.listDirectory(directory).sorted() {
            let path = directory + "/" + entry
            if isDirectory(path) {
                if recursive { out += manifests(in: path, recursive: true) }
            } else if entry.hasSuffix(".yaml") || entry.hasSuffix(".yml") || entry.hasSuffix(".json") {
                out.append(path)
            }
        }
        return out
    }
}
