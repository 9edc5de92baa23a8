// The events the supervisor records, worded as the kubelet words them (pkg/kubelet/events, the
// messages of kuberuntime, the lifecycle handler runner and the prober), so that `describe`
// reads as `kubectl describe` does. Only wording: when an event is due is the supervisor's
// business (and the planner's).

import PeapodRuntime
import PeapodSpec

/// The type, reason and message of one event.
struct EventText: Equatable {
    var type: String
    var reason: String
    var message: String

    init(_ type: String, _ reason: String, _ message: String) {
        self.type = type
        self.reason = reason
        self.message = message
    }
}

/// The events of one pod.
struct EventWording {
    var podName: String
    var namespace: String
    var uid: String

    /// `name_namespace(uid)`, as the kubelet's format.Pod names a pod in messages.
    var podDescription: String { "\(podName)_\(namespace)(\(uid))" }

    func scheduled(node: String) -> EventText {
        EventText("Normal", "Scheduled", "Successfully assigned \(namespace)/\(podName) to \(node)")
    }

    /// The kubelet checks the image at every start, so this repeats (merged into a count).
    static func pulled(image: String) -> EventText {
        EventText("Normal", "Pulled", "Container image \"\(image)\" already present on machine")
    }

    static func created(_ container: String) -> EventText {
        EventText("Normal", "Created", "Created container: \(container)")
    }

    static func started(_ container: String) -> EventText {
        EventText("Normal", "Started", "Started container \(container)")
    }

    /// A container could not be made or started: the runtime's or the configuration's error.
    static func failed(_ error: String) -> EventText {
        EventText("Warning", "Failed", "Error: \(error)")
    }

    /// `reason` is the planner's (`PodAction.signal`).
    static func killing(_ reason: String) -> EventText {
        EventText("Normal", "Killing", reason)
    }

    static let exceededGracePeriod = EventText(
        "Warning", "ExceededGracePeriod", "Container runtime did not kill the pod within specified grace period.")

    func backOff(_ container: String) -> EventText {
        EventText("Warning", "BackOff", "Back-off restarting failed container \(container) in pod \(podDescription)")
    }

    static let deadlineExceeded = EventText("Normal", "DeadlineExceeded", Planner.deadlineMessage)

    static func evicted(_ message: String) -> EventText {
        EventText("Warning", Planner.evictedReason, message)
    }

    static func oomKilling(_ container: String) -> EventText {
        EventText("Warning", "OOMKilling",
                  "Memory cgroup out of memory: the OOM killer killed a process of container \(container)")
    }

    /// FailedPostStartHook / FailedPreStopHook, with the handler runner's message: the hook's
    /// output quoted as Go's %q quotes it.
    func hookFailed(_ kind: HookKind, container: String, command: [String], error: String, output: String) -> EventText {
        EventText(
            "Warning", kind == .postStart ? "FailedPostStartHook" : "FailedPreStopHook",
            "Exec lifecycle hook ([\(command.joined(separator: " "))]) for Container \"\(container)\" in Pod "
                + "\"\(podDescription)\" failed - error: \(error), message: \(goQuote(output))")
    }

    /// The error a hook's exit code gives, as the exec handler reports it.
    static func hookExitError(command: [String], code: Int32) -> String {
        "command '\(command.joined(separator: " "))' exited with \(code): "
    }

    static func probeFailed(_ kind: ProbeKind, _ message: String) -> EventText {
        EventText("Warning", "Unhealthy", "\(kind.rawValue) probe failed: \(message)")
    }

    static func probeErrored(_ kind: ProbeKind, _ message: String) -> EventText {
        EventText("Warning", "Unhealthy", "\(kind.rawValue) probe errored and resulted in unknown state: \(message)")
    }

    /// The pod's attach socket could not be served (peapod's own: the kubelet has none).
    static func failedAttachSocket(_ failure: String) -> EventText {
        EventText("Warning", "FailedAttachSocket", "attach socket: \(failure)")
    }

    /// A success the kubelet warns about: a redirect its client did not follow.
    static func probeWarning(_ kind: ProbeKind, _ message: String) -> EventText {
        EventText("Warning", "ProbeWarning", "\(kind.rawValue) probe warning: \(message)")
    }
}

extension EventRecorder {
    func record(_ event: EventText, container: String? = nil, isInit: Bool = false, at now: Timestamp) {
        record(event.type, event.reason, event.message, container: container, isInit: isInit, at: now)
    }
}
