import Glibc
import PeapodLinux
import PeapodRuntime
import PeapodSpec

struct RunCommand {
    static let spec = CommandSpec(
        name: "run",
        abstract: "Run the pods of a manifest in the foreground, streaming their logs.",
        discussion: "Ctrl-C or SIGTERM deletes the pods gracefully. Exits 0 when every pod Succeeded, 1 when one Failed.",
        parameters: GlobalOptions.parameters + BackoffOptions.parameters + CgroupOptions.parameters + [
            .option("filename", short: "f", required: true, help: "The manifest file, or - for standard input."),
        ],
        run: { try RunCommand($0).run() })

    var global: GlobalOptions
    var backoff: BackoffOptions
    var cgroups: CgroupOptions
    var filename: String

    init(_ arguments: ParsedArguments) throws {
        global = GlobalOptions(arguments)
        backoff = try BackoffOptions(arguments)
        cgroups = try CgroupOptions(arguments)
        filename = arguments.string("filename") ?? "-"
    }

    func run() throws {
        try global.requireRoot()
        let loaded = try ManifestInput.load(filename)
        let store = global.store
        let creator = PodCreator(store: store, backoff: backoff.policy, cgroups: cgroups.settings)

        // Block the stop signals before any pod exists, so none is missed; they are read below.
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGINT)
        sigaddset(&stopSignals, SIGTERM)
        sigprocmask(SIG_BLOCK, &stopSignals, nil)

        var locations: [PodLocation] = []
        var specs: [String: Pod] = [:]   // by uid: read once, the status is what changes
        try store.withLock {
            for item in try creator.check(loaded.pods) {
                guard item.outcome == .create else {
                    throw CLIError("pod \"\(item.pod.name)\" already exists: delete it first, or use apply")
                }
            }
            do {
                for pod in loaded.pods {
                    let created = try creator.create(pod)
                    locations.append(created.location)
                    specs[created.location.uid] = created.pod
                }
            } catch {
                for location in locations { PodDeletion.forceRemove(location, view: PodView.load(location, store: store)) }
                throw error
            }
        }

        var streamer = LogStreamer(store: store, locations: locations)
        var phases: [String: String] = [:]
        var interrupted: Int32 = 0
        // The supervisor publishes status.json by rename: inotify wakes the loop at once, so a
        // phase change is seen in microseconds rather than at the next 50 ms tick (which was most
        // of `peapod run`'s wall time for a short pod; docs/benchmarks.md). Logs and signals are
        // still picked up at least every 50 ms.
        let statusWatch = StatusWatch(locations)
        defer { statusWatch.close() }
        while true {
            // Phases first, then the logs that came with them; a final phase is printed after the
            // last log lines, as the pod's end.
            var allDone = true
            var finals: [(String, String)] = []
            for location in locations {
                guard let pod = specs[location.uid] else { continue }
                let view = PodView.load(location, store: store, pod: pod)
                let phase = view.json()["status"]?["phase"]?.stringValue ?? "Pending"
                let final = phase == "Succeeded" || phase == "Failed" || phase == "Unknown"
                if !final { allDone = false }
                if phases[location.name] != phase {
                    phases[location.name] = phase
                    if final {
                        finals.append((location.name, phase))
                    } else {
                        Output.out("[pod/\(location.name)] phase: \(phase)\n")
                    }
                }
            }
            streamer.pump()
            for (name, phase) in finals { Output.out("[pod/\(name)] phase: \(phase)\n") }
            if allDone { break }
            statusWatch.wait(milliseconds: 50)
            var timeout = timespec(tv_sec: 0, tv_nsec: 0)
            var info = siginfo_t()
            let signal = sigtimedwait(&stopSignals, &info, &timeout)
            if signal > 0 {
                interrupted = signal
                Output.err("\(signal == SIGINT ? "interrupted" : "terminated"): deleting \(locations.map { "pod/" + $0.name }.joined(separator: ", "))\n")
                break
            }
        }
        for location in locations {
            try PodDeletion.delete(location, store: store, grace: nil, wait: true)
        }
        streamer.pump()
        if interrupted != 0 { throw ExitCode(128 + interrupted) }
        let failed = locations.filter { phases[$0.name] != "Succeeded" }
        throw ExitCode(failed.isEmpty ? 0 : 1)
    }
}

