// `peapod run NAME --image=IMG`: a pod made as `kubectl run` makes one (label run=NAME, one
// container named NAME, kubectl's defaults), created as apply creates pods, then with -i/-t
// attached (and with --rm deleted once the session ends).

import Glibc
import PeapodLinux
import PeapodManifest
import PeapodRuntime
import PeapodSpec

struct RunImage: Equatable {
    var name: String
    var image: String
    var arguments: [String]
    var command: Bool
    var stdin: Bool
    var tty: Bool
    var remove: Bool
    var restart: String
    var env: [String]
    var labels: String?
    var namespace: String

    /// kubectl run's checks, with its messages.
    func validate() throws {
        if tty && !stdin { throw CLIError("-i/--stdin is required for containers with -t/--tty=true") }
        if remove && !stdin { throw CLIError("--rm should only be used for attached containers") }
        guard ["Always", "OnFailure", "Never"].contains(restart) else { throw CLIError("invalid restart policy: \(restart)") }
        for item in env where !item.contains("=") {
            throw CLIError("invalid env: \(item)")
        }
        _ = try labelMap()
    }

    func labelMap() throws -> [(String, String)] {
        guard let labels, !labels.isEmpty else { return [("run", name)] }
        return try labels.split(separator: ",").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw CLIError("invalid label spec: \(pair)") }
            return (String(parts[0]), String(parts[1]))
        }
    }

    /// The pod as kubectl run sends it to the API server.
    func manifest() throws -> JSONValue {
        var container = JSONObject()
        container["name"] = .string(name)
        container["image"] = .string(image)
        if !arguments.isEmpty { container[command ? "command" : "args"] = .array(arguments.map { .string($0) }) }
        if !env.isEmpty {
            container["env"] = .array(env.map { item in
                let eq = item.firstIndex(of: "=")!
                return .object(JSONObject([("name", .string(String(item[..<eq]))),
                                           ("value", .string(String(item[item.index(after: eq)...])))]))
            })
        }
        if stdin {
            container["stdin"] = .bool(true)
            container["stdinOnce"] = .bool(true)
        }
        if tty { container["tty"] = .bool(true) }
        var labels = JSONObject()
        for (k, v) in try labelMap() { labels[k] = .string(v) }
        var metadata = JSONObject()
        metadata["name"] = .string(name)
        metadata["namespace"] = .string(namespace)
        metadata["labels"] = .object(labels)
        var spec = JSONObject()
        spec["containers"] = .array([.object(container)])
        spec["restartPolicy"] = .string(restart)
        return .object(JSONObject([("apiVersion", .string("v1")), ("kind", .string("Pod")), ("metadata", .object(metadata)),
                                   ("spec", .object(spec))]))
    }

    func run(global: GlobalOptions, creator: PodCreator) throws {
        try validate()
        let loaded: LoadedManifest
        do {
            loaded = try Manifest.load(manifest().serialized(pretty: false))
        } catch {
            throw CLIError("\(error)")
        }
        let store = global.store
        try store.withLock {
            try RunCommand.checkAllNew(loaded.pods, creator)
            _ = try creator.create(loaded.pods[0])
        }
        guard stdin else {
            Output.out("pod/\(name) created\n")
            return
        }
        let location = store.find(namespace: namespace, name: name)!
        var code: Int32 = 0
        defer {
            if remove {
                try? PodDeletion.delete(location, store: store, grace: nil, wait: true)
                Output.out("pod \"\(name)\" deleted\n")
            }
        }
        // kubectl waits (--pod-running-timeout, 1m) for the container to run, then attaches.
        let deadline = Clock.monotonic() + 60_000_000_000
        var view = PodView.load(location, store: store, pod: loaded.pods[0])
        while view.containerPid(name) == nil {
            let phase = view.status?["phase"]?.stringValue
            if phase == "Succeeded" || phase == "Failed" { break }
            guard Clock.monotonic() < deadline else { throw CLIError("timed out waiting for the condition") }
            usleep(20_000)
            view = PodView.load(location, store: store, pod: loaded.pods[0])
        }
        if view.containerPid(name) != nil {
            _ = try? AttachCommand.session(view, container: name, stdin: true, tty: tty, quiet: false)
        }
        // Never and OnFailure: the exit code is the container's, as kubectl run reports it.
        if restart != "Always" {
            while true {
                view = PodView.load(location, store: store, pod: loaded.pods[0])
                let phase = view.status?["phase"]?.stringValue
                if phase == "Succeeded" { break }
                if phase == "Failed" {
                    let terminated = view.status?["containerStatuses"]?.arrayValue?.first?["state"]?["terminated"]
                    let rc = Int32(terminated?["exitCode"]?.intValue ?? 0)
                    let reason = terminated?["reason"]?.stringValue ?? ""
                    if rc == 0 {
                        Output.err("error: pod \(namespace)/\(name) failed with unknown exit code\n")
                        code = 1
                    } else {
                        Output.err("pod \(namespace)/\(name) terminated (\(reason))\n")
                        code = rc
                    }
                    break
                }
                guard view.supervisorAlive, Clock.monotonic() < deadline + 3_600_000_000_000 else { break }
                usleep(20_000)
            }
        } else if !remove {
            Output.out("Session ended, resume using 'peapod attach \(name) -c \(name) -i -t' command when the pod is running\n")
        }
        if code != 0 { throw ExitCode(code) }
    }
}

extension RunCommand {
    static let imageParameters: [Parameter] = [
        .arguments("name", required: false, help: "NAME [ARGS...]: the pod to create from --image"),
        .option("image", help: "The image of the pod's one container (kubectl run)."),
        .flag("stdin", short: "i", help: "Keep stdin open on the container and attach to it."),
        .flag("tty", short: "t", help: "Allocate a TTY for the container."),
        .flag("rm", help: "Delete the pod after the attached session ends."),
        .option("restart", default: "Always", help: "The pod's restartPolicy: Always, OnFailure or Never."),
        .repeatedOption("env", help: "K=V environment variables of the container."),
        .option("labels", short: "l", help: "Comma separated labels (default run=NAME)."),
        .flag("command", help: "The arguments are the container's command, not its args."),
        .afterTerminator("args"),
    ]

    /// `run NAME --image` or `run -f FILE`, never both.
    static func imageRun(_ arguments: ParsedArguments) throws -> RunImage? {
        let words = arguments.strings("name")
        let file = !FilenameOptions(arguments).isEmpty
        guard let image = arguments.string("image") else {
            if file && words.isEmpty { return nil }
            if words.isEmpty { throw ValidationError("Missing expected argument '--filename <filename>' or 'NAME --image=IMAGE'") }
            throw CLIError("required flag(s) \"image\" not set")
        }
        if file { throw ValidationError("--filename and --image cannot be used together") }
        guard let name = words.first else { throw CLIError("NAME is required for run") }
        return RunImage(
            name: name, image: image, arguments: Array(words.dropFirst()) + arguments.strings("args"),
            command: arguments.flag("command"), stdin: arguments.flag("stdin"), tty: arguments.flag("tty"),
            remove: arguments.flag("rm"), restart: arguments.text("restart"), env: arguments.strings("env"),
            labels: arguments.string("labels"), namespace: NamespaceOptions(arguments).namespace)
    }
}
