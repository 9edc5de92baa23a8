// `peapod label` and `peapod annotate`: kubectl's verbs on a live pod's metadata. The pod's
// stored manifest (pod.json) is read, changed and validated as the API server validates an
// update, and replaced by rename under the store lock; its supervisor is then told (SIGUSR1) so
// that the downwardAPI files showing labels and annotations follow (PodSupervisor+Metadata).
// Selectors (`get -l`, `delete -l`, `logs -l`) read pod.json, so they see the change at once.

import Glibc
import PeapodLinux
import PeapodRuntime
import PeapodSpec

struct MetadataCommand {
    enum Field {
        case labels, annotations

        var verb: String { self == .labels ? "label" : "annotate" }
        var done: String { self == .labels ? "labeled" : "annotated" }
    }

    static func spec(_ field: Field) -> CommandSpec {
        let what = field == .labels ? "labels" : "annotations"
        return CommandSpec(
            name: field.verb, abstract: "Update the \(what) of pods, as kubectl \(field.verb).",
            discussion: "KEY=VALUE sets, KEY- removes; an existing key changes only with --overwrite.",
            parameters: GlobalOptions.parameters + [
                .arguments("arguments", help: "pods NAME... or pod/NAME..., then KEY=VALUE and KEY- changes"),
            ] + NamespaceOptions.listing + [SelectorOptions.labelSelector] + OutputOptions.parameters + [
                .flag("all", help: "Every pod of the namespace."),
                .flag("overwrite", help: "Allow changing the value of an existing key."),
                .flag("list", help: "Print the pod's \(what) instead of changing them."),
                .option("dry-run", help: "client: check and print, change nothing."),
            ],
            run: { try MetadataCommand($0, field: field).run() })
    }

    var field: Field
    var global: GlobalOptions
    var words: [String]
    var namespace: NamespaceOptions
    var selector: String?
    var output: OutputOptions
    var all: Bool
    var overwrite: Bool
    var list: Bool
    var dryRun: String?

    init(_ arguments: ParsedArguments, field: Field) {
        self.field = field
        global = GlobalOptions(arguments)
        words = arguments.strings("arguments")
        namespace = NamespaceOptions(arguments)
        selector = arguments.string("selector")
        output = OutputOptions(arguments)
        all = arguments.flag("all")
        overwrite = arguments.flag("overwrite")
        list = arguments.flag("list")
        dryRun = arguments.string("dry-run")
    }

    /// The requested changes: values to set and keys to remove (kubectl's parseLabels and
    /// parseAnnotations). Label values are checked here, as kubectl does before sending them.
    struct Changes {
        var set: [(key: String, value: String)] = []
        var remove: [String] = []
    }

    /// Splits the words into resources and changes: a change holds "=" or ends in "-".
    static func split(_ words: [String], field: Field) throws -> (resources: [String], changes: Changes) {
        var resources: [String] = []
        var changes = Changes()
        var seenChange = false
        for word in words {
            if let equals = word.firstIndex(of: "=") {
                seenChange = true
                let key = String(word[..<equals])
                let value = String(word[word.index(after: equals)...])
                if field == .labels {
                    guard !value.contains("=") else { throw CLIError("invalid label spec: \(word)") }
                    let errors = Validation.labelValueErrors(value)
                    if !errors.isEmpty { throw CLIError("invalid label value: \(goQuote(word)): \(errors.joined(separator: ";"))") }
                }
                guard !key.isEmpty else {
                    throw CLIError(field == .labels ? "invalid label spec: \(word)" : "invalid annotation format: \(word)")
                }
                changes.set.append((key, value))
            } else if word.hasSuffix("-") && word.count > 1 && (seenChange || !resources.isEmpty) {
                seenChange = true
                changes.remove.append(String(word.dropLast()))
            } else {
                guard !seenChange else {
                    throw CLIError(field == .labels ? "unknown label spec: \(word)" : "invalid annotation format: \(word)")
                }
                resources.append(word)
            }
        }
        for key in changes.remove where changes.set.contains(where: { $0.key == key }) {
            throw CLIError("can not both modify and remove the following \(field == .labels ? "label" : "annotation")(s) in the same command: \(key)")
        }
        return (resources, changes)
    }

