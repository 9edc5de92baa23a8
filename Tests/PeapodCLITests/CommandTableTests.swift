// The command-line parser against the real command tables: option spellings, positional
// arguments, `--`, toggles, help requests, usage errors, and the help pages' layout.

@testable import PeapodCLI
import Testing

private func parse(_ words: [String]) throws(UsageError) -> CommandTable.Outcome {
    try CommandTable.parse(words, root: PeapodCommand.spec)
}

/// The values of a command line that must parse to a command.
private func values(_ words: [String]) throws -> ParsedArguments {
    guard case let .run(parsed) = try parse(words) else {
        Issue.record("\(words) asked for help")
        throw UsageError(message: "help", path: [])
    }
    return parsed
}

/// The command path whose help a command line asks for (nil if it runs a command).
private func helpPath(_ words: [String]) throws -> [String]? {
    guard case let .help(path) = try parse(words) else { return nil }
    return path.map(\.name)
}

/// The usage error of a command line that must not parse.
private func usageError(_ words: [String]) -> (message: String, command: String)? {
    do {
        _ = try parse(words)
        return nil
    } catch {
        return (error.message, HelpText.commandName(error.path))
    }
}

@Suite("Command line: options and arguments")
struct CommandTableTests {
    @Test("get: --opt value, --opt=value, -n value, -n=value, grouped short flags, defaults")
    func getSpellings() throws {
        var get = try GetCommand(try values(["get", "pods", "-n", "web", "-o", "name"]))
        #expect(get.resources == ["pods"] && get.namespace.namespace == "web" && get.output.text == "name" && !get.namespace.allNamespaces)
        get = try GetCommand(try values(["get", "pod/a", "--namespace=x", "--selector", "app in (a,b)", "--output=json"]))
        #expect(get.resources == ["pod/a"] && get.namespace.namespace == "x" && get.selectors.labelText == "app in (a,b)")
        #expect(get.output.text == "json")
        get = try GetCommand(try values(["get", "pods", "-Ao", "name"]))
        #expect(get.namespace.allNamespaces && get.output.text == "name" && get.namespace.namespace == "default")
        get = try GetCommand(try values(["get", "pods", "-n=other", "--all-namespaces", "-l", "a=b"]))
        #expect(get.namespace.namespace == "other" && get.namespace.allNamespaces && get.selectors.labelText == "a=b")
        // The last of a repeated option wins; `--` makes the rest positional.
        get = try GetCommand(try values(["get", "pods", "-o", "name", "--output", "json", "--", "-x"]))
        #expect(get.output.text == "json" && get.resources == ["pods", "-x"])
        get = try GetCommand(try values(["get", "pods", "--root", "/r", "--run-root=/rr"]))
        #expect(get.global.root == "/r" && get.global.runRoot == "/rr" && get.global.store.root == "/r")
        // Before the verb, too; the command's own words win over them.
        get = try GetCommand(try values(["--root", "/r", "-n", "x", "-A", "get", "pods", "--run-root=/rr"]))
        #expect(get.global.root == "/r" && get.global.runRoot == "/rr" && get.namespace.namespace == "x" && get.namespace.allNamespaces)
        get = try GetCommand(try values(["-n=x", "get", "pods", "-n", "y", "--watch", "-L", "a,b", "-L", "c", "--sort-by=.metadata.name"]))
        #expect(get.namespace.namespace == "y" && get.watch && get.labelColumns == ["a", "b", "c"] && get.sortBy == ".metadata.name")
    }

