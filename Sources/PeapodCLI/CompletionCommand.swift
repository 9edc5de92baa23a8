// `peapod completion bash|zsh` prints a shell script; the script asks the hidden
// `peapod __complete WORDS...` for the candidates of the last word: verbs, the verb's options
// (from its table), resource kinds, option values (-o formats, namespaces, containers) and the
// names of live pods, read from the store as `get pods -o name` would.

import Glibc
import PeapodLinux
import PeapodSpec

struct CompletionCommand {
    static let spec = CommandSpec(
        name: "completion", abstract: "Print a shell completion script (bash or zsh), as kubectl completion.",
        discussion: "bash: source <(peapod completion bash); zsh: source <(peapod completion zsh) after compinit.",
        parameters: [.argument("shell", help: "bash or zsh")],
        run: { try CompletionCommand($0).run() })

    var shell: String

    init(_ arguments: ParsedArguments) {
        shell = arguments.text("shell")
    }

    func run() throws {
        switch shell {
        case "bash": Output.out(Self.bash)
        case "zsh": Output.out(Self.zsh)
        default: throw CLIError("Unsupported shell type \"\(shell)\".")
        }
    }

    static let bash = #"""
        # bash completion for peapod: source <(peapod completion bash)
        _peapod() {
            local cur="${COMP_WORDS[COMP_CWORD]}"
            local IFS=$'\n'
            local candidates
            candidates=$("${COMP_WORDS[0]}" __complete -- "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
            COMPREPLY=($(compgen -W "$candidates" -- "$cur"))
        }
        complete -o default -F _peapod peapod

        """#

    static let zsh = #"""
        #compdef peapod
        # zsh completion for peapod: source <(peapod completion zsh), after compinit
        _peapod() {
            local -a candidates
            candidates=("${(@f)$(${words[1]} __complete -- "${(@)words[2,CURRENT]}" 2>/dev/null)}")
            if (( ${#candidates} )) && [[ -n ${candidates[1]} ]]; then
                compadd -- "${candidates[@]}"
            else
                _files
            fi
        }
        compdef _peapod peapod

        """#
}

/// `peapod __complete WORDS...`: one candidate per line for the last word (empty: a new word).
struct CompleteCommand {
    static let spec: CommandSpec = {
        var spec = CommandSpec(
            name: "__complete", abstract: "Completion candidates (for the scripts of peapod completion).",
            parameters: [.afterTerminator("words")], run: { CompleteCommand($0).run() })
        spec.hidden = true
        return spec
    }()

    var words: [String]

    init(_ arguments: ParsedArguments) {
        words = arguments.strings("words")
    }

    func run() {
        // The scripts pass the words after `--`, so that the parser takes them as they are.
        let candidates = Self.candidates(words, root: PeapodCommand.spec) { Self.podNames(words: $0) }
        Output.out(candidates.map { $0 + "\n" }.joined())
    }

    /// The candidates for the last of `words`, which follow `peapod`. `pods(words)` lists the
    /// pods a completed line would see.
    static func candidates(_ words: [String], root: CommandSpec, pods: ([String]) -> [(namespace: String, name: String, containers: [String])]) -> [String] {
        guard let current = words.last else { return [] }
        let before = Array(words.dropLast())
        var path = [root]
        var index = 0
        // The command words.
        while index < before.count, !path[path.count - 1].subcommands.isEmpty {
            let word = before[index]
            if let sub = path[path.count - 1].subcommand(named: word) {
                path.append(sub)
            } else if word.hasPrefix("-"), let length = CommandTable.leadingOptionLength(before, at: index, root: root) {
                index += length
                continue
            }
            index += 1
        }
        let command = path[path.count - 1]
        if !command.subcommands.isEmpty {
            if current.hasPrefix("-") { return options(of: root) }
            return command.subcommands.filter { !$0.hidden }.map(\.name)
        }
        // An option's value?
        if let previous = before.last, previous.hasPrefix("-"), !previous.contains("="),
           let parameter = previous.hasPrefix("--") ? command.parameter(long: previous.dropFirst(2))
               : previous.count == 2 ? command.parameter(short: previous.last!) : nil, parameter.takesValue {
            return values(for: parameter, words: before, pods: pods)
        }
        if current.hasPrefix("-") { return options(of: command) }
        // Positional words after the command's.
        let positional = before[index...].enumerated().filter { offset, word in
            guard !word.hasPrefix("-") else { return false }
            let previous = offset > 0 ? before[index + offset - 1] : ""
            return !(previous.hasPrefix("-") && takesValue(previous, command))
        }.map(\.element)
        switch command.name {
        case "get":
            if positional.isEmpty { return ["pods", "events"] }
            return positional[0] == "events" || positional[0] == "ev" ? [] : podNames(pods(words))
        case "describe", "delete", "top", "wait", "label", "annotate":
            if positional.isEmpty { return ["pods"] + podNames(pods(words)).map { "pod/" + $0 } }
            return podNames(pods(words))
        case "logs", "exec", "attach", "port-forward":
            return positional.isEmpty ? podNames(pods(words)) : []
        case "cp":
            // Either side may be POD:PATH; the other is a local path, the shell's to complete.
            return positional.count < 2 ? podNames(pods(words)) : []
        case "explain":
            return positional.isEmpty ? explainPaths(current) : []
        case "completion":
            return positional.isEmpty ? ["bash", "zsh"] : []
        case "events":
            return []
        default:
            return []
        }
    }

    static func takesValue(_ word: String, _ command: CommandSpec) -> Bool {
        guard !word.contains("=") else { return false }
        let parameter = word.hasPrefix("--") ? command.parameter(long: word.dropFirst(2))
            : word.count == 2 ? command.parameter(short: word.last!) : nil
        return parameter?.takesValue ?? false
    }

    static func options(of command: CommandSpec) -> [String] {
        var out: [String] = []
        for parameter in command.parameters where !parameter.isPositional {
            out.append("--" + parameter.name)
            if case .toggle = parameter.kind { out.append("--no-" + parameter.name) }
            if let short = parameter.short { out.append("-" + String(short)) }
        }
        return out + ["--help"]
    }

    static func values(for parameter: Parameter, words: [String],
                       pods: ([String]) -> [(namespace: String, name: String, containers: [String])]) -> [String] {
        switch parameter.name {
        case "output": return ["json", "yaml", "name", "wide", "jsonpath=", "custom-columns="]
        case "namespace":
            var seen: [String] = []
            for pod in pods(words.filter { $0 != "-n" && $0 != "--namespace" } + ["-A"]) where !seen.contains(pod.namespace) {
                seen.append(pod.namespace)
            }
            return seen
        case "container":
            return pods(words).flatMap(\.containers)
        case "for":
            return ["condition=Ready", "delete", "jsonpath="] + podNames(pods(words)).map { "pod/" + $0 }
        default:
            return []
        }
    }

    static func podNames(_ pods: [(namespace: String, name: String, containers: [String])]) -> [String] {
        pods.map(\.name)
    }

    /// `pod.spec.con` → the fields under pod.spec.
    static func explainPaths(_ current: String) -> [String] {
        guard let dot = current.lastIndex(of: ".") else { return ["pods"] }
        let base = String(current[..<dot])
        let schema = ExplainTypes(ExplainSchema.text)
        var type = "Pod"
        for part in base.split(separator: ".").dropFirst() {
            guard let field = schema.types[type]?.fields.first(where: { $0.name == part }) else { return [] }
            type = field.reference
        }
        return (schema.types[type]?.fields ?? []).map { base + "." + $0.name }
    }

    /// The pods of the namespace the line names (-n, -A, --root, --run-root as it gives them).
    static func podNames(words: [String]) -> [(namespace: String, name: String, containers: [String])] {
        var root: String?
        var runRoot: String?
        var namespace = "default"
        var all = false
        for (i, word) in words.enumerated() {
            let next = i + 1 < words.count ? words[i + 1] : nil
            if word == "--root" { root = next } else if word.hasPrefix("--root=") { root = String(word.dropFirst(7)) }
            if word == "--run-root" { runRoot = next } else if word.hasPrefix("--run-root=") { runRoot = String(word.dropFirst(11)) }
            if word == "-n" || word == "--namespace", let next { namespace = next }
            if word.hasPrefix("--namespace=") { namespace = String(word.dropFirst(12)) }
            if word == "-A" || word == "--all-namespaces" { all = true }
        }
        let store = GlobalOptions(root: root, runRoot: runRoot).store
        return store.list(namespace: all ? nil : namespace).map { location in
            let containers = (try? store.readPod(location))?.allContainers.map(\.name) ?? []
            return (location.namespace, location.name, containers)
        }
    }
}
