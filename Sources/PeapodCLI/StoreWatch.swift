// What `get -w` and `events -w` wait on: inotify on the store's pods directory (pods created and
// deleted), on each pod's directory (status.json and pod.json replaced by rename, events.jsonl
// appended) and on its run directory (the delete request). Nothing is polled: the command sleeps
// in poll(2) until the supervisor or another command changes a file.

import Glibc
import PeapodLinux
import PeapodManifest
import PeapodSpec

enum StoreWatch {
    /// `--request-timeout`: "0" for none, else a Go duration; nanoseconds.
    static func timeout(_ text: String) throws -> Int64? {
        guard let seconds = GoDuration.seconds(text) else {
            throw CLIError("invalid argument \"\(text)\" for \"--request-timeout\" flag: time: invalid duration \"\(text)\"")
        }
        return seconds > 0 ? Int64(seconds * 1e9) : nil
    }

    /// Calls `changed` after every batch of changes until `timeout` (nanoseconds) has passed,
    /// or for ever. `changed` is called once first, for what changed while the watches were set.
    static func run(store: PodStore, timeout: Int64?, _ changed: () throws -> Void) throws {
        unblockStopSignals()
        try store.prepareDirectories()
        let fd = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard fd >= 0 else { throw CLIError("inotify_init1: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let directoryEvents = UInt32(IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ONLYDIR)
        guard inotify_add_watch(fd, store.podsDir, directoryEvents) >= 0 else {
            throw CLIError("watch \(store.podsDir): \(String(cString: strerror(errno)))")
        }
        var watched: [String] = []
        func watchNewPods() {
            for location in store.list() where !watched.contains(location.uid) {
                watched.append(location.uid)
                _ = inotify_add_watch(fd, location.podDir, UInt32(IN_MOVED_TO | IN_CLOSE_WRITE | IN_MODIFY | IN_ONLYDIR))
                _ = inotify_add_watch(fd, location.runDir, UInt32(IN_MOVED_TO | IN_CREATE | IN_ONLYDIR))
            }
        }
        watchNewPods()
        try changed()
        let deadline = timeout.map { Clock.monotonic() + $0 }
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            var millis: Int32 = -1
            if let deadline {
                let left = deadline - Clock.monotonic()
                if left <= 0 { return }
                millis = Int32(min(left / 1_000_000 + 1, 3_600_000))
            }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, millis)
            if ready < 0 && errno != EINTR { throw CLIError("poll: \(String(cString: strerror(errno)))") }
            guard ready > 0 else { continue }
            while buffer.withUnsafeMutableBytes({ read(fd, $0.baseAddress, $0.count) }) > 0 {}
            watchNewPods()
            try changed()
        }
    }
}

/// A command that runs until it is stopped (`get -w`, `logs -f`) must stop at SIGINT, SIGTERM
/// and SIGHUP even when its parent left them blocked (as a test runner's Process does).
func unblockStopSignals() {
    var set = sigset_t()
    sigemptyset(&set)
    for signal in [SIGINT, SIGTERM, SIGHUP, SIGPIPE] { sigaddset(&set, signal) }
    sigprocmask(SIG_UNBLOCK, &set, nil)
}

/// Objects as `-o json` and `-o yaml` print them.
enum ObjectPrinter {
    /// One object as itself; several (or a listing) as a v1 List.
    static func printList(_ objects: [JSONValue], single: Bool, format: OutputFormat) {
        let value: JSONValue = single && objects.count == 1 ? objects[0] : list(objects)
        printObject(value, format: format)
    }

    static func list(_ objects: [JSONValue]) -> JSONValue {
        .object(JSONObject([
            ("apiVersion", .string("v1")), ("items", .array(objects)), ("kind", .string("List")),
            ("metadata", .object(JSONObject([("resourceVersion", .string(""))]))),
        ]))
    }

    static func printObject(_ value: JSONValue, format: OutputFormat) {
        if format == .yaml {
            Output.out(value.yamlText())
        } else {
            Output.out(value.serialized(pretty: true) + "\n")
        }
    }
}
