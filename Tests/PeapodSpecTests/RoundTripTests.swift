import Foundation
import Testing
import PeapodManifest
@testable import PeapodSpec

/// A status as the runtime would write it.
func sampleStatus(for pod: Pod) -> PodStatus {
    let t0 = Timestamp(seconds: 1_767_366_245)
    var s = PodStatus()
    s.phase = "Running"
    s.hostIP = "127.0.0.1"
    s.hostIPs = [HostIP(ip: "127.0.0.1")]
    s.podIP = "127.0.0.1"
    s.podIPs = [PodIP(ip: "127.0.0.1")]
    s.startTime = t0
    s.qosClass = "Burstable"
    s.conditions = [
        PodCondition(type: "PodReadyToStartContainers", status: "True", lastTransitionTime: t0),
        PodCondition(type: "Initialized", status: "True", lastTransitionTime: t0),
        PodCondition(type: "Ready", status: "False", lastTransitionTime: t0, reason: "ContainersNotReady",
                     message: "containers with unready status: [app]"),
        PodCondition(type: "PodScheduled", status: "True", lastTransitionTime: t0),
    ]
    for (i, c) in pod.spec.initContainers.enumerated() {
        var cs = ContainerStatus(name: c.name, image: c.image)
        cs.imageID = "peapod://sha256:abc"
        cs.containerID = "peapod://\(i)"
        cs.state = .terminated(ContainerStateTerminated(exitCode: 0, reason: "Completed", startedAt: t0,
                                                        finishedAt: t0 + .seconds(1), containerID: "peapod://\(i)"))
        cs.started = false
        s.initContainerStatuses.append(cs)
    }
    for (i, c) in pod.spec.containers.enumerated() {
        var cs = ContainerStatus(name: c.name, image: c.image)
        cs.imageID = "peapod://sha256:def"
        if i == 0 {
            cs.state = .running(since: t0 + .seconds(2))
            cs.lastState = .terminated(ContainerStateTerminated(exitCode: 137, signal: 9, reason: "OOMKilled", message: "killed",
                                                                startedAt: t0, finishedAt: t0 + .seconds(1)))
            cs.restartCount = 1
            cs.started = true
            cs.ready = true
            cs.containerID = "peapod://abc"
        } else {
            cs.state = .waiting("CrashLoopBackOff", message: "back-off 20s restarting failed container=\(c.name) pod=\(pod.metadata.name)")
        }
        s.containerStatuses.append(cs)
    }
    return s
}

@Suite struct RoundTripTests {
    static let manifests: [String] = [podYAML(), richPodYAML]

    @Test(arguments: manifests)
    func manifestToPodToJSONToPod(text: String) throws {
        var pod = try loadPod(text)
        pod.metadata.uid = "0b6f0d7e-1111-2222-3333-444455556666"
        pod.metadata.creationTimestamp = Timestamp(seconds: 1_767_366_245)
        pod.status = sampleStatus(for: pod)
        let json = pod.json()
        #expect(try Pod(json: json) == pod)
        // Through text, both pretty and compact, and through YAML.
        #expect(try Pod(json: JSONValue.parse(json.serialized(pretty: true))) == pod)
        #expect(try Pod(json: JSONValue.parse(json.serialized(pretty: false))) == pod)
        #expect(try Manifest.parseDocuments(json.yamlText()) == [json])
        // Re-loading the JSON as a manifest gives the same pod back (defaults are idempotent).
        var reloaded = try loadWithoutPolicy(json.serialized(pretty: true)).pods[0]
        #expect(reloaded.status == nil && reloaded.metadata.uid.isEmpty && reloaded.metadata.creationTimestamp == nil)
        reloaded.status = pod.status
        reloaded.metadata.uid = pod.metadata.uid
        reloaded.metadata.creationTimestamp = pod.metadata.creationTimestamp
        #expect(reloaded == pod)
    }

