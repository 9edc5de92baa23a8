import Testing
@testable import PeapodSpec

@Suite struct DefaultsTests {
    @Test(arguments: [
        ("busybox", "Always"), ("busybox:latest", "Always"), ("busybox:1.36", "IfNotPresent"),
        ("registry:5000/busybox", "Always"), ("registry:5000/busybox:1", "IfNotPresent"),
        ("busybox@sha256:abc", "IfNotPresent"), ("busybox:latest@sha256:abc", "Always"),
    ])
    func imagePullPolicy(image: String, policy: String) throws {
        let p = try loadPod(podYAML(container: "image: \"\(image)\"").replacing("    image: busybox:1.36\n", with: ""))
        #expect(p.spec.containers[0].imagePullPolicy == policy)
    }

    @Test func explicitValuesAreKept() throws {
        let p = try loadPod(podYAML(spec: "restartPolicy: Never\nterminationGracePeriodSeconds: 0\nenableServiceLinks: false",
                                    container: "imagePullPolicy: Never\nterminationMessagePath: /tmp/msg"))
        #expect(p.spec.restartPolicy == "Never")
        #expect(p.spec.terminationGracePeriodSeconds == 0)
        #expect(p.spec.enableServiceLinks == false)
        #expect(p.spec.containers[0].imagePullPolicy == "Never")
        #expect(p.spec.containers[0].terminationMessagePath == "/tmp/msg")
    }

    @Test func containerLevelDefaults() throws {
        let p = try loadPod(podYAML(
            spec: "volumes:\n- {name: h, hostPath: {path: /tmp}}\n- {name: d, downwardAPI: {items: [{path: nm, fieldRef: {fieldPath: metadata.name}}]}}\n- {name: e}",
            container: """
            ports: [{containerPort: 80}]
            env: [{name: NM, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]
            resources: {limits: {cpu: "1", memory: 1Gi}, requests: {cpu: 100m}}
            livenessProbe: {httpGet: {port: 80}}
            readinessProbe: {exec: {command: [x]}, periodSeconds: 3}
            lifecycle: {preStop: {httpGet: {port: 80, path: /stop}}}
            """))
        let c = p.spec.containers[0]
        #expect(c.ports[0].protocol == "TCP")
        #expect(c.env[0].valueFrom?.fieldRef?.apiVersion == "v1")
        #expect(c.resources.requests["cpu"]?.original == "100m")
        #expect(c.resources.requests["memory"]?.original == "1Gi")
        let l = c.livenessProbe!
        #expect([l.timeoutSeconds, l.periodSeconds, l.successThreshold, l.failureThreshold] == [1, 10, 1, 3])
        #expect(l.httpGet?.path == "/")
        #expect(l.httpGet?.scheme == "HTTP")
        #expect(c.readinessProbe?.periodSeconds == 3)
        #expect(c.lifecycle?.preStop?.httpGet?.path == "/stop")
        #expect(c.lifecycle?.preStop?.httpGet?.scheme == "HTTP")
        #expect(p.spec.volumes[0].hostPath?.type == "")
        #expect(p.spec.volumes[1].downwardAPI?.defaultMode == 420)
        #expect(p.spec.volumes[1].downwardAPI?.items[0].fieldRef?.apiVersion == "v1")
        // A volume without a source becomes an emptyDir (SetDefaults_Volume).
        #expect(p.spec.volumes[2].emptyDir == EmptyDirVolumeSource())
    }

    @Test func initContainersGetRequestsFromLimitsToo() throws {
        let p = try loadPod(podYAML(spec: "initContainers: [{name: i, image: b, resources: {limits: {memory: 64Mi}}}]"))
        #expect(p.spec.initContainers[0].resources.requests["memory"]?.original == "64Mi")
        #expect(p.spec.initContainers[0].imagePullPolicy == "Always")
    }

    @Test func resourceValuesRoundUpToMilli() throws {
        let p = try loadPod(podYAML(container: "resources: {limits: {cpu: 0.0001}}"))
        #expect(p.spec.containers[0].resources.limits["cpu"]?.original == "1m")
    }

    @Test func defaultingIsIdempotent() throws {
        var p = try loadPod(richPodYAML)
        let before = p
        Defaults.apply(to: &p)
        #expect(p == before)
    }

    @Test func defaultsDoNotInventIdentity() throws {
        let p = try loadPod(podYAML())
        #expect(p.metadata.uid.isEmpty)
        #expect(p.metadata.creationTimestamp == nil)
        #expect(p.status == nil)
    }
}
