import Glibc
import PeapodLinux
import PeapodSpec

struct ExecCommand {
    static let spec = CommandSpec(
        name: "exec", abstract: "Run a command in a running container; exits with its exit code.",
        parameters: GlobalOptions.parameters + [
            .argument("pod", help: "NAME or pod/NAME"),
            .option("container", short: "c"),
            .option("namespace", short: "n", default: "default"),
            .flag("stdin", short: "i", help: "Pass stdin to the command."),
            .flag("tty", short: "t", help: "The command uses this terminal."),
            .afterTerminator("command"),
        ],
        run: { try ExecCommand($0).run() })

    var global: GlobalOptions
    var pod: String
    var container: String?
    var namespace: String
    var stdin: Bool
    var tty: Bool
    var command: [String]

    init(_ arguments: ParsedArguments) {
        global = GlobalOptions(arguments)
        pod = arguments.string("pod") ?? ""
        container = arguments.string("container")
        namespace = arguments.string("namespace") ?? "default"
        stdin = arguments.flag("stdin")
        tty = arguments.flag("tty")
        command = arguments.strings("command")
    }

    func run() throws {
        try global.requireRoot()
        guard !command.isEmpty else { throw CLIError("you must specify at least one command for the container") }
        let name = try ResourceArguments.podNames([pod], requireType: false).first ?? pod
        let view = try PodView.find(name, namespace: namespace, store: global.store)
        let containerName = try view.defaultContainer(container)
        guard view.supervisorAlive, let pid = view.containerPid(containerName), kill(pid, 0) == 0 else {
            throw CLIError("cannot exec into a container in a completed pod; current phase is \(view.status?["phase"]?.stringValue ?? "Unknown")")
        }
        // The command gets the container's own environment, as runc exec gives it.
        let environ = (try? FileSystem.readText("/proc/\(pid)/environ")) ?? ""
        let environment = environ.split(separator: "\0").map(String.init)
            + (tty ? ["TERM=" + (ProcessInfoLite.environment["TERM"] ?? "xterm")] : [])
        let stdinFD: Int32 = stdin || tty ? 0 : open("/dev/null", O_RDONLY | O_CLOEXEC)
        // The container's working directory, as runc exec starts the process there.
        let spec = view.pod.allContainers.first { $0.name == containerName }
        var workingDir = spec?.workingDir ?? ""
        // ... and as the container's user (the image's USER).
        var user = UserResolver.User(uid: 0, gid: 0, groups: [])
        if let image = try? ImageStore(root: global.store.root).lookup(reference: spec?.image ?? "") {
            if workingDir.isEmpty { workingDir = image.config.workingDir }
            user = try UserResolver.resolve(image.config.user, rootfs: image.rootfsPath)
        }
        // The command is limited and ranked for the OOM killer as the container is.
        var limits = PodCgroups.load(view.location)?.processLimits(container: containerName) ?? ProcessLimits()
        if let spec {
            limits.oomScoreAdj = OOMScore.forContainer(spec, of: view.pod, machineMemory: MachineResources.current().memoryBytes)
        }
        let child = try execInContainer(
            pid: pid, argv: command, environment: environment, workingDir: workingDir.isEmpty ? "/" : workingDir, uid: user.uid, gid: user.gid,
            supplementalGroups: user.groups, stdinFD: stdinFD, stdoutFD: 1, stderrFD: 2, limits: limits)
        if stdinFD != 0 { close(stdinFD) }
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        throw ExitCode(code)
    }
}