/// Wakes `peapod run` when a supervisor replaces a pod's status.json (IN_MOVED_TO on the pod
/// directory). Without inotify it degrades to the plain timeout.
struct StatusWatch {
    let fd: Int32

    init(_ locations: [PodLocation]) {
        fd = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard fd >= 0 else { return }
        for location in locations { _ = inotify_add_watch(fd, location.podDir, UInt32(IN_MOVED_TO)) }
    }

    /// Waits up to `milliseconds` for a status change (other renames in the pod directory, such
    /// as events.jsonl, are drained and waited past).
    func wait(milliseconds: Int32) {
        guard fd >= 0 else {
            usleep(UInt32(milliseconds) * 1000)
            return
        }
        let deadline = Clock.monotonic() + Int64(milliseconds) * 1_000_000
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let left = Int32(max(0, (deadline - Clock.monotonic()) / 1_000_000))
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard left > 0, poll(&pfd, 1, left) > 0 else { return }
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                guard n > 0 else { break }
                var offset = 0
                while offset + 16 <= n {
                    // struct inotify_event: wd, mask, cookie, len, then len bytes of name.
                    let length = buffer.withUnsafeBytes { Int($0.load(fromByteOffset: offset + 12, as: UInt32.self)) }
                    let name = buffer[(offset + 16)..<min(n, offset + 16 + length)].prefix { $0 != 0 }
                    if name.elementsEqual("status.json".utf8) { return }
                    offset += 16 + length
                }
            }
        }
    }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
    }
}

/// Follows the CRI log files of every container of some pods and prints new lines prefixed
/// with `[pod/container]`, moving on to the next file when a container restarts.
struct LogStreamer {
    struct Cursor {
        var restartCount: Int
        var offset: Int64
        var pending: [UInt8] = []
    }

    let store: PodStore
    let locations: [PodLocation]
    var cursors: [String: Cursor] = [:]
    var pods: [String: Pod] = [:]

    init(store: PodStore, locations: [PodLocation]) {
        self.store = store
        self.locations = locations
    }

    mutating func pump() {
        for location in locations {
            if pods[location.uid] == nil { pods[location.uid] = try? store.readPod(location) }
            guard let pod = pods[location.uid] else { continue }
            for container in pod.allContainers {
                let key = location.uid + "/" + container.name
                var cursor = cursors[key] ?? Cursor(restartCount: 0, offset: 0)
                while true {
                    readNew(location.logFile(container: container.name, restartCount: cursor.restartCount), &cursor,
                            prefix: "[pod/\(location.name)/\(container.name)] ")
                    let next = location.logFile(container: container.name, restartCount: cursor.restartCount + 1)
                    guard FileSystem.exists(next) else { break }
                    readNew(location.logFile(container: container.name, restartCount: cursor.restartCount), &cursor,
                            prefix: "[pod/\(location.name)/\(container.name)] ")
                    cursor = Cursor(restartCount: cursor.restartCount + 1, offset: 0)
                }
                cursors[key] = cursor
            }
        }
        fflush(nil)
    }

    func readNew(_ path: String, _ cursor: inout Cursor, prefix: String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { close(fd) }
        // An uninitialised stack buffer: zeroing a 64 KiB array on every call was most of the
        // cost of a pump (callgrind).
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16384) { buffer in
            while true {
                let n = pread(fd, buffer.baseAddress, buffer.count, off_t(cursor.offset))
                guard n > 0 else { break }
                cursor.offset += Int64(n)
                cursor.pending.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[0..<n]))
            }
        }
        while let newline = cursor.pending.firstIndex(of: 10) {
            let line = String(decoding: cursor.pending[..<newline], as: UTF8.self)
            cursor.pending.removeSubrange(...newline)
            if let record = CRILogRecord.parse(Array(line.utf8)) {
                Output.out(prefix + String(decoding: record.content, as: UTF8.self) + (record.partial ? "" : "\n"))
            }
        }
    }
}
