// `peapod logs`: kubectl logs for one pod (`logs NAME [-c C]`) or the pods of a selector
// (`logs -l SEL`), one container or all of them, with kubectl's `--prefix`, `--since`,
// `--since-time`, `--tail` and `-f`. Following several streams runs one thread per stream, each
// writing whole lines, so lines of different pods interleave as they come.

import Glibc
import PeapodLinux
import PeapodRuntime
import PeapodSpec

struct LogsCommand {
    static let spec = CommandSpec(
        name: "logs", abstract: "Print a container's logs, as kubectl logs.",
        parameters: GlobalOptions.parameters + [
            .arguments("pod", required: false, help: "NAME or pod/NAME (or -l SELECTOR), then optionally the container"),
        ] + ContainerOption.parameters + NamespaceOptions.parameters + [SelectorOptions.labelSelector] + [
            .flag("all-containers", help: "Every container of the pods."),
            .flag("prefix", help: "Prefix each line with [pod/NAME/CONTAINER]."),
            .flag("follow", short: "f", help: "Follow the log."),
            .flag("previous", short: "p", help: "The previous instance's log."),
            .flag("timestamps"),
            .option("tail", default: "-1", help: "Lines from the end; -1 for all (10 with a selector)."),
            .option("since", help: "Only lines newer than this duration, e.g. 5s, 2m, 3h."),
            .option("since-time", help: "Only lines after this RFC3339 time."),
            .option("max-log-requests", default: "5", help: "With a selector: the most streams to follow at once."),
        ],
        run: { try LogsCommand($0).run() })

    var global: GlobalOptions
    var pods: [String]
    var container: ContainerOption
    var namespace: NamespaceOptions
    var selector: String?
    var allContainers: Bool
    var prefix: Bool
    var follow: Bool
    var previous: Bool
    var timestamps: Bool
    var tail: Int
    var since: String?
    var sinceTime: String?
    var maxLogRequests: Int

    init(_ arguments: ParsedArguments) throws {
        global = GlobalOptions(arguments)
        pods = arguments.strings("pod")
        container = ContainerOption(arguments)
        namespace = NamespaceOptions(arguments)
        selector = arguments.string("selector")
        allContainers = arguments.flag("all-containers")
        prefix = arguments.flag("prefix")
        follow = arguments.flag("follow")
        previous = arguments.flag("previous")
        timestamps = arguments.flag("timestamps")
        tail = try arguments.number("tail")
        // kubectl: 10 lines per container with a selector, unless --tail says otherwise.
        if selector != nil && arguments.given("tail") == nil { tail = 10 }
        since = arguments.string("since")
        sinceTime = arguments.string("since-time")
        maxLogRequests = try arguments.number("max-log-requests")
    }

    static let usageText = "expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command"

    /// Only lines at or after this time (--since, --since-time).
    func cutoff(now: Timestamp) throws -> Timestamp? {
        if since != nil && sinceTime != nil { throw CLIError("at most one of `sinceTime` or `sinceSeconds` may be specified") }
        if let since {
            guard let seconds = GoDuration.seconds(since) else {
                throw CLIError("invalid argument \"\(since)\" for \"--since\" flag: time: invalid duration \"\(since)\"")
            }
            return Timestamp(nanos: now.nanos - Int64(seconds * 1e9))
        }
        if let sinceTime {
            guard let time = Timestamp(rfc3339: sinceTime) else {
                throw CLIError("parsing time \"\(sinceTime)\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"\(sinceTime)\" as RFC3339")
            }
            return time
        }
        return nil
    }

    /// One container's log, from one instance on.
    struct Stream {
        var location: PodLocation
        var pod: String
        var container: String
        var restartCount: Int
        var path: String
        var prefix: [UInt8]
    }

