import ArgumentParser
import Glibc
import PeapodLinux
import PeapodSpec

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the pods of a manifest in the foreground, streaming their logs.",
        discussion: "Ctrl-C or SIGTERM deletes the pods gracefully. Exits 0 when every pod Succeeded, 1 when one Failed.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var backoff: BackoffOptions
    @OptionGroup var cgroups: CgroupOptions

    @Option(name: .shortAndLong, help: "The manifest file, or - for standard input.")
    var filename: String

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
        try store.withLock {
            for item in try creator.check(loaded.pods) {
                guard item.outcome == .create else {
                    throw CLIError("pod \"\(item.pod.name)\" already exists: delete it first, or use apply")
                }
            }
            do {
                for pod in loaded.pods { locations.append(try creator.create(pod)) }
            } catch {
                for location in locations { PodDeletion.forceRemove(location, view: PodView.load(location, store: store)) }
                throw error
            }
        }

        var streamer = LogStreamer(store: store, locations: locations)
        var phases: [String: String] = [:]
        var interrupted: Int32 = 0
        while true {
            // Phases first, then the logs that came with them; a final phase is printed after the
            // last log lines, as the pod's end.
            var allDone = true
            var finals: [(String, String)] = []
            for location in locations {
                guard let view = PodView.load(location, store: store) else { continue }
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
            var timeout = timespec(tv_sec: 0, tv_nsec: 20_000_000)
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
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = pread(fd, &buffer, buffer.count, off_t(cursor.offset))
            guard n > 0 else { break }
            cursor.offset += Int64(n)
            cursor.pending.append(contentsOf: buffer[0..<n])
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
