// Creating pods: every check of `apply` runs before anything is created (so `--dry-run=client`
// runs the same checks), then each pod gets its store entry and a detached supervisor that
// reports back once the sandbox exists. A failure at any step removes what was made.

import Glibc
import PeapodLinux
import PeapodRuntime
import PeapodManifest
import PeapodSpec

enum ManifestInput {
    static func read(_ file: String) throws -> String {
        if file == "-" {
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = Glibc.read(0, &buffer, buffer.count)
                if n <= 0 { break }
                bytes.append(contentsOf: buffer[0..<n])
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        guard FileSystem.exists(file) else { throw CLIError("the path \"\(file)\" does not exist") }
        return try FileSystem.readText(file)
    }

    static func load(_ file: String) throws -> LoadedManifest {
        let text = try read(file)
        do {
            let loaded = try Manifest.load(text)
            for warning in loaded.warnings { Output.err("Warning: \(warning)\n") }
            return loaded
        } catch {
            throw CLIError("\(error)")
        }
    }
}

struct PlannedCreation {
    enum Outcome { case create, unchanged }
    var pod: Pod
    var outcome: Outcome
}

/// Where pods' cgroups go (`--cgroup-parent`, `--pod-pids-limit`).
struct PodCgroupSettings {
    var parent: String?
    var pidsLimit: Int64?
}

struct PodCreator {
    let store: PodStore
    let backoff: BackoffPolicy
    var cgroups = PodCgroupSettings()
    /// --allowed-unsafe-sysctls.
    var allowedUnsafeSysctls: [String] = []
    /// Log rotation and the storage measuring interval, passed on to each supervisor.
    var limits: LimitOptions?
    /// --network and --pod-cidr.
    var network: NetworkOptions?

    /// This host's cgroup layout, read once per command (check and create both need it).
    let layout = Result { () throws(CgroupError) -> CgroupLayout in try CgroupLayout.current() }

    /// The cgroup placement of a new pod; checked before anything is created.
    func cgroupPlan(podUID: String) throws -> PodCgroupPlan {
        do {
            return try PodCgroupPlan.make(layout: layout.get(), parent: cgroups.parent, podUID: podUID,
                                          pidsLimit: cgroups.pidsLimit)
        } catch {
            throw CLIError("\(error)")
        }
    }

    var images: ImageStore { ImageStore(root: store.root) }

    /// Every check of a real apply; creates nothing.
    func check(_ pods: [Pod]) throws -> [PlannedCreation] {
        var seen = Set<String>()
        var result: [PlannedCreation] = []
        let machine = MachineResources.current()
        for pod in pods {
            let key = "\(pod.namespace)/\(pod.name)"
            guard seen.insert(key).inserted else {
                throw CLIError("pod \"\(pod.name)\" appears twice in the manifest (namespace \(pod.namespace))")
            }
            for container in pod.allContainers {
                let reference = container.image
                guard (try? images.lookup(reference: reference)) ?? nil != nil else {
                    throw CLIError("pod \(pod.name), container \(container.name): \(ImageStore.missingImageMessage(reference: reference))")
                }
            }
            // As the scheduler would: a pod whose requests exceed the machine never starts.
            if let unfit = machine.unfit(pod) {
                throw CLIError("pod \(pod.name): \(unfit)")
            }
            _ = try cgroupPlan(podUID: "check")
            let securityProblems = SecurityCheck.problems(pod, seccompProfilesDirectory: store.seccompProfilesDirectory)
                + Sysctls.problems(pod.spec, allowedUnsafe: allowedUnsafeSysctls)
            if !securityProblems.isEmpty {
                throw CLIError(securityProblems.map { "pod \(pod.name): \($0)" }.joined(separator: "\n"))
            }
            if pod.spec.hostUsers == false, let problem = Self.userNamespaceProblem() {
                throw CLIError("pod \(pod.name): \(problem)")
            }
            if let problem = NetworkCheck.problem(pod, attached: network?.settings.attachesPods == true) {
                throw CLIError(problem)
            }
            let volumeErrors = VolumePlanner(pod: pod, podDirectory: store.location(namespace: pod.namespace, name: pod.name, uid: "check").podDir).check()
            if !volumeErrors.isEmpty {
                throw CLIError(volumeErrors.map { "\($0)" }.joined(separator: "\n"))
            }
            if let existing = store.find(namespace: pod.namespace, name: pod.name) {
                let stored = try store.readPod(existing)
                if let difference = PodComparison.firstDifference(stored: stored, applied: pod) {
                    throw CLIError("pod \"\(pod.name)\" already exists with a different \(difference): delete it first (peapod delete pod \(pod.name)\(pod.namespace == "default" ? "" : " -n \(pod.namespace)"))")
                }
                result.append(PlannedCreation(pod: pod, outcome: .unchanged))
            } else {
                result.append(PlannedCreation(pod: pod, outcome: .create))
            }
        }
        return result
    }

    /// Creates one checked pod and starts its supervisor; on failure nothing of it remains.
    /// Returns where it lives, the pod as stored (with its uid and creation time) and the
    /// supervisor's pid. A `foreground` supervisor (`peapod run`) writes the pod's phases and
    /// output to this process's standard output and deletes the pod once it has finished.
    func create(_ template: Pod, foreground: Bool = false) throws -> (location: PodLocation, pod: Pod, supervisor: Int32) {
        let (location, pod) = try createRecord(template)
        do {
            let supervisor = try startSupervisor(location, foreground: foreground)
            return (location, pod, supervisor)
        } catch {
            PodCleanup.removeAll(location)
            throw CLIError("pod \(pod.name): \(error)")
        }
    }

