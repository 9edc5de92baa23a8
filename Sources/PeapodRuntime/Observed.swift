// What the supervisor has seen of a pod's containers: plain values, so the planner that reads
// them is a pure function and can be tested with a fake clock.

import PeapodSpec

/// One run of a container: created by a `.start` action, ended when its process was reaped.
public struct ContainerInstance: Sendable, Equatable {
    public var id: String
    public var startedAt: Timestamp
    public var finishedAt: Timestamp?
    public var exitCode: Int32?
    public var signal: Int32?
    /// Terminated reason when the host knows better than the exit code (`OOMKilled`, `StartError`).
    public var reason: String?
    public var message: String?

    public init(
        id: String, startedAt: Timestamp, finishedAt: Timestamp? = nil, exitCode: Int32? = nil,
        signal: Int32? = nil, reason: String? = nil, message: String? = nil
    ) {
        self.id = id
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.exitCode = exitCode
        self.signal = signal
        self.reason = reason
        self.message = message
    }

    public var isRunning: Bool { finishedAt == nil }
    public var succeeded: Bool { finishedAt != nil && exitCode == 0 }
}

public enum HookKind: String, Sendable, Equatable {
    case postStart = "PostStart"
    case preStop = "PreStop"
}

/// One run of a lifecycle hook's exec handler in the current instance.
public struct HookRun: Sendable, Equatable {
    public var startedAt: Timestamp
    public var finishedAt: Timestamp?
    /// Nil while running; non-zero (or the exec could not start) is a failure.
    public var exitCode: Int32?

    public init(startedAt: Timestamp, finishedAt: Timestamp? = nil, exitCode: Int32? = nil) {
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.exitCode = exitCode
    }

    public var isRunning: Bool { finishedAt == nil }
    public var failed: Bool { finishedAt != nil && exitCode != 0 }
}

/// A container whose configuration could not be made (a missing user, an unusable subPath):
/// no process was created, so no instance exists; the start is tried again later
/// (waiting reason CreateContainerConfigError).
public struct ConfigError: Sendable, Equatable {
    public var message: String
    public var at: Timestamp

    public init(message: String, at: Timestamp) {
        self.message = message
        self.at = at
    }
}

public struct ObservedContainer: Sendable, Equatable {
    /// The newest instance, running or finished.
    public var current: ContainerInstance?
    /// The instance before `current` (the container status's lastState).
    public var previous: ContainerInstance?
    public var restartCount: Int
    public var backoff: BackoffEntry?
    /// When SIGTERM was sent to the current instance during termination.
    public var stopRequestedAt: Timestamp?
    public var killed: Bool
    /// The hooks of the current instance.
    public var postStart: HookRun?
    public var preStop: HookRun?
    public var configError: ConfigError?
    /// The probes of the current instance.
    public var startupProbe = ProbeState()
    public var livenessProbe = ProbeState()
    public var readinessProbe = ProbeState()

    public init(
        current: ContainerInstance? = nil, previous: ContainerInstance? = nil, restartCount: Int = 0,
        backoff: BackoffEntry? = nil, stopRequestedAt: Timestamp? = nil, killed: Bool = false,
        postStart: HookRun? = nil, preStop: HookRun? = nil, configError: ConfigError? = nil
    ) {
        self.current = current
        self.previous = previous
        self.restartCount = restartCount
        self.backoff = backoff
        self.stopRequestedAt = stopRequestedAt
        self.killed = killed
        self.postStart = postStart
        self.preStop = preStop
        self.configError = configError
    }

    /// The postStart hook of the current instance is still running.
    public var inPostStart: Bool { current?.isRunning == true && postStart?.isRunning == true }

    /// Record a new instance: the old one becomes `previous`, and the restart count grows when
    /// there was an old one.
    public mutating func started(_ instance: ContainerInstance) {
        if let current {
            previous = current
            restartCount += 1
        }
        current = instance
        stopRequestedAt = nil
        killed = false
        postStart = nil
        preStop = nil
        configError = nil
        startupProbe = startupProbe.forNewInstance()
        livenessProbe = livenessProbe.forNewInstance()
        readinessProbe = readinessProbe.forNewInstance()
    }
}

/// A deletion in progress: the grace period counts from `requestedAt`.
public struct PodDeletion: Sendable, Equatable {
    public var requestedAt: Timestamp
    public var graceNanos: Int64

    public init(requestedAt: Timestamp, graceNanos: Int64) {
        self.requestedAt = requestedAt
        self.graceNanos = graceNanos
    }

    public var deadline: Timestamp { Timestamp(nanos: requestedAt.nanos + graceNanos) }
}

public struct ObservedPod: Sendable, Equatable {
    /// metadata.uid, which the kubelet's CrashLoopBackOff message names.
    public var podUID: String
    public var sandboxReady: Bool
    public var sandboxReadyAt: Timestamp?
    public var startTime: Timestamp?
    public var containers: [String: ObservedContainer]
    /// The last local-storage measurement that finished (LocalStorage.swift).
    public var storage: StorageUsage?
    /// When the measurement under way started; nil when none is.
    public var storageMeasurementStartedAt: Timestamp?
    /// Set once the pod is evicted; the pod then stops and stays Failed.
    public var eviction: PodEviction?
    public var deletion: PodDeletion? {
        didSet {
            guard oldValue == nil, deletion != nil else { return }
            // Once the pod is being deleted the kubelet's liveness and startup workers stop and
            // leave a success behind for a quiet shutdown (worker.doProbe): a container that
            // was still starting counts as started, and no probe failure kills it any more.
            for name in containers.keys where containers[name]?.current?.isRunning == true {
                containers[name]?.livenessProbe.result = .success
                containers[name]?.startupProbe.result = .success
            }
        }
    }

    public init(
        podUID: String = "", sandboxReady: Bool = false, sandboxReadyAt: Timestamp? = nil, startTime: Timestamp? = nil,
        containers: [String: ObservedContainer] = [:], deletion: PodDeletion? = nil
    ) {
        self.podUID = podUID
        self.sandboxReady = sandboxReady
        self.sandboxReadyAt = sandboxReadyAt
        self.startTime = startTime
        self.containers = containers
        self.deletion = deletion
    }

    public subscript(name: String) -> ObservedContainer {
        get { containers[name] ?? ObservedContainer() }
        set { containers[name] = newValue }
    }
}
