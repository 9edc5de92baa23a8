// The kubelet's conversions from requests and limits to cgroup values, QoS classes, the
// oom_score_adj formula and the scheduler's fit check (docs/kubelet-semantics.md §8).

import Foundation
import Testing
@testable import PeapodLinux
import PeapodManifest
import PeapodRuntime
import PeapodSpec

func loadPod(_ yaml: String) throws -> Pod {
    let loaded = try Manifest.load(yaml)
    return loaded.pods[0]
}

func podYAML(_ containers: String, initContainers: String = "") -> String {
    """
    apiVersion: v1
    kind: Pod
    metadata: {name: p, uid: u}
    spec:
    \(initContainers.isEmpty ? "" : "  initContainers:\n" + initContainers)
      containers:
    \(containers)
    """
}

@Suite struct CgroupConversionTests {
    @Test(arguments: [(Int64(0), UInt64(2)), (1, 2), (2, 2), (10, 10), (100, 102), (250, 256), (1000, 1024), (1500, 1536), (300_000, 262_144)])
    func cpuSharesFromRequest(milliCPU: Int64, shares: UInt64) {
        #expect(CgroupLimits.shares(milliCPU: milliCPU) == shares)
    }

    @Test(arguments: [(UInt64(2), UInt64(1)), (102, 4), (1024, 39), (262_144, 10_000), (1, 1)])
    func cpuWeightFromShares(shares: UInt64, weight: UInt64) {
        // 1 + ((shares − 2) × 9999) / 262142
        #expect(CgroupLimits.weight(shares: shares) == weight)
    }

    @Test(arguments: [(Int64(1), Int64(1000)), (5, 1000), (10, 1000), (200, 20_000), (1000, 100_000), (2500, 250_000)])
    func cfsQuotaFromLimit(milliCPU: Int64, quota: Int64) {
        #expect(CgroupLimits.quota(milliCPU: milliCPU) == quota)
    }

    @Test func containerLimitsFollowRequestsAndLimits() throws {
        let pod = try loadPod(podYAML("""
          - name: a
            image: busybox
            resources: {limits: {cpu: 200m, memory: 32Mi}, requests: {cpu: 100m}}
          - name: b
            image: busybox
        """))
        let a = CgroupLimits.container(pod.spec.containers[0])
        var expectedA = CgroupLimits(memoryBytes: 32 * 1024 * 1024, cpuShares: 102, cpuQuotaMicros: 20_000)
        expectedA.allowedDevices = CgroupLimits.defaultDevices
        #expect(a == expectedA)
        let b = CgroupLimits.container(pod.spec.containers[1])
        var expectedB = CgroupLimits(cpuShares: 2)
        expectedB.allowedDevices = CgroupLimits.defaultDevices
        #expect(b == expectedB)
        // b has no limits, so the pod has none either; its shares sum the requests.
        #expect(CgroupLimits.pod(pod, pidsLimit: 100) == CgroupLimits(cpuShares: 102, pidsMax: 100))
    }

    @Test func podLimitIsTheLargerOfTheAppSumAndTheLargestInitContainer() throws {
        let pod = try loadPod(podYAML("""
          - {name: a, image: busybox, resources: {limits: {cpu: 300m, memory: 64Mi}}}
          - {name: b, image: busybox, resources: {limits: {cpu: 200m, memory: 64Mi}}}
        """, initContainers: """
          - {name: i, image: busybox, resources: {limits: {cpu: "1", memory: 32Mi}}}
        """))
        let limits = CgroupLimits.pod(pod, pidsLimit: nil)
        #expect(limits.cpuQuotaMicros == 100_000)       // init's 1000m beats 500m
        #expect(limits.memoryBytes == Int64(128 << 20))// apps' 128Mi beats 32Mi
        #expect(limits.cpuShares == 1024)
        #expect(limits.pidsMax == nil)
    }