    @Test("apply/run: -f - for stdin, numbers, defaults, validation")
    func applyValues() throws {
        let apply = try ApplyCommand(try values(["apply", "-f", "-", "--backoff-base", "0.2", "--backoff-cap", "1", "--dry-run=client"]))
        #expect(apply.files.filenames == ["-"] && apply.dryRun == "client")
        #expect(apply.backoff.backoffBase == 0.2 && apply.backoff.backoffCap == 1)
        #expect(apply.cgroups.podPidsLimit == 4096 && apply.cgroups.cgroupParent == nil)
        #expect(apply.cgroups.settings.pidsLimit == 4096)
        #expect(apply.limits.logRotation?.maxSize == 10 * 1024 * 1024 && apply.limits.logRotation?.maxFiles == 5)
        #expect(apply.limits.housekeepingNanos == 10_000_000_000)
        let unlimited = try ApplyCommand(try values(["apply", "-f", "x", "--pod-pids-limit=-1"]))
        #expect(unlimited.cgroups.settings.pidsLimit == nil)
        let run = try RunCommand(try values(["run", "--filename=pod.yaml", "--pod-pids-limit", "40", "--cgroup-parent", "/peapod"]))
        #expect(run.files.filenames == ["pod.yaml"] && run.image == nil && run.backoff.backoffBase == 10 && run.backoff.backoffCap == 300)
        #expect(run.cgroups.podPidsLimit == 40 && run.cgroups.cgroupParent == "/peapod")
        let logs = try RunCommand(try values(["run", "-f", "p", "--container-log-max-size", "1Mi", "--container-log-max-files=2",
                                              "--housekeeping-interval", "500ms"]))
        #expect(logs.limits.logRotation?.maxSize == 1024 * 1024 && logs.limits.logRotation?.maxFiles == 2)
        #expect(logs.limits.housekeepingNanos == 500_000_000)
        #expect(try RunCommand(try values(["run", "-f", "p", "--container-log-max-size=-1"])).limits.logRotation == nil)
        for bad in [["--container-log-max-files", "1"], ["--container-log-max-size", "0"], ["--container-log-max-size", "big"],
                    ["--housekeeping-interval", "0s"], ["--housekeeping-interval", "10 seconds"]] {
            #expect(throws: ValidationError.self, "\(bad)") { try ApplyCommand(try values(["apply", "-f", "x"] + bad)) }
        }

        #expect(usageError(["apply", "-f"])?.message == "Missing value for '-f <filename>'")
        #expect(usageError(["apply", "-f", "x", "--dry-run"])?.message == "Missing value for '--dry-run <dry-run>'")
        #expect(throws: ValidationError.self) { try ApplyCommand(try values(["apply", "-f", "x", "--pod-pids-limit", "0"])) }
        #expect(throws: ValidationError.self) { try ApplyCommand(try values(["apply", "-f", "x", "--cgroup-parent", "/a/../b"])) }
        do {
            _ = try ApplyCommand(try values(["apply", "-f", "x", "--backoff-base", "soon"]))
            Issue.record("accepted --backoff-base soon")
        } catch let error as UsageError {
            #expect(error.message == "The value 'soon' is invalid for '--backoff-base <backoff-base>'")
            #expect(HelpText.commandName(error.path) == "peapod apply")
        }
    }

    @Test("exec: -it grouped, everything after -- is the command, -- is required before it")
    func execTerminator() throws {
        var exec = ExecCommand(try values(["exec", "-it", "web", "--", "sh", "-c", "echo -n hi --help"]))
        #expect(exec.session.target.pod == "web" && exec.session.stdin && exec.session.tty && exec.command == ["sh", "-c", "echo -n hi --help"])
        exec = ExecCommand(try values(["exec", "web", "-c", "side", "-n", "ns", "--", "ls", "-n", "--", "x"]))
        #expect(exec.session.container.container == "side" && exec.session.namespace.namespace == "ns" && exec.command == ["ls", "-n", "--", "x"])
        exec = ExecCommand(try values(["-n", "ns", "exec", "pod/web", "--", "ls"]))
        #expect(exec.session.namespace.namespace == "ns" && (try? exec.session.target.name()) == "web")
        exec = ExecCommand(try values(["exec", "web"]))
        #expect(exec.command.isEmpty && !exec.session.stdin && !exec.session.tty)
        #expect(try helpPath(["exec", "web", "--", "sh", "--help"]) == nil)
        #expect(usageError(["exec", "web", "sh", "-c"])?.message == "Missing value for '-c <container>'")
        #expect(usageError(["exec", "web", "sh", "x"])?.message == "2 unexpected arguments: 'sh', 'x'")
        #expect(usageError(["exec", "--", "web", "sh"])?.message == "Missing expected argument '<pod>'")
    }

