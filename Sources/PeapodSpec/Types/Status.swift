/// core/v1 PodStatus, written by the runtime.
public struct PodStatus: Sendable, Equatable, KubeObject {
    public var observedGeneration: Int64 = 0
    /// "Pending", "Running", "Succeeded", "Failed", "Unknown".
    public var phase: String = ""
    public var conditions: [PodCondition] = []
    public var message: String = ""
    public var reason: String = ""
    public var nominatedNodeName: String = ""
    public var hostIP: String = ""
    public var hostIPs: [HostIP] = []
    public var podIP: String = ""
    public var podIPs: [PodIP] = []
    public var startTime: Timestamp?
    public var initContainerStatuses: [ContainerStatus] = []
    public var containerStatuses: [ContainerStatus] = []
    /// "Guaranteed", "Burstable", "BestEffort".
    public var qosClass: String = ""
    public var ephemeralContainerStatuses: [ContainerStatus] = []
    public var resize: String = ""
    public var resourceClaimStatuses: [JSONValue] = []

    public init() {}

    init(_ r: ObjectReader) {
        observedGeneration = r.value("observedGeneration")
        phase = r.value("phase")
        conditions = r.list("conditions")
        message = r.value("message")
        reason = r.value("reason")
        nominatedNodeName = r.value("nominatedNodeName")
        hostIP = r.value("hostIP")
        hostIPs = r.list("hostIPs")
        podIP = r.value("podIP")
        podIPs = r.list("podIPs")
        startTime = r.opt("startTime")
        initContainerStatuses = r.list("initContainerStatuses")
        containerStatuses = r.list("containerStatuses")
        qosClass = r.value("qosClass")
        ephemeralContainerStatuses = r.list("ephemeralContainerStatuses")
        resize = r.value("resize")
        resourceClaimStatuses = r.rawObjects("resourceClaimStatuses")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.omitEmpty("observedGeneration", observedGeneration)
        w.omitEmpty("phase", phase)
        w.list("conditions", conditions)
        w.omitEmpty("message", message)
        w.omitEmpty("reason", reason)
        w.omitEmpty("nominatedNodeName", nominatedNodeName)
        w.omitEmpty("hostIP", hostIP)
        w.list("hostIPs", hostIPs)
        w.omitEmpty("podIP", podIP)
        w.list("podIPs", podIPs)
        w.opt("startTime", startTime)
        w.list("initContainerStatuses", initContainerStatuses)
        w.list("containerStatuses", containerStatuses)
        w.omitEmpty("qosClass", qosClass)
        w.list("ephemeralContainerStatuses", ephemeralContainerStatuses)
        w.omitEmpty("resize", resize)
        w.list("resourceClaimStatuses", resourceClaimStatuses)
    }
}

public struct HostIP: Sendable, Equatable, KubeObject {
    public var ip: String = ""
    public init(ip: String = "") { self.ip = ip }
    init(_ r: ObjectReader) { ip = r.value("ip") }
    func encodeFields(_ w: inout ObjectWriter) { w.always("ip", ip) }
}

public struct PodIP: Sendable, Equatable, KubeObject {
    public var ip: String = ""
    public init(ip: String = "") { self.ip = ip }
    init(_ r: ObjectReader) { ip = r.value("ip") }
    func encodeFields(_ w: inout ObjectWriter) { w.always("ip", ip) }
}

/// core/v1 PodCondition. `lastProbeTime` is written as `null` when unset, as the API server does.
public struct PodCondition: Sendable, Equatable, KubeObject {
    /// "PodScheduled", "PodReadyToStartContainers", "Initialized", "ContainersReady", "Ready".
    public var type: String = ""
    public var observedGeneration: Int64 = 0
    /// "True", "False", "Unknown".
    public var status: String = ""
    public var lastProbeTime: Timestamp?
    public var lastTransitionTime: Timestamp?
    public var reason: String = ""
    public var message: String = ""

    public init(type: String = "", status: String = "", lastTransitionTime: Timestamp? = nil,
                reason: String = "", message: String = "") {
        self.type = type
        self.status = status
        self.lastTransitionTime = lastTransitionTime
        self.reason = reason
        self.message = message
    }
    init(_ r: ObjectReader) {
        type = r.value("type")
        observedGeneration = r.value("observedGeneration")
        status = r.value("status")
        lastProbeTime = r.opt("lastProbeTime")
        lastTransitionTime = r.opt("lastTransitionTime")
        reason = r.value("reason")
        message = r.value("message")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.always("type", type)
        w.omitEmpty("observedGeneration", observedGeneration)
        w.always("status", status)
        w.timeOrNull("lastProbeTime", lastProbeTime)
        w.timeOrNull("lastTransitionTime", lastTransitionTime)
        w.omitEmpty("reason", reason)
        w.omitEmpty("message", message)
    }
}

extension ObjectWriter {
    /// A non-pointer metav1.Time: Go writes `null` for the zero time.
    mutating func timeOrNull(_ key: String, _ t: Timestamp?) {
        object[key] = t.map { .string($0.rfc3339) } ?? .null
    }
}

/// core/v1 ContainerStatus. `state`, `lastState`, `ready`, `restartCount`, `image` and
/// `imageID` are always written.
public struct ContainerStatus: Sendable, Equatable, KubeObject {
    public var name: String = ""
    public var state = ContainerState()
    public var lastState = ContainerState()
    public var ready: Bool = false
    public var restartCount: Int32 = 0
    public var image: String = ""
    public var imageID: String = ""
    public var containerID: String = ""
    public var started: Bool?
    public var allocatedResources: [String: Quantity] = [:]
    public var resources: ResourceRequirements?
    public var volumeMounts: [JSONValue] = []
    public var user: JSONValue?
    public var allocatedResourcesStatus: [JSONValue] = []
    public var stopSignal: String?