    /// Why pods with hostUsers: false cannot run here, or nil: the kernel must offer user
    /// namespaces (as the kubelet asks the runtime whether its handler supports them), and the
    /// host's range of ids for pods must be well formed.
    static func userNamespaceProblem() -> String? {
        let max = (try? FileSystem.readText("/proc/sys/user/max_user_namespaces", limit: 64))?.split(separator: "\n").first
        if !FileSystem.exists("/proc/self/ns/user") || max == "0" {
            return "hostUsers: false needs user namespaces, which this kernel does not offer (user.max_user_namespaces)"
        }
        do {
            _ = try UserNamespacePool.load()
        } catch {
            return "hostUsers: false: \(error)"
        }
        return nil
    }

    /// The pod's entry in the store (its directories, the pod as stored, its cgroup placement,
    /// with hostUsers: false its lease of host ids), without a supervisor; on failure nothing of
    /// it remains. The caller holds the store lock.
    func createRecord(_ template: Pod) throws -> (location: PodLocation, pod: Pod) {
        var pod = template
        pod.metadata.uid = Clock.uuid()
        pod.metadata.creationTimestamp = Clock.now()
        let location = store.location(namespace: pod.namespace, name: pod.name, uid: pod.metadata.uid)
        do {
            try store.prepareDirectories()
            try FileSystem.makeDirectories(location.podDir, mode: 0o700)
            try FileSystem.makeDirectories(location.runDir, mode: 0o700)
            if pod.spec.hostUsers == false {
                // Under the store lock, after the pod's directory exists: every lease of a pod
                // not in the store is then one a crash left behind.
                let leases = UserNamespaceLeases(directory: store.userNamespaceLeasesDir, pool: try UserNamespacePool.load())
                let mapping = try leases.acquire(podUID: pod.metadata.uid, podDirName: location.dirName,
                                                 livePods: Set(store.list().map(\.uid)))
                try FileSystem.writeAtomically(location.userNamespaceFile, mapping.mapLine, mode: 0o600)
            }
            if let network, network.settings.attachesPods, !pod.spec.hostNetwork {
                // Under the store lock, after the pod's directory exists (as the user namespace
                // leases): a hostPort clash is refused here with nothing of the pod left.
                _ = try DefaultNetwork(root: store.root).attach(
                    pod, location: location, settings: network.settings, explicitCIDR: network.explicitCIDR,
                    livePods: { Set(store.list().map(\.uid)) })
            }
            try FileSystem.writeAtomically(location.podFile, pod.json().serialized(pretty: true) + "\n", mode: 0o600)
            try cgroupPlan(podUID: pod.metadata.uid).write(directory: location.runDir)
            return (location, pod)
        } catch {
            PodCleanup.removeAll(location)
            throw CLIError("pod \(pod.name): \(error)")
        }
    }

    func startSupervisor(_ location: PodLocation, foreground: Bool) throws -> Int32 {
        let pipe = try FileSystem.pipe()
        let ready = [pipe.read, pipe.write]
        var command = SupervisorCommand(root: store.root, runRoot: store.runRoot, backoff: backoff, podDir: location.podDir,
                                        foreground: foreground)
        if let limits {
            command.logRotation = limits.logRotation
            command.housekeepingNanos = limits.housekeepingNanos
        }
        let executable = SupervisorCommand.executablePath
        let pid: Int32
        do {
            guard access(executable, X_OK) == 0 else {
                throw CLIError("cannot start the pod supervisor: \(executable) is missing or not executable "
                    + "(install \(SupervisorCommand.executableName) next to peapod)")
            }
            pid = try DetachedProcess.spawn(
                executable: executable, arguments: command.arguments, logFile: location.supervisorLog,
                extraFD: ready[1], outputFD: foreground ? 1 : nil)
        } catch {
            close(ready[0])
            close(ready[1])
            throw error
        }
        close(ready[1])
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while read(ready[0], &byte, 1) == 1 { line.append(byte) }
        close(ready[0])
        let answer = String(decoding: line, as: UTF8.self).trimmingCharacters(in: "\n")
        guard answer == "ok" else {
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            let log = (try? FileSystem.readText(location.supervisorLog)) ?? ""
            let message = answer.isEmpty ? "the pod supervisor exited before the sandbox was ready: \(log)" : answer
            throw CLIError(message.hasPrefix("error: ") ? String(message.dropFirst(7)) : message)
        }
        return pid
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.last == set { s = s.dropLast() }
        while s.first == set { s = s.dropFirst() }
        return String(s)
    }
}

/// Names the first field where an applied pod differs from the stored one.
enum PodComparison {
    static func firstDifference(stored: Pod, applied: Pod) -> String? {
        if let path = diff(stored.json()["spec"] ?? .null, applied.json()["spec"] ?? .null, path: "spec") {
            return "spec (\(path) differs)"
        }
        for field in ["labels", "annotations"] {
            let a = stored.json()["metadata"]?[field] ?? .null
            let b = applied.json()["metadata"]?[field] ?? .null
            if let path = diff(a, b, path: "metadata.\(field)") { return "metadata (\(path) differs)" }
        }
        return nil
    }

    static func diff(_ a: JSONValue, _ b: JSONValue, path: String) -> String? {
        switch (a, b) {
        case let (.object(x), .object(y)):
            for key in Set(x.keys).union(y.keys).sorted() {
                if let d = diff(x[key] ?? .null, y[key] ?? .null, path: "\(path).\(key)") { return d }
            }
            return nil
        case let (.array(x), .array(y)):
            if x.count != y.count { return path }
            for (i, pair) in zip(x, y).enumerated() {
                if let d = diff(pair.0, pair.1, path: "\(path)[\(i)]") { return d }
            }
            return nil
        default:
            return a == b ? nil : path
        }
    }
}
