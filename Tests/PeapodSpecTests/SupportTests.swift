import Testing
import PeapodManifest
@testable import PeapodSpec

@Suite struct SupportTests {
    @Test(arguments: [
        ("nodeSelector: {disk: ssd}", "spec.nodeSelector: ignored on a single host"),
        ("affinity: {nodeAffinity: {}}", "spec.affinity: ignored on a single host"),
        ("tolerations: [{key: k, operator: Exists}]", "spec.tolerations: ignored on a single host"),
        ("schedulerName: my-scheduler", "spec.schedulerName: ignored on a single host (there is no scheduler)"),
        ("priorityClassName: high", "spec.priorityClassName: ignored on a single host"),
        ("priority: 5", "spec.priority: ignored on a single host"),
        ("preemptionPolicy: Never", "spec.preemptionPolicy: ignored on a single host"),
        ("topologySpreadConstraints: [{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule, labelSelector: {}}]",
         "spec.topologySpreadConstraints: ignored on a single host"),
        ("nodeName: node-1", "spec.nodeName: ignored on a single host"),
        ("imagePullSecrets: [{name: reg}]", "spec.imagePullSecrets: ignored: images are local, there is no registry"),
        ("serviceAccountName: sa", "spec.serviceAccountName: ignored: peapod has no API server (no service account token is mounted)"),
        ("automountServiceAccountToken: false",
         "spec.automountServiceAccountToken: ignored: peapod has no API server (no service account token is mounted)"),
        ("readinessGates: [{conditionType: example.com/gate}]",
         "spec.readinessGates: ignored: nothing sets these conditions on a single host; Ready follows the containers"),
    ])
    func warnedFields(spec: String, warning: String) throws {
        let m = try Manifest.load(podYAML(spec: spec))
        #expect(m.warnings == [warning])
    }

    @Test(arguments: [
        ("runtimeClassName: gvisor", "", "spec.runtimeClassName: not supported: peapod has a single runtime"),
        ("os: {name: linux}", "", "spec.os: not supported yet"),
        ("setHostnameAsFQDN: true", "", "spec.setHostnameAsFQDN: not supported yet"),
        ("overhead: {cpu: 100m}", "", "spec.overhead: not supported yet"),
        ("schedulingGates: [{name: example.com/g}]", "", "spec.schedulingGates: not supported yet"),
        ("volumes: [{name: a, emptyDir: {}}, {name: b, emptyDir: {}}, {name: c, configMap: {name: cm}}]", "",
         "spec.volumes[2].configMap: not supported yet"),
        ("volumes: [{name: s, secret: {secretName: s}}]", "", "spec.volumes[0].secret: not supported yet"),
        ("volumes: [{name: p, persistentVolumeClaim: {claimName: c}}]", "", "spec.volumes[0].persistentVolumeClaim: not supported yet"),
        ("volumes: [{name: h, emptyDir: {medium: HugePages}}]", "",
         "spec.volumes[0].emptyDir.medium: medium \"HugePages\" is not supported yet: supported values: \"\", \"Memory\""),
        ("", "envFrom: [{configMapRef: {name: cm}}]", "spec.containers[0].envFrom: not supported yet"),
        ("", "env: [{name: A, valueFrom: {secretKeyRef: {name: s, key: k}}}]", "spec.containers[0].env[0].valueFrom.secretKeyRef: not supported yet"),
        ("", "env: [{name: A, valueFrom: {configMapKeyRef: {name: s, key: k}}}]", "spec.containers[0].env[0].valueFrom.configMapKeyRef: not supported yet"),
        ("", "env: [{name: A, valueFrom: {resourceFieldRef: {resource: limits.cpu}}}]",
         "spec.containers[0].env[0].valueFrom.resourceFieldRef: not supported yet"),
        ("securityContext: {appArmorProfile: {type: RuntimeDefault}}", "",
         "spec.securityContext.appArmorProfile: not supported: peapod does not load AppArmor profiles (only type Unconfined)"),
        ("", "securityContext: {appArmorProfile: {type: Localhost, localhostProfile: p}}",
         "spec.containers[0].securityContext.appArmorProfile: not supported: peapod does not load AppArmor profiles (only type Unconfined)"),
        ("volumes: [{name: v, emptyDir: {}}]", "volumeMounts: [{name: v, mountPath: /v, subPathExpr: $(POD)}]",
         "spec.containers[0].volumeMounts[0].subPathExpr: not supported yet"),
        ("volumes: [{name: v, emptyDir: {}}]", "volumeMounts: [{name: v, mountPath: /v, mountPropagation: HostToContainer}]",
         "spec.containers[0].volumeMounts[0].mountPropagation: not supported yet"),
        ("", "readinessProbe: {grpc: {port: 9000}}", "spec.containers[0].readinessProbe.grpc: not supported"),
        ("", "startupProbe: {httpGet: {port: 80, host: example.com}}", "spec.containers[0].startupProbe.httpGet.host: not supported: a probe connects to the pod's own address, its loopback, on a single host"),
        ("", "livenessProbe: {tcpSocket: {port: 80, host: 10.0.0.1}}", "spec.containers[0].livenessProbe.tcpSocket.host: not supported: a probe connects to the pod's own address, its loopback, on a single host"),
        ("", "livenessProbe: {httpGet: {port: 443, scheme: HTTPS}}", "spec.containers[0].livenessProbe.httpGet.scheme: not supported yet: only HTTP"),
        ("", "lifecycle: {preStop: {httpGet: {port: 80}}}", "spec.containers[0].lifecycle.preStop.httpGet: not supported yet"),
        ("", "lifecycle: {postStart: {tcpSocket: {port: 80}}}", "spec.containers[0].lifecycle.postStart.tcpSocket: not supported yet"),
        ("", "lifecycle: {preStop: {sleep: {seconds: 1}}}", "spec.containers[0].lifecycle.preStop.sleep: not supported yet"),
    ])
    func refusedFields(spec: String, container: String, message: String) {
        let e = loadError(podYAML(spec: spec, container: container))
        #expect(e?.fieldErrors.map(\.description) == [message])
        #expect(e?.fieldErrors.first?.kind == .unsupportedByPeapod)
        #expect(e?.description == "The Pod \"web\" is invalid: " + message)
    }