    @Test(arguments: [
        ("{limits: {cpu: 100m, memory: 64Mi}}", "{limits: {cpu: 100m, memory: 64Mi}}", "Guaranteed"),
        ("{limits: {cpu: 100m, memory: 64Mi}, requests: {cpu: 100m, memory: 64Mi}}", "{limits: {cpu: '1', memory: 1Gi}}", "Guaranteed"),
        ("{limits: {cpu: 100m, memory: 64Mi}, requests: {cpu: 50m}}", "{limits: {cpu: 100m, memory: 64Mi}}", "Burstable"),
        ("{requests: {memory: 64Mi}}", "{}", "Burstable"),
        ("{limits: {memory: 64Mi}}", "{limits: {memory: 64Mi}}", "Burstable"),
        ("{}", "{}", "BestEffort"),
    ])
    func qosClass(a: String, b: String, expected: String) throws {
        let pod = try loadPod(podYAML("""
          - {name: a, image: busybox, resources: \(a)}
          - {name: b, image: busybox, resources: \(b)}
        """))
        #expect(QoS.classify(pod) == expected)
    }

    @Test(arguments: [
        ("Guaranteed", Int64(0), Int32(-997)),
        ("BestEffort", 0, 1000),
        ("Burstable", 0, 999),                       // 1000 → 999: above every BestEffort
        ("Burstable", 1 << 30, 750),                 // 1Gi of 4Gi: 1000 − 250
        ("Burstable", 4 << 30, 2),                   // the whole machine: 0 → 2
        ("Burstable", 8 << 30, 2),
        ("Burstable", Int64.max, 2),
    ])
    func oomScoreAdjPerQoS(qos: String, memoryRequest: Int64, expected: Int32) {
        #expect(OOMScore.adjust(qosClass: qos, memoryRequest: memoryRequest, machineMemory: 4 << 30) == expected)
    }

    @Test func requestsBeyondTheMachineAreRefusedAsTheSchedulerWould() throws {
        let machine = MachineResources(milliCPU: 2000, memoryBytes: 1 << 30)
        let fits = try loadPod(podYAML("  - {name: a, image: busybox, resources: {requests: {cpu: '2', memory: 1Gi}}}"))
        #expect(machine.unfit(fits) == nil)
        let cpu = try loadPod(podYAML("  - {name: a, image: busybox, resources: {requests: {cpu: 2001m}}}"))
        #expect(machine.unfit(cpu)?.hasPrefix("0/1 nodes are available: 1 Insufficient cpu.") == true)
        let both = try loadPod(podYAML("""
          - {name: a, image: busybox, resources: {requests: {cpu: '1', memory: 600Mi}}}
          - {name: b, image: busybox, resources: {requests: {cpu: 1500m, memory: 600Mi}}}
        """))
        #expect(machine.unfit(both)?.hasPrefix("0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory.") == true)
    }
}

@Suite("Devices cgroup")
struct DevicesCgroupTests {
    @Test func confinedContainersGetTheDefaultListAndPrivilegedOnesKeepTheParents() throws {
        let pod = try loadPod("""
        apiVersion: v1
        kind: Pod
        metadata: {name: d}
        spec:
          containers:
          - {name: a, image: busybox}
          - {name: p, image: busybox, securityContext: {privileged: true}}
        """)
        #expect(CgroupLimits.container(pod.spec.containers[0]).allowedDevices == CgroupLimits.defaultDevices)
        #expect(CgroupLimits.container(pod.spec.containers[1]).allowedDevices == nil)
        #expect(CgroupLimits.pod(pod, pidsLimit: nil).allowedDevices == nil)
        // Nodes may be made, but only the harmless ones opened: no disk, no /dev/kmsg (1:11).
        #expect(CgroupLimits.defaultDevices.contains("b *:* m"))
        #expect(!CgroupLimits.defaultDevices.contains { $0.hasPrefix("b ") && $0.hasSuffix("rwm") })
        #expect(!CgroupLimits.defaultDevices.contains("c 1:11 rwm"))
    }

    @Test func v1DriverDeniesAllThenAllowsTheList() throws {
        let root = NSTemporaryDirectory() + "peapod-devices-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/pod/app", withIntermediateDirectories: true)
        for file in ["devices.deny", "devices.allow"] {
            _ = FileManager.default.createFile(atPath: root + "/pod/app/" + file, contents: nil)
        }
        let driver = V1Driver(root: root, controllers: [.devices])
        var limits = CgroupLimits()
        limits.allowedDevices = ["c 1:3 rwm", "c 1:5 rwm"]
        try driver.apply(limits, to: "/pod/app")
        // A fixture file keeps only the last write; the real cgroupfs takes each rule.
        #expect(try String(contentsOfFile: root + "/pod/app/devices.deny", encoding: .utf8) == "a")
        #expect(try String(contentsOfFile: root + "/pod/app/devices.allow", encoding: .utf8) == "c 1:5 rwm")
    }
}
