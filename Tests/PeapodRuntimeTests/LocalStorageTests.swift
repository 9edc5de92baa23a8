// Local ephemeral storage: the eviction manager's limits, checks, messages and the eviction's
// course (grace, phase, reason), and the measuring schedule, with a fake clock.

import PeapodRuntime
import PeapodSpec
import Testing

let mi: Int64 = 1024 * 1024

/// A shape with storage limits: app containers `a` (20Mi) and `b` (none), emptyDir `data` (10Mi).
func storageShape(containers: [StorageLimits.Limit] = [.init(name: "a", bytes: 20 * mi, text: "20Mi")],
                  emptyDirs: [StorageLimits.Limit] = [.init(name: "data", bytes: 10 * mi, text: "10Mi")],
                  pod podLimit: StorageLimits.Limit? = .init(name: "", bytes: 20 * mi, text: "20Mi"),
                  preStop: Bool = false) -> PodShape {
    var s = pod(apps: [app("a", preStop: preStop), app("b")])
    s.storage = StorageLimits(containers: containers, emptyDirs: emptyDirs, pod: podLimit)
    return s
}

func usage(_ containers: [String: Int64] = [:], emptyDirs: [String: Int64] = [:], at seconds: Double = 10) -> StorageUsage {
    StorageUsage(measuredAt: at(seconds), containers: containers, emptyDirs: emptyDirs)
}

func runningPod(_ names: [String] = ["a", "b"]) -> ObservedPod {
    observed(Dictionary(uniqueKeysWithValues: names.map { ($0, ObservedContainer(current: running($0, since: 0))) }))
}

func evictions(_ plan: PodPlan) -> [String] {
    plan.actions.compactMap { if case let .evict(message) = $0 { return message } else { return nil } }
}

