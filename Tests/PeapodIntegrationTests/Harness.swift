// Runs the real `peapod` binary as root against a private state root, run root and image store,
// and checks afterwards that nothing of the test's pods is left on the host.

import Foundation
import Testing

enum Environment {
    static let isRoot = getuid() == 0
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static var binary: String {
        ProcessInfo.processInfo.environment["PEAPOD_BIN"] ?? packageRoot + "/.build/debug/peapod"
    }

    static var rootfs: String {
        ProcessInfo.processInfo.environment["PEAPOD_TEST_ROOTFS"] ?? packageRoot + "/rootfs/build/busybox"
    }

    static let skipNote = "needs root: integration tests run real pods"
}

struct CommandResult {
    var code: Int32
    var stdout: String
    var stderr: String

    var output: String { stdout + stderr }
}

final class Peapod {
    let base: String
    var root: String { base + "/root" }
    var runRoot: String { base + "/run" }

    init() throws {
        guard FileManager.default.isExecutableFile(atPath: Environment.binary) else {
            throw HarnessError("no peapod binary at \(Environment.binary): run `swift build` first")
        }
        guard FileManager.default.fileExists(atPath: Environment.rootfs + "/bin/busybox") else {
            throw HarnessError("no busybox root filesystem at \(Environment.rootfs): run tools/build-rootfs.sh")
        }
        var template = Array("/tmp/peapod-it-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else { throw HarnessError("mkdtemp failed") }
        base = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let imported = try run(["image", "import", "busybox", Environment.rootfs,
                                "--change", "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                "--change", "CMD [\"sh\"]"])
        guard imported.code == 0 else { throw HarnessError("image import failed: \(imported.output)") }
    }

    /// Runs peapod with this harness's roots; `timeout` interrupts a hung command. Output goes
    /// through files, so a command that leaves children holding a pipe cannot hang the test.
    @discardableResult
    func run(_ arguments: [String], stdin: String? = nil, timeout: Double = 60) throws -> CommandResult {
        let process = command(arguments)
        let id = UUID().uuidString
        let outPath = base + "/out-" + id
        let errPath = base + "/err-" + id
        let inPath = base + "/in-" + id
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        _ = FileManager.default.createFile(atPath: inPath, contents: (stdin ?? "").data(using: .utf8))
        defer {
            for path in [outPath, errPath, inPath] { try? FileManager.default.removeItem(atPath: path) }
        }
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        let input = try FileHandle(forReadingFrom: URL(fileURLWithPath: inPath))
        process.standardOutput = out
        process.standardError = err
        process.standardInput = stdin == nil ? FileHandle.nullDevice : input
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(5_000) }
        if process.isRunning {
            process.interrupt()
            let grace = Date().addingTimeInterval(10)
            while process.isRunning && Date() < grace { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        try? out.close()
        try? err.close()
        try? input.close()
        let stdout = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return CommandResult(code: process.terminationStatus, stdout: stdout, stderr: stderr)
    }

    /// peapod with `arguments` and this harness's roots, not started yet.
    func command(_ arguments: [String]) -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Environment.binary)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PEAPOD_ROOT"] = root
        environment["PEAPOD_RUN_ROOT"] = runRoot
        process.environment = environment
        return process
    }

    /// Starts peapod with this harness's roots and returns at once (for commands a test acts on
    /// while they run); stdout goes to `output`, stderr to `errors` (nil: /dev/null).
    func start(_ arguments: [String], output: Pipe, errors: Pipe? = nil) throws -> Process {
        let process = command(arguments)
        process.standardOutput = output
        process.standardError = errors ?? FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    func apply(_ manifest: String, extra: [String] = []) throws -> CommandResult {
        defer { noteUIDs() }
        return try run(["apply", "-f", "-", "--backoff-base", "0.2", "--backoff-cap", "1"] + extra, stdin: manifest)
    }

    /// Polls `get pod NAME -o json` until `predicate` holds for it.
    func waitFor(_ name: String, timeout: Double = 20, _ predicate: ([String: Any]) -> Bool) throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeout)
        var last: [String: Any] = [:]
        while Date() < deadline {
            let result = try run(["get", "pod", name, "-o", "json"])
            if result.code == 0, let data = result.stdout.data(using: .utf8),
               let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
                last = object
                if predicate(object) { return object }
            }
            usleep(50_000)
        }
        throw HarnessError("pod \(name) did not reach the expected state in \(timeout)s; last status: \(last["status"] ?? "none")")
    }

    func waitForPhase(_ name: String, _ phases: Set<String>, timeout: Double = 20) throws -> [String: Any] {
        try waitFor(name, timeout: timeout) { pod in
            guard let status = pod["status"] as? [String: Any], let phase = status["phase"] as? String else { return false }
            return phases.contains(phase)
        }
    }

    /// Waits until every app container of the pod is running.
    func waitRunning(_ name: String, timeout: Double = 20) throws -> [String: Any] {
        try waitFor(name, timeout: timeout) { pod in
            let statuses = (pod["status"] as? [String: Any])?["containerStatuses"] as? [[String: Any]] ?? []
            return !statuses.isEmpty && statuses.allSatisfy { (($0["state"] as? [String: Any])?["running"]) != nil }
        }
    }

    func exec(_ pod: String, container: String? = nil, _ command: [String]) throws -> CommandResult {
        try run(["exec", pod] + (container.map { ["-c", $0] } ?? []) + ["--"] + command)
    }

    /// What of this harness's pods is still on the host.
    /// The uids of every pod this harness has seen, to look for their cgroups after deletion.
    var knownUIDs: Set<String> = []

    func noteUIDs() {
        for dir in (try? FileManager.default.contentsOfDirectory(atPath: root + "/pods")) ?? [] {
            let parts = dir.split(separator: "_")
            if parts.count == 3 { knownUIDs.insert(String(parts[2])) }
        }
    }

    func leftovers() -> [String] {
        noteUIDs()
        var found: [String] = []
        // A deleted pod's files go to <root>/trash, which a background purger empties: give it
        // a moment, then whatever is still there counts.
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline && (!trashEntries().isEmpty || !processes().isEmpty) { usleep(5_000) }
        found += trashEntries().map { "trash: \(root)/trash/\($0)" }
        found += cgroupLeftovers()
        let mountinfo = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        for line in mountinfo.split(separator: "\n") where line.contains(base) {
            found.append("mount: \(line)")
        }
        for dir in ["/pods", "/logs"] {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: root + dir)) ?? []
            found += entries.map { "directory: \(root + dir)/\($0)" }
        }
        let runEntries = (try? FileManager.default.contentsOfDirectory(atPath: runRoot + "/pods")) ?? []
        found += runEntries.map { "run directory: \(runRoot)/pods/\($0)" }
        // Leases of user namespace ranges (hostUsers: false) go with their pods.
        let leases = (try? FileManager.default.contentsOfDirectory(atPath: root + "/userns")) ?? []
        found += leases.map { "user namespace lease: \(root)/userns/\($0)" }
        found += processes().map { "process: \($0)" }
        return found
    }

    func trashEntries() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root + "/trash")) ?? []).filter { $0 != ".lock" }
    }

    /// Processes whose command line names this harness's root (supervisors, and the purgers
    /// they fork, which keep their command line).
    func processes() -> [String] {
        var found: [String] = []
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where Int(entry) != nil {
            guard let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { continue }
            let cmdline = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\0", with: " ")
            if cmdline.contains(base) && !cmdline.contains(" image ") { found.append("\(entry) \(cmdline)") }
        }
        return found
    }

    /// cgroups named after this harness's pods (peapod-<uid>) in any hierarchy.
    func cgroupLeftovers() -> [String] {
        guard !knownUIDs.isEmpty else { return [] }
        var found: [String] = []
        var stack = [("/sys/fs/cgroup", 0)]
        while let (dir, depth) = stack.popLast() {
            for entry in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
                let path = dir + "/" + entry
                var isDir: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue else { continue }
                if entry.hasPrefix("peapod-"), knownUIDs.contains(String(entry.dropFirst("peapod-".count))) {
                    found.append("cgroup: \(path)")
                } else if depth < 4 && !entry.hasPrefix("peapod-") {
                    stack.append((path, depth + 1))
                }
            }
        }
        return found
    }

    /// Deletes every pod at once and removes the roots; run even when a test failed.
    func tearDown() {
        noteUIDs()
        let listed = (try? run(["get", "pods", "-A", "-o", "name"]))?.stdout ?? ""
        for line in listed.split(separator: "\n") {
            _ = try? run(["delete", String(line), "--grace-period=0", "--force"])
        }
        let pods = (try? FileManager.default.contentsOfDirectory(atPath: root + "/pods")) ?? []
        for dir in pods {
            let parts = dir.split(separator: "_")
            if parts.count == 3 {
                _ = try? run(["delete", "pod", String(parts[1]), "-n", String(parts[0]), "--grace-period=0", "--force"])
            }
        }
        if leftovers().filter({ $0.hasPrefix("mount") }).isEmpty {
            try? FileManager.default.removeItem(atPath: base)
        }
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Reads a nested value: `value(pod, "status", "phase")`.
func value(_ object: Any?, _ path: Any...) -> Any? {
    var current = object
    for key in path {
        if let k = key as? String { current = (current as? [String: Any])?[k] }
        if let i = key as? Int {
            guard let array = current as? [Any], i < array.count else { return nil }
            current = array[i]
        }
    }
    return current
}

/// Runs `body` with a fresh harness, then deletes everything and checks that nothing of its pods
/// is left, whether the body passed or failed.
func withPeapod(_ body: (Peapod) throws -> Void) throws {
    let peapod = try Peapod()
    var bodyError: Error?
    do { try body(peapod) } catch { bodyError = error }
    peapod.tearDown()
    let left = peapod.leftovers()
    #expect(left.isEmpty, "left behind: \(left)")
    if let bodyError { throw bodyError }
}

extension Peapod {
    /// A directory `name` under this test's base holding one file `owned-by-root` with `content`,
    /// both owned by the host's root (0755 and 0644): what a pod must not be able to change.
    func hostRootFile(_ name: String, content: String) throws -> (dir: String, file: String) {
        let dir = base + "/" + name
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let file = dir + "/owned-by-root"
        try content.write(toFile: file, atomically: true, encoding: .utf8)
        guard chown(file, 0, 0) == 0, chmod(file, 0o644) == 0, chown(dir, 0, 0) == 0, chmod(dir, 0o755) == 0 else {
            throw HarnessError("cannot give \(dir) to the host's root")
        }
        return (dir, file)
    }
}