    @Test("delete: --wait/--no-wait and kubectl's --wait=false, flags take no value")
    func deleteToggles() throws {
        var delete = try DeleteCommand(try values(["delete", "pod", "a"]))
        #expect(delete.wait && !delete.force && !delete.ignoreNotFound && delete.gracePeriod == -1 && delete.files.isEmpty)
        #expect(try !DeleteCommand(try values(["delete", "pod", "a", "--no-wait"])).wait)
        #expect(try !DeleteCommand(try values(["delete", "pod", "a", "--wait=false"])).wait)
        #expect(try DeleteCommand(try values(["delete", "pod", "a", "--no-wait", "--wait=true"])).wait)
        #expect(try DeleteCommand(try values(["delete", "pod", "a", "--no-wait", "--wait"])).wait)
        delete = try DeleteCommand(try values(["delete", "pod", "a", "b", "--grace-period=0", "--force", "--ignore-not-found"]))
        #expect(delete.resources == ["pod", "a", "b"] && delete.gracePeriod == 0 && delete.force && delete.ignoreNotFound)
        delete = try DeleteCommand(try values(["delete", "-f", "pods.yaml", "-f", "dir", "-R"]))
        #expect(delete.resources.isEmpty && delete.files.filenames == ["pods.yaml", "dir"] && delete.files.recursive)
        delete = try DeleteCommand(try values(["delete", "pods", "--all", "--now", "--wait=false", "-A"]))
        #expect(delete.all && delete.now && !delete.wait && delete.namespace.scope == nil)
        delete = try DeleteCommand(try values(["delete", "pods", "-l", "app=web"]))
        #expect(delete.selectorText == "app=web" && delete.selector != nil)
        // A negative number is a value only after `=`, as before.
        #expect(try DeleteCommand(try values(["delete", "pod", "a", "--grace-period=-1"])).gracePeriod == -1)
        #expect(usageError(["delete", "pod", "a", "--grace-period", "-1"])?.message == "Missing value for '--grace-period <grace-period>'")
        #expect(usageError(["delete", "pod", "a", "--wait=maybe"])?.message
            == "The option '--wait' does not take any value, but 'maybe' was specified.")
        #expect(usageError(["delete", "pod", "a", "--force=true"])?.message
            == "The option '--force' does not take any value, but 'true' was specified.")
        #expect(usageError(["delete", "pod", "a", "--no-force"])?.message == "Unknown option '--no-force'")
    }

    @Test("logs, wait, top, image: positional arguments, repeated --change, aliases, typed values")
    func otherCommands() throws {
        let logs = try LogsCommand(try values(["logs", "talk", "-fp", "--tail", "2", "--timestamps", "-c", "first"]))
        #expect(logs.pods == ["talk"] && logs.follow && logs.previous && logs.timestamps && logs.tail == 2 && logs.container.container == "first")
        #expect(try LogsCommand(try values(["logs", "talk"])).tail == -1)
        // kubectl: 10 lines per container with a selector, unless --tail says otherwise.
        #expect(try LogsCommand(try values(["logs", "-l", "app"])).tail == 10)
        #expect(try LogsCommand(try values(["logs", "-l", "app", "--tail=-1"])).tail == -1)
        let many = try LogsCommand(try values(["logs", "-l", "app", "--prefix", "--all-containers", "--since=5m", "-f"]))
        #expect(many.selector == "app" && many.prefix && many.allContainers && many.since == "5m" && many.maxLogRequests == 5)
        let wait = WaitCommand(try values(["wait", "pod/ok", "--for=jsonpath={.status.phase}=Succeeded", "--timeout", "20s"]))
        #expect(wait.resources == ["pod/ok"] && wait.condition == "jsonpath={.status.phase}=Succeeded" && wait.timeout == "20s")
        #expect(WaitCommand(try values(["wait", "pod", "a", "--for", "delete"])).timeout == "30s")
        let top = try TopCommand(try values(["top", "pod", "spin", "--containers", "--window=0.1", "-A"]))
        #expect(top.resources == ["pod", "spin"] && top.containers && top.window == 0.1 && top.namespace.allNamespaces)
        let image = ImageCommand.Import(try values(["image", "import", "busybox", "/rootfs", "--change", "ENV A=1", "--change=CMD [\"sh\"]"]))
        #expect(image.reference == "busybox" && image.source == "/rootfs" && image.changes == ["ENV A=1", "CMD [\"sh\"]"])
        #expect(try values(["image", "list"]).command.name == "ls")
        #expect(ImageCommand.Remove(try values(["image", "rm", "a", "b"])).references == ["a", "b"])
        #expect(usageError(["logs", "a", "--tail", "x"]) == nil)
        #expect(throws: UsageError.self) { try LogsCommand(try values(["logs", "a", "--tail", "x"])) }
    }

    @Test("Usage errors name the problem and the command")
    func usageErrors() {
        let cases: [([String], String, String)] = [
            (["bogus"], "Unexpected argument 'bogus'", "peapod"),
            (["--root", "x", "bogus"], "Unexpected argument 'bogus'", "peapod"),
            (["image", "bogus"], "Unexpected argument 'bogus'", "peapod image"),
            (["image", "--bogus"], "Unknown option '--bogus'", "peapod image"),
            (["get", "pods", "-x"], "Unknown option '-x'", "peapod get"),
            (["get", "pods", "-Ax"], "Unknown option '-x'", "peapod get"),
            (["get", "pods", "-oname"], "Unknown option '-oname'", "peapod get"),
            (["get", "pods", "-n"], "Missing value for '-n <namespace>'", "peapod get"),
            (["get", "pods", "--namespace="], "Missing value for '--namespace <namespace>'", "peapod get"),
            (["get", "pods", "-n", "--all-namespaces"], "Missing value for '-n <namespace>'", "peapod get"),
            (["get", "pods", "--all-namespaces=true"],
             "The option '--all-namespaces' does not take any value, but 'true' was specified.", "peapod get"),
            (["logs", "-l"], "Missing value for '-l <selector>'", "peapod logs"),
            (["-A", "logs", "a"], "Unknown option '-A'", "peapod logs"),
            (["wait", "pod/a"], "Missing expected argument '--for <for>'", "peapod wait"),
            (["image", "import", "a"], "Missing expected argument '<source>'", "peapod image import"),
            (["image", "rm"], "Missing expected argument '<references> ...'", "peapod image rm"),
            (["image", "ls", "extra"], "Unexpected argument 'extra'", "peapod image ls"),
            (["help", "--bogus"], "Unknown option '--bogus'", "peapod help"),
        ]
        for (words, message, command) in cases {
            let error = usageError(words)
            #expect(error?.message == message, "\(words)")
            #expect(error?.command == command, "\(words)")
        }
    }

    @Test("Every table: unique names and short letters, -h left to help, lists last")
    func tablesAreConsistent() {
        var leaves: [CommandSpec] = []
        func collect(_ spec: CommandSpec) {
            if spec.subcommands.isEmpty { leaves.append(spec) } else { spec.subcommands.map { $0.materialized() }.forEach(collect) }
            #expect(spec.subcommands.isEmpty == (spec.run != nil), "\(spec.name)")
        }
        collect(PeapodCommand.spec)
        #expect(leaves.count == 24)
        for leaf in leaves {
            let names = leaf.parameters.map(\.name)
            let shorts = leaf.parameters.compactMap(\.short)
            #expect(Set(names).count == names.count, "\(leaf.name): \(names)")
            #expect(Set(shorts).count == shorts.count && !shorts.contains("h"), "\(leaf.name): \(shorts)")
            // A positional list takes every remaining word: nothing positional may follow it.
            var listSeen = false
            for parameter in leaf.parameters {
                switch parameter.kind {
                case .argument:
                    #expect(!listSeen, "\(leaf.name): <\(parameter.name)> after a list")
                case .arguments:
                    #expect(!listSeen, "\(leaf.name): <\(parameter.name)> after a list")
                    listSeen = true
                default:
                    break
                }
            }
        }
    }

    @Test("Help: -h/--help anywhere before --, help VERB, a command with subcommands alone")
    func helpRequests() throws {
        #expect(try helpPath([]) == ["peapod"])
        #expect(try helpPath(["--help"]) == ["peapod"])
        #expect(try helpPath(["-h", "get"]) == ["peapod"])
        #expect(try helpPath(["help"]) == ["peapod"])
        #expect(try helpPath(["help", "bogus"]) == ["peapod"])
        #expect(try helpPath(["help", "get"]) == ["peapod", "get"])
        #expect(try helpPath(["help", "get", "pods"]) == ["peapod", "get"])
        #expect(try helpPath(["help", "image", "list"]) == ["peapod", "image", "ls"])
        #expect(try helpPath(["help", "help"]) == ["peapod", "help"])
        #expect(try helpPath(["image"]) == ["peapod", "image"])
        #expect(try helpPath(["image", "-h"]) == ["peapod", "image"])
        #expect(try helpPath(["image", "rm", "--help"]) == ["peapod", "image", "rm"])
        #expect(try helpPath(["get", "--help", "pods"]) == ["peapod", "get"])
        #expect(try helpPath(["get", "pods", "--bogus", "--help"]) == ["peapod", "get"])
        #expect(try helpPath(["get", "pods", "-Ah"]) == ["peapod", "get"])
        #expect(try helpPath(["apply", "-h"]) == ["peapod", "apply"])
        #expect(try helpPath(["get", "pods", "--", "-h"]) == nil)
    }
}