    /// The metadata after the changes, or kubectl's error when a key would change without
    /// --overwrite. Also whether anything changed.
    static func apply(_ changes: Changes, to current: [String: String], field: Field, overwrite: Bool,
                      warn: (String) -> Void) throws -> (result: [String: String], changed: Bool) {
        if !overwrite {
            var conflicts: [String] = []
            for (key, value) in changes.set where current[key] != nil && current[key] != value {
                conflicts.append("'\(key)' already has a value (\(current[key]!))")
            }
            if !conflicts.isEmpty {
                if field == .labels {
                    // utilerrors.NewAggregate: one error as it is, several in brackets.
                    let errors = conflicts.map { $0 + ", and --overwrite is false" }
                    throw CLIError(errors.count == 1 ? errors[0] : "[" + errors.joined(separator: ", ") + "]")
                }
                throw CLIError("--overwrite is false but found the following declared annotation(s): " + conflicts.joined(separator: "; "))
            }
        }
        var result = current
        for (key, value) in changes.set { result[key] = value }
        for key in changes.remove {
            if result.removeValue(forKey: key) == nil, field == .labels { warn("label \(goQuote(key)) not found.\n") }
        }
        return (result, result != current)
    }

    func run() throws {
        let format = try output.format(allowed: ["json", "yaml", "name"])
        let (resources, changes) = try Self.split(words, field: field)
        if !list && changes.set.isEmpty && changes.remove.isEmpty {
            throw CLIError("at least one \(field == .labels ? "label" : "annotation") update is required")
        }
        if let dryRun, dryRun != "client", dryRun != "none" {
            throw CLIError("invalid --dry-run value \"\(dryRun)\": only \"client\" and \"none\" are supported on one host")
        }
        guard !resources.isEmpty else {
            throw CLIError("one or more resources must be specified as <resource> <name> or <resource>/<name>")
        }
        let names = try ResourceArguments.podNames(resources)
        try global.requireStore()
        let store = global.store
        var locations: [PodLocation] = []
        if all || selector != nil {
            guard names.isEmpty else { throw CLIError("cannot set --all and --selector at the same time") }
            let labels = try selector.map(LabelSelector.init(parsing:))
            for location in store.list(namespace: namespace.scope) {
                guard let pod = try? store.readPod(location) else { continue }
                if let labels, !labels.matches(pod.metadata.labels) { continue }
                locations.append(location)
            }
            if locations.isEmpty {
                Output.err(namespace.noResources)
                return
            }
        } else {
            guard !names.isEmpty else { throw CLIError("resource(s) were provided, but no name was specified") }
            for name in names {
                guard let location = store.find(namespace: namespace.namespace, name: name) else {
                    throw CLIError.server("NotFound", "pods \(goQuote(name)) not found")
                }
                locations.append(location)
            }
        }
        for location in locations {
            if list {
                let pod = try store.readPod(location)
                let map = field == .labels ? pod.metadata.labels : pod.metadata.annotations
                if !map.isEmpty { Output.out(map.keys.sorted().map { "\($0)=\(map[$0]!)\n" }.joined()) }
                continue
            }
            let (pod, changed) = try store.withLock { () throws -> (Pod, Bool) in
                var pod = try store.readPod(location)
                let current = field == .labels ? pod.metadata.labels : pod.metadata.annotations
                let (result, changed) = try Self.apply(changes, to: current, field: field, overwrite: overwrite) { Output.err($0) }
                guard changed else { return (pod, false) }
                if field == .labels { pod.metadata.labels = result } else { pod.metadata.annotations = result }
                let errors = Validation.validateMetadata(pod.metadata)
                if !errors.isEmpty {
                    throw CLIError("The Pod \(goQuote(pod.name)) is invalid: " + errors.map(\.description).joined(separator: ", "))
                }
                if dryRun != "client" {
                    try FileSystem.writeAtomically(location.podFile, pod.json().serialized(pretty: true) + "\n", mode: 0o600)
                }
                return (pod, true)
            }
            if changed && dryRun != "client", let view = PodView.load(location, store: store), view.supervisorAlive,
               let pid = view.supervisorPid {
                kill(pid, SIGUSR1)
            }
            switch format {
            case .json, .yaml:
                let view = PodView(location: location, pod: pod, statusFile: store.readStatus(location))
                ObjectPrinter.printObject(view.json(), format: format)
            case .name:
                Output.out("pod/\(pod.name)\n")
            default:
                let suffix = dryRun == "client" ? " (dry run)" : ""
                Output.out("pod/\(pod.name) \(changed ? "" : "not ")\(field.done)\(suffix)\n")
            }
        }
    }
}
