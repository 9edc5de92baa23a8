import Glibc
import PeapodLinux
import PeapodSpec

struct ExecCommand {
    static let spec = CommandSpec(
        name: "exec", abstract: "Run a command in a running container; exits with its exit code.",
        parameters: ContainerSession.parameters + [
            .afterTerminator("command"),
        ],
        run: { try ExecCommand($0).run() })

    var session: ContainerSession
    var command: [String]

    init(_ arguments: ParsedArguments) {
        session = ContainerSession(arguments)
        command = arguments.strings("command")
    }

    func run() throws {
        try session.global.requireRoot()
        guard !command.isEmpty else { throw CLIError("you must specify at least one command for the container") }
        let view = try PodView.find(try session.target.name(), namespace: session.namespace.namespace, store: session.global.store)
        let containerName = try view.defaultContainer(session.container.container)
        // The command starts as the container's own process description, as its supervisor
        // published it: environment, working directory, user, capabilities, seccomp, cgroups.
        var (pid, process) = try view.runningProcess(containerName)
        if session.tty { process.environment.append("TERM=" + (ProcessInfoLite.environment["TERM"] ?? "xterm")) }
        // A container that can hold CAP_SYS_PTRACE could open this process's binary while it
        // enters (non-dumpable stops every other): enter from a sealed copy instead (sealed.c).
        let ptrace: UInt64 = 1 << 19
        if process.capabilities.bounding & ptrace != 0 && !SealedExecutable.isRunning {
            try SealedExecutable.reexec(arguments: CommandLine.arguments)
        }
        // Without -i the command reads the container's own /dev/null (-1), never a file of the host.
        let stdinFD: Int32 = session.stdin || session.tty ? 0 : -1
        let child = try execInContainer(
            pid: pid, argv: command, process: process, stdinFD: stdinFD, stdoutFD: 1, stderrFD: 2,
            containerName: containerName)
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        throw ExitCode(WaitStatus(raw: status).shellExitCode)
    }
}
