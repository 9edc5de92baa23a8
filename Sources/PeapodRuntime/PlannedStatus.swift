// The status the planner computes, in Kubernetes' vocabulary (docs/kubelet-semantics.md §1-3).
// `StatusRendering` turns it into the v1 PodStatus object.

import PeapodSpec

public struct Termination: Sendable, Equatable {
    public var exitCode: Int32
    public var signal: Int32?
    public var reason: String
    public var message: String?
    public var startedAt: Timestamp
    public var finishedAt: Timestamp
    public var containerID: String

    public init(_ instance: ContainerInstance) {
        exitCode = instance.exitCode ?? (instance.signal.map { 128 + $0 } ?? 0)
        signal = instance.signal
        if let reason = instance.reason {
            self.reason = reason
        } else {
            self.reason = exitCode == 0 ? "Completed" : "Error"
        }
        message = instance.message
        startedAt = instance.startedAt
        finishedAt = instance.finishedAt ?? instance.startedAt
        containerID = "peapod://" + instance.id
    }
}

public enum PlannedState: Sendable, Equatable {
    case waiting(reason: String, message: String?)
    case running(startedAt: Timestamp)
    case terminated(Termination)
}

public struct PlannedContainerStatus: Sendable, Equatable {
    public var name: String
    public var state: PlannedState
    public var lastState: Termination?
    public var ready: Bool
    public var started: Bool
    public var restartCount: Int
    public var containerID: String?
}

public enum PodPhase: String, Sendable {
    case pending = "Pending"
    case running = "Running"
    case succeeded = "Succeeded"
    case failed = "Failed"
    case unknown = "Unknown"
}

public struct PlannedCondition: Sendable, Equatable {
    public var type: String
    public var status: Bool
    public var reason: String?
    public var message: String?
}

public struct PlannedPodStatus: Sendable, Equatable {
    public var phase: PodPhase
    public var reason: String?
    public var message: String?
    public var conditions: [PlannedCondition]
    public var startTime: Timestamp?
    public var initContainerStatuses: [PlannedContainerStatus]
    public var containerStatuses: [PlannedContainerStatus]
}