    public init(name: String = "", image: String = "") { self.name = name; self.image = image }

    init(_ r: ObjectReader) {
        name = r.value("name")
        state = r.opt("state") ?? ContainerState()
        lastState = r.opt("lastState") ?? ContainerState()
        ready = r.value("ready")
        restartCount = r.value("restartCount")
        image = r.value("image")
        imageID = r.value("imageID")
        containerID = r.value("containerID")
        started = r.opt("started")
        allocatedResources = r.map("allocatedResources")
        resources = r.opt("resources")
        volumeMounts = r.rawObjects("volumeMounts")
        user = r.rawObject("user")
        allocatedResourcesStatus = r.rawObjects("allocatedResourcesStatus")
        stopSignal = r.opt("stopSignal")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.always("name", name)
        w.always("state", state)
        w.always("lastState", lastState)
        w.always("ready", ready)
        w.always("restartCount", restartCount)
        w.always("image", image)
        w.always("imageID", imageID)
        w.omitEmpty("containerID", containerID)
        w.opt("started", started)
        w.map("allocatedResources", allocatedResources)
        w.opt("resources", resources)
        w.list("volumeMounts", volumeMounts)
        w.raw("user", user)
        w.list("allocatedResourcesStatus", allocatedResourcesStatus)
        w.opt("stopSignal", stopSignal)
    }
}

/// core/v1 ContainerState: at most one member is set (`{}` when none).
public struct ContainerState: Sendable, Equatable, KubeObject {
    public var waiting: ContainerStateWaiting?
    public var running: ContainerStateRunning?
    public var terminated: ContainerStateTerminated?

    public init() {}
    public static func waiting(_ reason: String, message: String = "") -> ContainerState {
        var s = ContainerState()
        s.waiting = ContainerStateWaiting(reason: reason, message: message)
        return s
    }
    public static func running(since: Timestamp) -> ContainerState {
        var s = ContainerState()
        s.running = ContainerStateRunning(startedAt: since)
        return s
    }
    public static func terminated(_ t: ContainerStateTerminated) -> ContainerState {
        var s = ContainerState()
        s.terminated = t
        return s
    }
    public var isEmpty: Bool { waiting == nil && running == nil && terminated == nil }

    init(_ r: ObjectReader) {
        waiting = r.opt("waiting")
        running = r.opt("running")
        terminated = r.opt("terminated")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.opt("waiting", waiting)
        w.opt("running", running)
        w.opt("terminated", terminated)
    }
}

public struct ContainerStateWaiting: Sendable, Equatable, KubeObject {
    public var reason: String = ""
    public var message: String = ""
    public init(reason: String = "", message: String = "") { self.reason = reason; self.message = message }
    init(_ r: ObjectReader) {
        reason = r.value("reason")
        message = r.value("message")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.omitEmpty("reason", reason)
        w.omitEmpty("message", message)
    }
}

public struct ContainerStateRunning: Sendable, Equatable, KubeObject {
    public var startedAt: Timestamp?
    public init(startedAt: Timestamp? = nil) { self.startedAt = startedAt }
    init(_ r: ObjectReader) { startedAt = r.opt("startedAt") }
    func encodeFields(_ w: inout ObjectWriter) { w.timeOrNull("startedAt", startedAt) }
}

public struct ContainerStateTerminated: Sendable, Equatable, KubeObject {
    public var exitCode: Int32 = 0
    public var signal: Int32 = 0
    public var reason: String = ""
    public var message: String = ""
    public var startedAt: Timestamp?
    public var finishedAt: Timestamp?
    public var containerID: String = ""

    public init(exitCode: Int32 = 0, signal: Int32 = 0, reason: String = "", message: String = "",
                startedAt: Timestamp? = nil, finishedAt: Timestamp? = nil, containerID: String = "") {
        self.exitCode = exitCode
        self.signal = signal
        self.reason = reason
        self.message = message
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.containerID = containerID
    }
    init(_ r: ObjectReader) {
        exitCode = r.value("exitCode")
        signal = r.value("signal")
        reason = r.value("reason")
        message = r.value("message")
        startedAt = r.opt("startedAt")
        finishedAt = r.opt("finishedAt")
        containerID = r.value("containerID")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.always("exitCode", exitCode)
        w.omitEmpty("signal", signal)
        w.omitEmpty("reason", reason)
        w.omitEmpty("message", message)
        w.timeOrNull("startedAt", startedAt)
        w.timeOrNull("finishedAt", finishedAt)
        w.omitEmpty("containerID", containerID)
    }
}

// Convenience encoders for other modules (status files, -o json of parts).
extension PodStatus {
    /// The status as JSON with the API server's omission rules.
    public func json() -> JSONValue { encoded().sortedKeys() }
    /// Decodes a status written by `json()`.
    public init(json: JSONValue) throws(ManifestError) {
        let ctx = DecodeContext()
        guard let s = PodStatus.decode(json, path: "status", ctx: ctx), ctx.errors.isEmpty else {
            throw ManifestError(document: nil, stage: .decoding,
                                message: ManifestError.decodingMessage(document: nil, errors: ctx.errors),
                                fieldErrors: ctx.errors)
        }
        self = s
    }
}
