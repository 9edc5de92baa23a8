import ArgumentParser
import Glibc
import PeapodLinux
import PeapodSpec

struct LogsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logs", abstract: "Print a container's logs, as kubectl logs.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "NAME or pod/NAME") var pod: String
    @Option(name: .shortAndLong) var container: String?
    @Option(name: .shortAndLong) var namespace: String = "default"
    @Flag(name: .shortAndLong, help: "Follow the log.") var follow = false
    @Flag(name: .shortAndLong, help: "The previous instance's log.") var previous = false
    @Flag var timestamps = false
    @Option(help: "Lines from the end; -1 for all.") var tail: Int = -1

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
            CRILogReader.follow(path: path, from: chunk?.endOffset ?? 0, until: {
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