@Suite("Command line: help pages")
struct HelpTextTests {
    @Test("The main help lists the verbs, wrapped to the width")
    func mainPage() {
        let expected = """
            OVERVIEW: Run Kubernetes v1 Pods on this machine, with real namespaces.

            USAGE: peapod [--root <root>] [--run-root <run-root>] [--namespace <namespace>] [--all-namespaces] <subcommand>

            OPTIONS:
              --root <root>           State, images and logs (env PEAPOD_ROOT). (default:
                                      /var/lib/peapod)
              --run-root <run-root>   Namespace pins and locks (env PEAPOD_RUN_ROOT).
                                      (default: /run/peapod)
              -n, --namespace <namespace>
                                      The namespace of the objects. (default: default)
              -A, --all-namespaces    Objects of every namespace.
              -h, --help              Show help information.

            SUBCOMMANDS:
              run                     Run the pods of a manifest in the foreground,
                                      streaming their logs; or one pod from an image.
              apply                   Create the pods of a manifest (YAML or JSON; - for
                                      stdin) and return.
              get                     List pods or events, as kubectl get.
              describe                Show a pod's details and events, as kubectl describe
                                      pod.
              logs                    Print a container's logs, as kubectl logs.
              exec                    Run a command in a running container; exits with its
                                      exit code.
              attach                  Attach to a process that is already running inside an
                                      existing container.
              cp                      Copy files and directories to and from containers.
              port-forward            Forward one or more local ports to a pod.
              delete                  Delete pods gracefully; nothing of them is left
                                      afterwards.
              wait                    Wait for a condition on pods, as kubectl wait.
              top                     Show CPU (millicores) and memory (working set) of
                                      pods, as kubectl top pod.
              events                  List events, as kubectl events.
              label                   Update the labels of pods, as kubectl label.
              annotate                Update the annotations of pods, as kubectl annotate.
              image                   Manage the local images.
              seccomp                 Show the seccomp profiles Peapod applies.
              version                 Print the client version, as kubectl version
                                      --client.
              api-resources           List the kinds Peapod serves, as kubectl
                                      api-resources.
              explain                 Describe the Pod kind's fields, as kubectl explain.
              completion              Print a shell completion script (bash or zsh), as
                                      kubectl completion.

              See 'peapod help <subcommand>' for detailed help.

            """
        #expect(HelpText.page([PeapodCommand.spec], width: 80) == expected)
    }