    @Test(arguments: [
        ("securityContext: {seLinuxOptions: {level: \"s0:c1\"}}", "", ["spec.securityContext.seLinuxOptions: ignored: this host does not enforce SELinux"]),
        ("", "securityContext: {windowsOptions: {runAsUserName: u}}",
         ["spec.containers[0].securityContext.windowsOptions: ignored: Windows options mean nothing on Linux"]),
    ])
    func warnedSecurityFields(spec: String, container: String, warnings: [String]) throws {
        let m = try Manifest.load(podYAML(spec: spec, container: container))
        #expect(m.warnings == warnings)
    }

    @Test func securityContextsAreSupported() throws {
        let m = try Manifest.load(podYAML(
            spec: """
                hostNetwork: true
                hostPID: true
                hostIPC: true
                securityContext: {runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true, fsGroup: 2000, supplementalGroups: [3000], fsGroupChangePolicy: OnRootMismatch, sysctls: [{name: kernel.shm_rmid_forced, value: "1"}], seccompProfile: {type: RuntimeDefault}, appArmorProfile: {type: Unconfined}}
                """,
            container: """
                ports: [{containerPort: 8080}]
                securityContext: {capabilities: {add: [NET_ADMIN], drop: [ALL]}, privileged: false, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, procMount: Default, seccompProfile: {type: Unconfined}}
                """))
        #expect(m.warnings.isEmpty)
        #expect(Support.check(m.pods[0]).errors.isEmpty)
        #expect(m.pods[0].spec.containers[0].ports[0].hostPort == 8080)
    }

    @Test func execHooksAndDeadlineAreSupported() throws {
        let m = try Manifest.load(podYAML(
            spec: "activeDeadlineSeconds: 30",
            container: "lifecycle: {postStart: {exec: {command: [\"true\"]}}, preStop: {exec: {command: [\"true\"]}}}"))
        #expect(m.warnings.isEmpty)
        #expect(Support.check(m.pods[0]).errors.isEmpty)
    }

    @Test func supportedFieldsPassSilently() throws {
        let m = try Manifest.load(podYAML(spec: "dnsConfig: {nameservers: [127.0.0.1]}\nhostAliases: [{ip: 127.0.0.1, hostnames: [db.local]}]"))
        #expect(m.warnings.isEmpty)
        let p = m.pods[0]
        #expect(Support.check(p).errors.isEmpty)
        #expect(p.spec.dnsConfig?.nameservers == ["127.0.0.1"])
        #expect(p.spec.hostAliases.first?.hostnames == ["db.local"])
    }

    @Test func resizePolicyIsAWarning() throws {
        let m = try Manifest.load(podYAML(container: "resizePolicy: [{resourceName: cpu, restartPolicy: NotRequired}]"))
        #expect(m.warnings == ["spec.containers[0].resizePolicy: ignored: resources are not resized in place"])
    }

    @Test func initContainersAreCheckedToo() {
        let e = loadError(podYAML(spec: "initContainers: [{name: i, image: b, envFrom: [{configMapRef: {name: cm}}]}]"))
        #expect(e?.fieldErrors.map(\.path) == ["spec.initContainers[0].envFrom"])
    }

    @Test func stdinAndTTYAreHonoured() throws {
        let m = try Manifest.load(podYAML(container: "stdin: true\nstdinOnce: true\ntty: true"))
        #expect(m.warnings.isEmpty)
        #expect(m.pods.first?.spec.containers.first?.tty == true)
    }
}