@Suite("Local storage eviction (eviction manager localStorageEviction)")
struct LocalStorageEvictionTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var shape: PodShape = storageShape()
        var usage: StorageUsage
        var message: String?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "under every limit: nothing", usage: usage(["a": 5 * mi, "b": 5 * mi], emptyDirs: ["data": 9 * mi]), message: nil),
        Case(name: "an emptyDir at exactly its sizeLimit is not over it", usage: usage(emptyDirs: ["data": 10 * mi]), message: nil),
        Case(name: "an emptyDir over its sizeLimit", usage: usage(emptyDirs: ["data": 10 * mi + 1]),
             message: "Usage of EmptyDir volume \"data\" exceeds the limit \"10Mi\". "),
        Case(name: "a container over its limit", shape: storageShape(pod: nil), usage: usage(["a": 20 * mi + 4096]),
             message: "Container a exceeded its local ephemeral storage limit \"20Mi\". "),
        Case(name: "the pod over the sum of its containers' limits, no container over its own",
             usage: usage(["a": 15 * mi, "b": 15 * mi]),
             message: "Pod ephemeral local storage usage exceeds the total limit of containers 20Mi. "),
        Case(name: "the pod total counts the emptyDirs", usage: usage(["a": 12 * mi], emptyDirs: ["data": 9 * mi]),
             message: "Pod ephemeral local storage usage exceeds the total limit of containers 20Mi. "),
        Case(name: "emptyDir first, then the pod, then containers (the kubelet's order)",
             usage: usage(["a": 30 * mi], emptyDirs: ["data": 11 * mi]),
             message: "Usage of EmptyDir volume \"data\" exceeds the limit \"10Mi\". "),
        Case(name: "the pod before a container", usage: usage(["a": 30 * mi]),
             message: "Pod ephemeral local storage usage exceeds the total limit of containers 20Mi. "),
        Case(name: "an emptyDir that was not measured (medium: Memory) never evicts",
             usage: usage(["a": 1 * mi]), message: nil),
        Case(name: "a container without a limit may use any amount when the pod has none",
             shape: storageShape(containers: [], emptyDirs: [], pod: nil), usage: usage(["b": 900 * mi]), message: nil),
    ]

    @Test(arguments: cases)
    func rule(_ c: Case) {
        #expect(Planner.evictionMessage(c.shape.storage, c.usage) == c.message)
        var o = runningPod()
        o.storage = c.usage
        let plan = Planner.plan(shape: c.shape, observed: o, now: at(11))
        #expect(evictions(plan) == (c.message.map { [$0] } ?? []))
        if c.message != nil {
            // The eviction comes alone: nothing else is started or probed in that pass.
            #expect(plan.actions.count == 1)
        }
    }

    @Test("After the eviction: Failed / Evicted / the message at once, SIGTERM, SIGKILL 2 s later, no restart")
    func evictedPodStops() {
        let shape = storageShape()
        var o = runningPod()
        o.storage = usage(emptyDirs: ["data": 11 * mi])
        let message = "Usage of EmptyDir volume \"data\" exceeds the limit \"10Mi\". "
        o.eviction = PodEviction(at: at(11), message: message)
        var plan = Planner.plan(shape: shape, observed: o, now: at(11))
        #expect(plan.status.phase == .failed)
        #expect(plan.status.reason == "Evicted" && plan.status.message == message)
        #expect(plan.actions == [signal("a", SignalNumber.sigterm),
                                 signal("b", SignalNumber.sigterm)])
        // The eviction's grace is 1 s, but SIGKILL never comes sooner than 2 s after SIGTERM.
        o.containers["a"]!.stopRequestedAt = at(11)
        o.containers["b"]!.stopRequestedAt = at(11)
        plan = Planner.plan(shape: shape, observed: o, now: at(11.5))
        #expect(plan.actions.isEmpty && plan.nextWakeup == at(13))
        plan = Planner.plan(shape: shape, observed: o, now: at(13))
        #expect(plan.actions == [signal("a", SignalNumber.sigkill),
                                 signal("b", SignalNumber.sigkill)])
        // Exited: the pod stays Failed with its reason; nothing restarts under Always, no more
        // measurements, no second eviction.
        o.containers["a"]!.current = finished("a", start: 0, end: 12, exit: 143, signal: 15)
        o.containers["b"]!.current = finished("b", start: 0, end: 13, exit: 137, signal: 9)
        plan = Planner.plan(shape: shape, observed: o, now: at(40))
        #expect(plan.actions.isEmpty && plan.nextWakeup == nil)
        #expect(plan.status.phase == .failed && plan.status.reason == "Evicted" && plan.status.message == message)
        #expect(plan.status.conditions.first { $0.type == "Ready" }?.status == false)
        #expect(terminated(plan.status.containerStatuses[0])?.exitCode == 143)
    }

    @Test("A preStop hook still runs within the eviction's grace period, as the kubelet's killContainer does")
    func preStopRunsWithTheEvictionGrace() {
        let shape = storageShape(preStop: true)
        var o = runningPod()
        o.eviction = PodEviction(at: at(11), message: "m")
        let plan = Planner.plan(shape: shape, observed: o, now: at(11))
        #expect(plan.actions.contains(.runHook(container: "a", hook: .preStop)))
        #expect(plan.nextWakeup == at(12))
    }

    @Test("A pod being deleted or already stopping is not evicted (the eviction manager's active pods)")
    func onlyActivePods() {
        var o = runningPod()
        o.storage = usage(emptyDirs: ["data": 50 * mi])
        o.deletion = PodDeletion(requestedAt: at(10), graceNanos: 30 * sec)
        #expect(evictions(Planner.plan(shape: storageShape(), observed: o, now: at(11))).isEmpty)
        var done = observed(["a": ObservedContainer(current: finished("a", start: 0, end: 1, exit: 0)),
                             "b": ObservedContainer(current: finished("b", start: 0, end: 1, exit: 0))])
        done.storage = usage(emptyDirs: ["data": 50 * mi])
        var shape = storageShape()
        shape.restartPolicy = .never
        let plan = Planner.plan(shape: shape, observed: done, now: at(11))
        #expect(evictions(plan).isEmpty && plan.status.phase == .succeeded)
    }
}

@Suite("Local storage measuring schedule")
struct StorageScheduleTests {
    @Test("The first measurement one housekeeping interval after the start, then one interval after each start")
    func schedule() {
        let config = PlannerConfig(housekeepingNanos: 10 * sec)
        var o = runningPod()
        var plan = Planner.plan(shape: storageShape(), observed: o, now: at(3), config: config)
        #expect(!plan.actions.contains(.measureStorage) && plan.nextWakeup == at(10))
        plan = Planner.plan(shape: storageShape(), observed: o, now: at(10), config: config)
        #expect(plan.actions == [.measureStorage])
        // Under way: no second one, and no wake-up for it (its thread's descriptor wakes the supervisor).
        o.storageMeasurementStartedAt = at(10)
        plan = Planner.plan(shape: storageShape(), observed: o, now: at(25), config: config)
        #expect(plan.actions.isEmpty && plan.nextWakeup == nil)
        o.storageMeasurementStartedAt = nil
        o.storage = usage(["a": mi], at: 10)
        plan = Planner.plan(shape: storageShape(), observed: o, now: at(12), config: config)
        #expect(plan.actions.isEmpty && plan.nextWakeup == at(20))
        #expect(Planner.plan(shape: storageShape(), observed: o, now: at(20), config: config).actions == [.measureStorage])
    }

