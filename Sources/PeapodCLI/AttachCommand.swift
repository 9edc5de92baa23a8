// `peapod attach`: kubectl attach's checks and messages; the session is AttachClient's, on the
// pod's attach socket served by its supervisor.

import Glibc
import PeapodLinux
import PeapodRuntime
import PeapodSpec

struct AttachCommand {
    static let spec = CommandSpec(
        name: "attach", abstract: "Attach to a process that is already running inside an existing container.",
        discussion: "With -t the terminal is raw; ctrl-p ctrl-q detaches and leaves the container running.",
        parameters: ContainerSession.parameters + [
            .flag("quiet", short: "q", help: "Only print output from the remote session."),
        ],
        run: { try AttachCommand($0).run() })

    var session: ContainerSession
    var quiet: Bool

    init(_ arguments: ParsedArguments) {
        session = ContainerSession(arguments)
        quiet = arguments.flag("quiet")
    }

    func run() throws {
        let name = try session.target.name()
        try session.global.requireRoot()
        let view = try PodView.find(name, namespace: session.namespace.namespace, store: session.global.store)
        let phase = view.supervisorAlive ? (view.status?["phase"]?.stringValue ?? "Pending") : "Unknown"
        if phase == "Succeeded" || phase == "Failed" {
            throw CLIError("cannot attach a container in a completed pod; current phase is \(phase)")
        }
        let containerName = try view.defaultContainer(session.container.container)
        let end = try Self.session(view, container: containerName, stdin: session.stdin, tty: session.tty, quiet: quiet)
        if !quiet && end != .disconnected && session.stdin && session.tty && view.pod.spec.restartPolicy == "Always" {
            Output.out("Session ended, resume using 'peapod attach \(view.pod.name) -c \(containerName) -i -t' command when the pod is running\n")
        }
    }

    /// kubectl's TTY rules, then the session: -t on a container without a terminal is dropped
    /// with kubectl's error line; a container with one always gets a terminal session.
    static func session(_ view: PodView, container name: String, stdin: Bool, tty: Bool, quiet: Bool) throws -> AttachEnd {
        guard let spec = view.pod.allContainers.first(where: { $0.name == name }) else {
            throw CLIError("container \(name) is not valid for pod \(view.pod.name)")
        }
        var tty = tty
        if tty && !spec.tty {
            tty = false
            if !quiet { Output.err("error: Unable to use a TTY - container \(name) did not allocate one\n") }
        } else if !tty && spec.tty {
            tty = true
        }
        if stdin && !spec.stdin && !quiet {
            Output.err("Unable to attach stdin - container \(name) does not have stdin: true; showing its output only\n")
        }
        // kubectl's SetupTTY: without -i there is no terminal to make raw.
        let raw = tty && stdin
        if raw && !AttachClient.isTerminal(0) && !quiet {
            Output.err("Unable to use a TTY - input is not a terminal or the right kind of file\n")
        }
        do {
            return try AttachClient.run(socket: view.location.attachSocket, AttachOptions(container: name, stdin: stdin, tty: raw)) { _ in
                if !quiet { Output.err("If you don't see a command prompt, try pressing enter.\n") }
            }
        } catch {
            throw CLIError("\(error)")
        }
    }
}
