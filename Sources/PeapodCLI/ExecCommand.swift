import Glibc
import PeapodLinux
import PeapodSpec

struct ExecCommand {
    static let spec = CommandSpec(
        name: "exec", abstract: "Run a command in a running container; exits with its exit code.",
        parameters: GlobalOptions.parameters + PodTarget.parameters + ContainerOption.parameters + NamespaceOptions.parameters + [
            .flag("stdin", short: "i", help: "Pass stdin to the command."),
            .flag("tty", short: "t", help: "The command uses this terminal."),
            .afterTerminator("command"),
        ],
        run: { try ExecCommand($0).run() })

    var global: GlobalOptions
    var target: PodTarget
    var container: ContainerOption
    var namespace: NamespaceOptions
    var stdin: Bool
    var tty: Bool
    var command: [String]

    init(_ arguments: ParsedArguments) {
        global = GlobalOptions(arguments)
        target = PodTarget(arguments)
        container = ContainerOption(arguments)
        namespace = NamespaceOptions(arguments)
        stdin = arguments.flag("stdin")
        tty = arguments.flag("tty")
        command = arguments.strings("command")
    }

    func run() throws {
        try global.requireRoot()
        guard !command.isEmpty else { throw CLIError("you must specify at least one command for the container") }
        let view = try PodView.find(try target.name(), namespace: namespace.namespace, store: global.store)
        let containerName = try view.defaultContainer(container.container)
        guard view.supervisorAlive, let pid = view.containerPid(containerName), kill(pid, 0) == 0 else {
            throw CLIError("cannot exec into a container in a completed pod; current phase is \(view.status?["phase"]?.stringValue ?? "Unknown")")
        }
        // The command starts as the container's own process description, as its supervisor
        // published it: environment, working directory, user, capabilities, seccomp, cgroups.
        var process: ProcessSpec
        do {
            process = try PublishedProcess.read(container: containerName, directory: view.location.processDir)
        } catch {
            throw CLIError("container \(containerName): \(error)")
        }
        if tty { process.environment.append("TERM=" + (ProcessInfoLite.environment["TERM"] ?? "xterm")) }
        // A container that can hold CAP_SYS_PTRACE could open this process's binary while it
        // enters (non-dumpable stops every other): enter from a sealed copy instead (sealed.c).
        let ptrace: UInt64 = 1 << 19
        if process.capabilities.bounding & ptrace != 0 && !SealedExecutable.isRunning {
            try SealedExecutable.reexec(arguments: CommandLine.arguments)
        }
        // Without -i the command reads the container's own /dev/null (-1), never a file of the host.
        let stdinFD: Int32 = stdin || tty ? 0 : -1
        let child = try execInContainer(
            pid: pid, argv: command, process: process, stdinFD: stdinFD, stdoutFD: 1, stderrFD: 2,
            containerName: containerName)
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        throw ExitCode(WaitStatus(raw: status).shellExitCode)
    }
}