    @Test("A pod without any storage limit is never measured; the kubelet's interval is 10 s")
    func noLimitsNoMeasuring() {
        let shape = storageShape(containers: [], emptyDirs: [], pod: nil)
        let plan = Planner.plan(shape: shape, observed: runningPod(), now: at(3600))
        #expect(plan.actions.isEmpty && plan.nextWakeup == nil)
        #expect(PlannerConfig().housekeepingNanos == 10 * sec)
        #expect(Planner.evictionGraceNanos == 1 * sec)
    }
}

@Suite("Local storage limits from the spec")
struct StorageLimitsSpecTests {
    static func limits(_ json: String) throws -> StorageLimits {
        StorageLimits(pod: try Pod(json: try JSONValue.parse(json)))
    }

    @Test("Containers with a non-zero limit, emptyDirs with a positive sizeLimit, the pod's sum as PodLimits")
    func fromSpec() throws {
        let l = try Self.limits("""
            {"metadata": {"name": "p"}, "spec": {
              "volumes": [{"name": "data", "emptyDir": {"sizeLimit": "10Mi"}}, {"name": "mem", "emptyDir": {"medium": "Memory", "sizeLimit": "1Gi"}},
                          {"name": "free", "emptyDir": {}}, {"name": "zero", "emptyDir": {"sizeLimit": "0"}}],
              "initContainers": [{"name": "init", "image": "i", "resources": {"limits": {"ephemeral-storage": "100Mi"}}},
                                 {"name": "side", "image": "i", "restartPolicy": "Always", "resources": {"limits": {"ephemeral-storage": "5Mi"}}}],
              "containers": [{"name": "a", "image": "i", "resources": {"limits": {"ephemeral-storage": "20Mi"}}},
                             {"name": "b", "image": "i"},
                             {"name": "c", "image": "i", "resources": {"limits": {"ephemeral-storage": "0"}}}]}}
            """)
        #expect(l.containers == [.init(name: "a", bytes: 20 * mi, text: "20Mi")])
        #expect(l.emptyDirs.map(\.name) == ["data", "mem"])
        #expect(l.emptyDirs[0].text == "10Mi" && l.emptyDirs[1].bytes == 1024 * mi)
        // Apps and sidecar: 25Mi; the init container alone is larger: 100Mi.
        #expect(l.pod == .init(name: "", bytes: 100 * mi, text: "100Mi"))
    }

    @Test("The pod limit's sum and its Go formatting", arguments: [
        (["10Mi", "10Mi"], "20Mi"), (["1Gi", "512Mi"], "1536Mi"), (["10M", "10M"], "20M"), (["10M", "1Mi"], "11048576"),
        (["1Mi", "10M"], "11048576"), (["500", "500"], "1k"), (["1e3", "2e3"], "3e3"), (["0", "10Mi"], "10Mi"),
    ])
    func podSum(limits: [String], text: String) throws {
        let containers = limits.enumerated().map { "{\"name\": \"c\($0.offset)\", \"image\": \"i\", \"resources\": {\"limits\": {\"ephemeral-storage\": \"\($0.element)\"}}}" }
        let l = try Self.limits("{\"metadata\": {\"name\": \"p\"}, \"spec\": {\"containers\": [\(containers.joined(separator: ","))]}}")
        #expect(l.pod?.text == text)
    }

    @Test("No ephemeral-storage limit anywhere: no pod limit; nothing to measure")
    func none() throws {
        let l = try Self.limits("{\"metadata\": {\"name\": \"p\"}, \"spec\": {\"containers\": [{\"name\": \"a\", \"image\": \"i\"}], \"volumes\": [{\"name\": \"d\", \"emptyDir\": {}}]}}")
        #expect(l.pod == nil && l.isEmpty)
    }
}