    func run() throws {
        try global.requireStore()
        let store = global.store
        var containerName = container.container
        var views: [PodView] = []
        switch pods.count {
        case 0:
            guard let selector else { throw CLIError(Self.usageText) }
            let labels = try LabelSelector(parsing: selector)
            views = store.list(namespace: namespace.namespace).compactMap { PodView.load($0, store: store) }
                .filter { labels.matches($0.pod.metadata.labels) }
            if views.isEmpty {
                Output.err(namespace.noResources)
                return
            }
        case 1, 2:
            guard selector == nil else { throw CLIError("only a selector (-l) or a POD name is allowed") }
            if pods.count == 2 { containerName = pods[1] }
            let name = try ResourceArguments.podNames([pods[0]], requireType: false).first ?? pods[0]
            views = [try PodView.find(name, namespace: namespace.namespace, store: store)]
        default:
            throw CLIError(Self.usageText)
        }
        let cutoff = try cutoff(now: Clock.now())

        var streams: [Stream] = []
        for view in views {
            let names = allContainers ? view.pod.allContainers.map(\.name) : [try view.defaultContainer(containerName)]
            for name in names { streams.append(try stream(view, container: name, skipWaiting: allContainers)) }
        }
        if follow && streams.count > maxLogRequests {
            throw CLIError("you are attempting to follow \(streams.count) log streams, but maximum allowed concurrency is \(maxLogRequests), use --max-log-requests to increase the limit")
        }

        var ends: [(offset: Int64, file: CRILogFileID?)] = []
        for stream in streams {
            let chunk = try read(stream, cutoff: cutoff)
            for line in chunk?.lines ?? [] { write(line, stream) }
            ends.append((chunk?.endOffset ?? 0, chunk?.endFile))
        }
        guard follow else { return }
        unblockStopSignals()
        if streams.count == 1 {
            followStream(streams[0], from: ends[0], cutoff: cutoff)
            return
        }
        var threads: [pthread_t] = []
        for (stream, end) in zip(streams, ends) {
            let task = FollowTask { self.followStream(stream, from: end, cutoff: cutoff) }
            var thread = pthread_t()
            let started = pthread_create(&thread, nil, { argument in
                Unmanaged<FollowTask>.fromOpaque(argument!).takeRetainedValue().body()
                return nil
            }, Unmanaged.passRetained(task).toOpaque())
            if started == 0 { threads.append(thread) } else { task.body() }
        }
        for thread in threads { pthread_join(thread, nil) }
    }

    /// The stream of one container: the current instance (or the previous with -p).
    func stream(_ view: PodView, container name: String, skipWaiting: Bool) throws -> Stream {
        let statuses = (view.status?["initContainerStatuses"]?.arrayValue ?? []) + (view.status?["containerStatuses"]?.arrayValue ?? [])
        let status = statuses.first { $0["name"]?.stringValue == name }
        let started = status?["containerID"] != nil || status?["lastState"]?["terminated"] != nil
        var restartCount = Int(status?["restartCount"]?.intValue ?? 0)
        let podName = view.pod.name
        if previous {
            guard restartCount > 0 else {
                throw CLIError("previous terminated container \"\(name)\" in pod \"\(podName)\" not found")
            }
            restartCount -= 1
        }
        let path = view.location.logFile(container: name, restartCount: restartCount)
        if !started && !FileSystem.exists(path) && !(skipWaiting && follow) {
            let reason = status?["state"]?["waiting"]?["reason"]?.stringValue ?? "ContainerCreating"
            throw CLIError("container \"\(name)\" in pod \"\(podName)\" is waiting to start: \(reason)", code: 1)
        }
        return Stream(location: view.location, pod: podName, container: name, restartCount: restartCount, path: path,
                      prefix: prefix ? Array("[pod/\(podName)/\(name)] ".utf8) : [])
    }

    func read(_ stream: Stream, cutoff: Timestamp?) throws -> CRILogChunk? {
        guard FileSystem.exists(stream.path) else { return nil }
        let reader = CRILogReader(path: stream.path)
        guard let cutoff else { return tail >= 0 ? try reader.tail(tail) : try reader.read() }
        // --since first, then --tail of what is left, as the kubelet's reader does.
        var chunk = try reader.read()
        chunk.lines = chunk.lines.filter { Self.isAfter($0, cutoff) }
        if tail >= 0 { chunk.lines = Array(chunk.lines.suffix(tail)) }
        return chunk
    }

    static func isAfter(_ line: CRILogLine, _ cutoff: Timestamp) -> Bool {
        guard let time = Timestamp(rfc3339: line.timestamp) else { return true }
        return !(time < cutoff)
    }

    /// Follows one stream until its container has finished (as kubectl's stream ends with it) or
    /// the pod is gone.
    func followStream(_ stream: Stream, from end: (offset: Int64, file: CRILogFileID?), cutoff: Timestamp?) {
        let store = global.store
        CRILogReader.follow(path: stream.path, from: end.offset, file: end.file, until: {
            guard let current = PodView.load(stream.location, store: store) else { return true }
            if !current.supervisorAlive { return true }
            let s = ((current.status?["initContainerStatuses"]?.arrayValue ?? []) + (current.status?["containerStatuses"]?.arrayValue ?? []))
                .first { $0["name"]?.stringValue == stream.container }
            return s?["state"]?["terminated"] != nil || Int(s?["restartCount"]?.intValue ?? 0) != stream.restartCount
        }, emit: { line in
            if let cutoff, !Self.isAfter(line, cutoff) { return }
            write(line, stream)
        })
    }

    /// One line, with its prefix, in one write: lines of several threads never mix.
    func write(_ line: CRILogLine, _ stream: Stream) {
        Output.out(bytes: stream.prefix + line.formatted(timestamps: timestamps))
    }
}

/// A thread's work, handed over through pthread_create's pointer.
final class FollowTask: @unchecked Sendable {
    let body: () -> Void

    init(_ body: @escaping () -> Void) {
        self.body = body
    }
}