    @Test("A command's page: arguments, options with defaults, toggles, long labels on their own line")
    func deletePage() {
        let delete = PeapodCommand.spec.subcommand(named: "delete")!
        let expected = """
            OVERVIEW: Delete pods gracefully; nothing of them is left afterwards.

            USAGE: peapod delete [--root <root>] [--run-root <run-root>] [<resources> ...] [--filename <filename> ...] [--recursive] [--namespace <namespace>] [--all-namespaces] [--selector <selector>] [--all] [--grace-period <grace-period>] [--now] [--force] [--ignore-not-found] [--wait] [--no-wait]

            ARGUMENTS:
              <resources>             pods NAME..., pod/NAME

            OPTIONS:
              --root <root>           State, images and logs (env PEAPOD_ROOT). (default:
                                      /var/lib/peapod)
              --run-root <run-root>   Namespace pins and locks (env PEAPOD_RUN_ROOT).
                                      (default: /run/peapod)
              -f, --filename <filename>
                                      A manifest file, a directory of them (.yaml, .yml,
                                      .json), or - for stdin.
              -R, --recursive         Read the directories given with -f recursively.
              -n, --namespace <namespace>
                                      The namespace of the objects. (default: default)
              -A, --all-namespaces    Objects of every namespace.
              -l, --selector <selector>
                                      Label selector: k=v, k==v, k!=v, k, !k, k in (a,b), k
                                      notin (a,b).
              --all                   Every pod of the namespace.
              --grace-period <grace-period>
                                      Seconds before SIGKILL; -1 uses the pod's own.
                                      (default: -1)
              --now                   Signal the pods for immediate shutdown
                                      (--grace-period=1).
              --force                 With --grace-period=0: kill at once.
              --ignore-not-found
              --wait/--no-wait        Wait until the pods are gone. (default: --wait)
              -h, --help              Show help information.


            """
        #expect(HelpText.page([PeapodCommand.spec, delete], width: 80) == expected)
    }