    @Test func topLevelKeyOrderIsKubectls() throws {
        var pod = try loadPod(podYAML())
        pod.status = PodStatus()
        guard case .object(let o) = pod.json() else { Issue.record("not an object"); return }
        #expect(o.keys == ["apiVersion", "kind", "metadata", "spec", "status"])
        #expect(pod.json()["spec"]?["containers"]?.arrayValue?.first?.objectValue?.keys == [
            "image", "imagePullPolicy", "name", "resources", "terminationMessagePath", "terminationMessagePolicy",
        ])
    }

    @Test func apiServerOmissionRules() throws {
        var pod = try loadPod(podYAML())
        var cs = ContainerStatus(name: "app", image: "busybox:1.36")
        cs.state = .waiting("ContainerCreating")
        var st = PodStatus()
        st.phase = "Pending"
        st.containerStatuses = [cs]
        st.conditions = [PodCondition(type: "PodScheduled", status: "True", lastTransitionTime: Timestamp(seconds: 0))]
        pod.status = st
        let json = pod.json().serialized(pretty: false)
        #expect(json.contains(#""containerStatuses":[{"image":"busybox:1.36","imageID":"","lastState":{},"name":"app","ready":false,"restartCount":0,"state":{"waiting":{"reason":"ContainerCreating"}}}]"#), "\(json)")
        #expect(json.contains(#""conditions":[{"lastProbeTime":null,"lastTransitionTime":"1970-01-01T00:00:00Z","status":"True","type":"PodScheduled"}]"#))
        #expect(json.contains(#""resources":{}"#))
        #expect(json.contains(#""securityContext":{}"#))
        #expect(!json.contains("hostNetwork"))
        #expect(!json.contains("\"command\""))
    }

    @Test func statusRoundTripsOnItsOwn() throws {
        let pod = try loadPod(richPodYAML)
        let s = sampleStatus(for: pod)
        #expect(try PodStatus(json: s.json()) == s)
    }
}

@Suite struct SchemaTests {
    /// `kubernetes-validate` on PATH, or nil.
    static func validator() -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let path = "\(dir)/kubernetes-validate"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    @Test func outputAndAcceptedManifestsPassKubernetesValidate() throws {
        guard let tool = SchemaTests.validator() else {
            print("SKIPPED: kubernetes-validate is not on PATH (pip install kubernetes-validate); schema checks not run")
            return
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("peapod-spec-schema-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var files: [String] = []
        let warned = [
            podYAML(spec: "nodeSelector: {disk: ssd}\naffinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: a, operator: In, values: [b]}]}]}}}"),
            podYAML(spec: "tolerations: [{key: k, operator: Exists, effect: NoSchedule}]\npriorityClassName: high\npriority: 5\npreemptionPolicy: Never\nschedulerName: other"),
            podYAML(spec: "imagePullSecrets: [{name: reg}]\nserviceAccountName: sa\nautomountServiceAccountToken: false\nnodeName: node-1\nreadinessGates: [{conditionType: example.com/gate}]"),
            podYAML(spec: "topologySpreadConstraints: [{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: web}}}]",
                    container: "resizePolicy: [{resourceName: cpu, restartPolicy: NotRequired}]\nresources: {limits: {cpu: 0.5, memory: 1.5Gi}}"),
        ]
        for (i, text) in ([podYAML(), richPodYAML] + warned).enumerated() {
            // The manifest itself (accepted by Peapod, so it must be schema-valid).
            let src = dir.appendingPathComponent("manifest-\(i).yaml")
            try text.write(to: src, atomically: true, encoding: .utf8)
            files.append(src.path)
            // Our -o json output with a status.
            var pod = try loadPod(text)
            pod.metadata.uid = "0b6f0d7e-1111-2222-3333-444455556666"
            pod.metadata.creationTimestamp = Timestamp(seconds: 1_767_366_245)
            pod.metadata.resourceVersion = "1"
            pod.status = sampleStatus(for: pod)
            let out = dir.appendingPathComponent("pod-\(i).json")
            try pod.json().serialized(pretty: true).write(to: out, atomically: true, encoding: .utf8)
            files.append(out.path)
            let yaml = dir.appendingPathComponent("pod-\(i).yaml")
            try pod.json().yamlText().write(to: yaml, atomically: true, encoding: .utf8)
            files.append(yaml.path)
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = ["--strict", "--no-warn"] + files
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "kubernetes-validate failed:\n\(output)")
    }
}
