import Glibc
import PeapodLinux
import PeapodSpec

struct LogsCommand {
    static let spec = CommandSpec(
        name: "logs", abstract: "Print a container's logs, as kubectl logs.",
        parameters: GlobalOptions.parameters + [
            .argument("pod", help: "NAME or pod/NAME"),
            .option("container", short: "c"),
            .option("namespace", short: "n", default: "default"),
            .flag("follow", short: "f", help: "Follow the log."),
            .flag("previous", short: "p", help: "The previous instance's log."),
            .flag("timestamps"),
            .option("tail", default: "-1", help: "Lines from the end; -1 for all."),
        ],
        run: { try LogsCommand($0).run() })

    var global: GlobalOptions
    var pod: String
    var container: String?
    var namespace: String
    var follow: Bool
    var previous: Bool
    var timestamps: Bool
    var tail: Int

    init(_ arguments: ParsedArguments) throws {
        global = GlobalOptions(arguments)
        pod = arguments.string("pod") ?? ""
        container = arguments.string("container")
        namespace = arguments.string("namespace") ?? "default"
        follow = arguments.flag("follow")
        previous = arguments.flag("previous")
        timestamps = arguments.flag("timestamps")
        tail = try arguments.value("tail") ?? -1
    }

    func run() throws {
        try global.requireRoot()
        let name = try ResourceArguments.podNames([pod], requireType: false).first ?? pod
        let view = try PodView.find(name, namespace: namespace, store: global.store)
        let containerName = try view.defaultContainer(container)
        let statuses = (view.status?["initContainerStatuses"]?.arrayValue ?? []) + (view.status?["containerStatuses"]?.arrayValue ?? [])
        let status = statuses.first { $0["name"]?.stringValue == containerName }
        let started = status?["containerID"] != nil || status?["lastState"]?["terminated"] != nil
        var restartCount = Int(status?["restartCount"]?.intValue ?? 0)
        if previous {
            guard restartCount > 0 else {
                throw CLIError("previous terminated container \"\(containerName)\" in pod \"\(name)\" not found")
            }
            restartCount -= 1
        }
        let path = view.location.logFile(container: containerName, restartCount: restartCount)
        guard started || FileSystem.exists(path) else {
            let reason = status?["state"]?["waiting"]?["reason"]?.stringValue ?? "ContainerCreating"
            throw CLIError("container \"\(containerName)\" in pod \"\(name)\" is waiting to start: \(reason)", code: 1)
        }
        let reader = CRILogReader(path: path)
        let chunk = FileSystem.exists(path) ? (tail >= 0 ? try reader.tail(tail) : try reader.read()) : nil
        for line in chunk?.lines ?? [] { write(line) }
        if follow {
            let store = global.store
            let location = view.location
            CRILogReader.follow(path: path, from: chunk?.endOffset ?? 0, file: chunk?.endFile, until: {
                // Stop once the container has finished and will not restart, or the pod is gone.
                guard let current = PodView.load(location, store: store) else { return true }
                if !current.supervisorAlive { return true }
                let s = ((current.status?["initContainerStatuses"]?.arrayValue ?? []) + (current.status?["containerStatuses"]?.arrayValue ?? []))
                    .first { $0["name"]?.stringValue == containerName }
                return s?["state"]?["terminated"] != nil || Int(s?["restartCount"]?.intValue ?? 0) != restartCount
            }, emit: { write($0) })
        }
    }

    func write(_ line: CRILogLine) {
        let bytes = line.formatted(timestamps: timestamps)
        Output.writeAll(1, bytes)
        fflush(nil)
    }
}