    @Test("Discussions: the command's under its overview, an option's indented under it")
    func runPage() {
        let run = PeapodCommand.spec.subcommand(named: "run")!
        let page = HelpText.page([PeapodCommand.spec, run], width: 80)
        #expect(page.hasPrefix("""
            OVERVIEW: Run the pods of a manifest in the foreground, streaming their logs;
            or one pod from an image.

            With -f: Ctrl-C or SIGTERM deletes the pods gracefully; exits 0 when every pod
            Succeeded, 1 when one Failed. With NAME --image=IMAGE: a pod as kubectl run
            makes it (label run=NAME); -i/-t attach to it, --rm deletes it after.

            USAGE: peapod run [--root <root>] [--run-root <run-root>] [--namespace <namespace>] [--filename <filename> ...] [--recursive] [--backoff-base <backoff-base>] [--backoff-cap <backoff-cap>] [--cgroup-parent <cgroup-parent>] [--pod-pids-limit <pod-pids-limit>] [--allowed-unsafe-sysctls <allowed-unsafe-sysctls>] [--container-log-max-size <container-log-max-size>] [--container-log-max-files <container-log-max-files>] [--housekeeping-interval <housekeeping-interval>] [--network <network>] [--pod-cidr <pod-cidr>] [<name> ...] [--image <image>] [--stdin] [--tty] [--rm] [--restart <restart>] [--env <env> ...] [--labels <labels>] [--command] -- [<args> ...]

            """))
        #expect(page.containsText("""
              --cgroup-parent <cgroup-parent>
                                      The cgroup under which each pod's cgroup
                                      (peapod-<uid>) is made, as a path inside every
                                      hierarchy; it must exist.
                    Default: the caller's own cgroup of each hierarchy, so pods stay within
                    the caller's limits.
              --pod-pids-limit <pod-pids-limit>
            """))
        #expect(page.containsText("  -f, --filename <filename>\n                          A manifest file, a directory of them (.yaml, .yml,\n"))
    }

    @Test("Every page's lines fit the width, except the usage line")
    func widths() {
        var paths: [[CommandSpec]] = [[PeapodCommand.spec]]
        for sub in PeapodCommand.spec.subcommands.map({ $0.materialized() }) {
            paths.append([PeapodCommand.spec, sub])
            for leaf in sub.subcommands { paths.append([PeapodCommand.spec, sub, leaf.materialized()]) }
        }
        for width in [60, 80, 120] {
            for path in paths {
                for line in HelpText.page(path, width: width).split(separator: "\n") where !line.hasPrefix("USAGE:") {
                    #expect(line.count < width, "\(HelpText.commandName(path)) at \(width): \(line)")
                }
            }
        }
    }

    @Test("A usage error: the message, the usage line, where to read more")
    func errorText() {
        let get = PeapodCommand.spec.subcommand(named: "get")!
        #expect(HelpText.error(UsageError(message: "Unknown option '-x'", path: [PeapodCommand.spec, get])) == """
            Error: Unknown option '-x'
            Usage: peapod get [--root <root>] [--run-root <run-root>] [<resources> ...] [--namespace <namespace>] [--all-namespaces] [--selector <selector>] [--field-selector <field-selector>] [--output <output>] [--filename <filename> ...] [--recursive] [--show-labels] [--label-columns <label-columns> ...] [--sort-by <sort-by>] [--no-headers] [--watch] [--watch-only] [--request-timeout <request-timeout>]
              See 'peapod get --help' for more information.

            """)
        #expect(HelpText.page([PeapodCommand.spec, CommandTable.helpCommand], width: 80) == """
            OVERVIEW: Show subcommand help information.

            USAGE: peapod help [<subcommands> ...]

            ARGUMENTS:
              <subcommands>


            """)
    }
}
