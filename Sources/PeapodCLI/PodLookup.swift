// Addressing pods as kubectl does: `pod NAME`, `pods`, `po/NAME`, `NAME` in `-n NAMESPACE`.

import Glibc
import PeapodLinux
import PeapodRuntime
import PeapodSpec

enum ResourceArguments {
    // An array, not a Set: `get pods` then needs no String: Hashable conformance lookup, which
    // scans every conformance record of the binary the first time (tens of microseconds).
    static let podWords = ["pod", "pods", "po"]

    /// The pod names in arguments such as ["pods"], ["pod", "a", "b"], ["pod/a", "po/b"].
    static func podNames(_ arguments: [String], requireType: Bool = true) throws -> [String] {
        var names: [String] = []
        var rest = arguments[...]
        if let first = rest.first, podWords.contains(first) {
            rest = rest.dropFirst()
        } else if requireType, let first = rest.first, !first.contains("/") {
            throw CLIError("the server doesn't have a resource type \"\(first)\" (peapod knows pods only)")
        }
        for argument in rest {
            if let slash = argument.firstIndex(of: "/") {
                let type = String(argument[..<slash])
                guard podWords.contains(type) else {
                    throw CLIError("the server doesn't have a resource type \"\(type)\" (peapod knows pods only)")
                }
                names.append(String(argument[argument.index(after: slash)...]))
            } else {
                names.append(argument)
            }
        }
        return names
    }
}

/// A pod as the CLI sees it: the stored manifest, the last published status, and whether its
/// supervisor is alive.
struct PodView {
    var location: PodLocation
    var pod: Pod
    var statusFile: JSONValue?

    var status: JSONValue? { statusFile?["status"] }

    var supervisorPid: Int32? {
        guard let text = try? FileSystem.readText(location.supervisorPidFile) else { return nil }
        return Int32(text.trimmingCharacters(in: "\n"))
    }

    var supervisorAlive: Bool {
        guard let pid = supervisorPid else { return false }
        return ProcessState.isAlive(pid)
    }

    var terminating: Bool { FileSystem.exists(location.deleteRequestFile) }

    /// The delete request the CLI left for the supervisor: grace seconds and request time.
    var deletionRequest: (grace: Int64, at: Timestamp)? {
        guard let text = try? FileSystem.readText(location.deleteRequestFile) else { return nil }
        let lines = text.split(separator: "\n").map(String.init)
        guard let grace = lines.first.flatMap({ Int64($0) }) else { return nil }
        let at = lines.count > 1 ? Timestamp(rfc3339: lines[1]) : nil
        return (grace, at ?? Clock.now())
    }

    func containerPid(_ name: String) -> Int32? {
        statusFile?["containerPids"]?[name]?.intValue.map { Int32($0) }
    }

    /// A running container's process and the process description its supervisor published,
    /// which `exec` and `cp` start from; kubectl's error when the pod has completed.
    func runningProcess(_ container: String) throws -> (pid: Int32, process: ProcessSpec) {
        guard supervisorAlive, let pid = containerPid(container), kill(pid, 0) == 0 else {
            throw CLIError("cannot exec into a container in a completed pod; current phase is \(status?["phase"]?.stringValue ?? "Unknown")")
        }
        do {
            return (pid, try PublishedProcess.read(container: container, directory: location.processDir))
        } catch {
            throw CLIError("container \(container): \(error)")
        }
    }

    /// The pod object as `kubectl get pod -o json` prints it. A pod whose supervisor is gone
    /// has phase Unknown, as a pod on an unreachable node; one whose supervisor has not started
    /// yet (no pid, no status: `apply` is at work) is Pending.
    func json() -> JSONValue {
        var object = pod.json().objectValue ?? JSONObject()
        var status = self.status ?? .object(JSONObject([("phase", .string("Pending"))]))
        let phase = status["phase"]?.stringValue
        let starting = self.status == nil && supervisorPid == nil
        if !starting, !supervisorAlive, phase != "Succeeded", phase != "Failed", var s = status.objectValue {
            s["phase"] = .string("Unknown")
            s["reason"] = .string("NodeLost")
            s["message"] = .string("the pod's supervisor is not running")
            status = .object(s)
        }
        object["status"] = status
        if let deletion = deletionRequest, var metadata = object["metadata"]?.objectValue {
            // The API server sets deletionTimestamp to the request time plus the grace period.
            metadata["deletionGracePeriodSeconds"] = .int(deletion.grace)
            metadata["deletionTimestamp"] = .string(Timestamp(nanos: deletion.at.nanos + deletion.grace * 1_000_000_000).rfc3339)
            object["metadata"] = .object(metadata)
        }
        return .object(object)
    }

    static func load(_ location: PodLocation, store: PodStore) -> PodView? {
        guard let pod = try? store.readPod(location) else { return nil }
        return PodView(location: location, pod: pod, statusFile: store.readStatus(location))
    }

    /// The view with a pod spec read earlier (it never changes): only the status is read again.
    static func load(_ location: PodLocation, store: PodStore, pod: Pod) -> PodView {
        PodView(location: location, pod: pod, statusFile: store.readStatus(location))
    }

    static func find(_ name: String, namespace: String, store: PodStore) throws -> PodView {
        guard let location = store.find(namespace: namespace, name: name), let view = load(location, store: store) else {
            throw CLIError("pods \"\(name)\" not found", code: 1)
        }
        return view
    }

    /// The container `logs` and `exec` use without -c: the default-container annotation, else the
    /// first app container; says so on stderr when the pod has several.
    func defaultContainer(_ requested: String?) throws -> String {
        let names = pod.allContainers.map(\.name)
        if let requested {
            guard names.contains(requested) else {
                throw CLIError("container \(requested) is not valid for pod \(pod.name)")
            }
            return requested
        }
        let annotated = pod.metadata.annotations["kubectl.kubernetes.io/default-container"]
        let chosen = annotated.flatMap { names.contains($0) ? $0 : nil } ?? pod.spec.containers[0].name
        if names.count > 1 && annotated == nil {
            Output.err("Defaulted container \"\(chosen)\" out of: \(names.joined(separator: ", "))\n")
        }
        return chosen
    }
}
