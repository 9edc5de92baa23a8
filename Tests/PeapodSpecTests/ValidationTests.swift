import Testing
@testable import PeapodSpec

let labelRegexMsg = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
let subdomainRegexMsg = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"

/// Validation errors of a manifest as their kubectl lines.
func errorLines(_ text: String) -> [String] {
    guard let e = loadError(text) else { return [] }
    return e.fieldErrors.map(\.description)
}

@Suite struct ValidationTests {
    @Test func kubectlStyleMessages() {
        let one = loadError("""
        apiVersion: v1
        kind: Pod
        metadata: {name: web}
        spec:
          containers: [{name: "", image: busybox}]
        """)
        #expect(one?.description == "The Pod \"web\" is invalid: spec.containers[0].name: Required value")
        let two = loadError("""
        apiVersion: v1
        kind: Pod
        metadata: {name: web}
        spec:
          volumes: [{name: data, emptyDir: {}}, {name: data, emptyDir: {}}]
          containers: [{name: app}]
        """)
        #expect(two?.description == """
        The Pod "web" is invalid: \n* spec.volumes[1].name: Duplicate value: "data"
        * spec.containers[0].image: Required value
        """)
        #expect(two?.fieldErrors.map { $0.kind } == [.duplicate, .required])
        #expect(two?.fieldErrors.first?.value == .string("data"))
    }

    static let twoContainers = """
    apiVersion: v1
    kind: Pod
    metadata: {name: web}
    spec:
      containers:
      - {name: app, image: busybox}
      - {name: NAME, image: busybox}
    """

    @Test(arguments: [
        // metadata
        (podYAML(name: "\"\""), ["metadata.name: Required value: name or generateName is required"]),
        (podYAML(name: "Web_1"), ["metadata.name: Invalid value: \"Web_1\": " + subdomainRegexMsg]),
        (podYAML(name: String(repeating: "a", count: 254)),
         ["metadata.name: Invalid value: \"\(String(repeating: "a", count: 254))\": must be no more than 253 characters"]),
        (podYAML(metadata: "namespace: Team.A"), ["metadata.namespace: Invalid value: \"Team.A\": " + labelRegexMsg]),
        (podYAML(metadata: "namespace: team.a"), ["metadata.namespace: Invalid value: \"team.a\": must not contain dots"]),
        (podYAML(metadata: "labels: {\"-bad\": ok}"),
         ["metadata.labels: Invalid value: \"-bad\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"]),
        (podYAML(metadata: "labels: {\"a/b/c\": ok}"),
         ["metadata.labels: Invalid value: \"a/b/c\": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]),
        (podYAML(metadata: "labels: {\"/x\": ok}"), ["metadata.labels: Invalid value: \"/x\": prefix part must be non-empty"]),
        (podYAML(metadata: "labels: {app: \"bad value\"}"),
         ["metadata.labels: Invalid value: \"bad value\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"]),
        (podYAML(metadata: "annotations: {\"Example.com/Key\": x}"), []),
        (podYAML(metadata: "annotations: {big: \"\(String(repeating: "x", count: 262_142))\"}"),
         ["metadata.annotations: Too long: may not be more than 262144 bytes"]),
        // containers
        ("apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {}\n", ["spec.containers: Required value"]),
        (twoContainers.replacing("NAME", with: "App"), ["spec.containers[1].name: Invalid value: \"App\": " + labelRegexMsg]),
        (twoContainers.replacing("NAME", with: "app"), ["spec.containers[1].name: Duplicate value: \"app\""]),
        (podYAML(spec: "initContainers: [{name: app, image: b}]"), ["spec.initContainers[0].name: Duplicate value: \"app\""]),
        (podYAML(container: "restartPolicy: Always"), ["spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers"]),
        (podYAML(spec: "initContainers: [{name: i, image: b, restartPolicy: Never}]"),
         ["spec.initContainers[0].restartPolicy: Unsupported value: \"Never\": supported values: \"Always\""]),
        (podYAML(spec: "initContainers: [{name: i, image: b, livenessProbe: {exec: {command: [x]}}}]"),
         ["spec.initContainers[0].livenessProbe: Forbidden: may not be set for init containers without restartPolicy=Always"]),
        (podYAML(container: "image: \" busybox\"").replacing("    image: busybox:1.36\n", with: ""),
         ["spec.containers[0].image: Invalid value: \" busybox\": must not have leading or trailing whitespace"]),
        (podYAML(container: "terminationMessagePolicy: Sometimes"),
         ["spec.containers[0].terminationMessagePolicy: Unsupported value: \"Sometimes\": supported values: \"File\", \"FallbackToLogsOnError\""]),
        (podYAML(container: "imagePullPolicy: Sometimes"),
         ["spec.containers[0].imagePullPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"IfNotPresent\", \"Never\""]),
        // ports
        (podYAML(container: "ports: [{containerPort: 0}]"), ["spec.containers[0].ports[0].containerPort: Required value"]),
        (podYAML(container: "ports: [{containerPort: 70000}]"),
         ["spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive"]),
        (podYAML(container: "ports: [{containerPort: 80, protocol: ICMP}]"),
         ["spec.containers[0].ports[0].protocol: Unsupported value: \"ICMP\": supported values: \"SCTP\", \"TCP\", \"UDP\""]),
        (podYAML(container: "ports: [{containerPort: 80, name: http}, {containerPort: 81, name: http}]"),
         ["spec.containers[0].ports[1].name: Duplicate value: \"http\""]),
        (podYAML(container: "ports: [{containerPort: 80, name: HTTP}]"),
         ["spec.containers[0].ports[0].name: Invalid value: \"HTTP\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
          "spec.containers[0].ports[0].name: Invalid value: \"HTTP\": must contain at least one letter (a-z)"]),
        (podYAML(container: "ports: [{containerPort: 80, name: a-very-long-port-name}]"),
         ["spec.containers[0].ports[0].name: Invalid value: \"a-very-long-port-name\": must be no more than 15 characters"]),
        // volumes and mounts
        (podYAML(spec: "volumes: [{name: Data, emptyDir: {}}]"), ["spec.volumes[0].name: Invalid value: \"Data\": " + labelRegexMsg]),
        (podYAML(spec: "volumes: [{name: \"\", emptyDir: {}}]"), ["spec.volumes[0].name: Required value"]),
        (podYAML(spec: "volumes: [{name: v, emptyDir: {}, hostPath: {path: /x}}]"),
         ["spec.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type"]),
        (podYAML(spec: "volumes: [{name: v, hostPath: {path: \"\"}}]"), ["spec.volumes[0].hostPath.path: Required value"]),
        (podYAML(spec: "volumes: [{name: v, hostPath: {path: /a/../b}}]"),
         ["spec.volumes[0].hostPath.path: Invalid value: \"/a/../b\": must not contain '..'"]),
        (podYAML(spec: "volumes: [{name: v, hostPath: {path: /x, type: Dir}}]"),
         ["spec.volumes[0].hostPath.type: Unsupported value: \"Dir\": supported values: \"\", \"BlockDevice\", \"CharDevice\", \"Directory\", \"DirectoryOrCreate\", \"File\", \"FileOrCreate\", \"Socket\""]),
        (podYAML(spec: "volumes: [{name: v, emptyDir: {sizeLimit: -1Mi}}]"),
         ["spec.volumes[0].emptyDir.sizeLimit: Forbidden: SizeLimit field must be a valid resource quantity"]),
        (podYAML(spec: "volumes: [{name: v, downwardAPI: {defaultMode: 1000, items: [{path: /abs, fieldRef: {fieldPath: spec.nodeName}}]}}]"),
         ["spec.volumes[0].downwardAPI.defaultMode: Invalid value: 1000: must be a number between 0 and 0777 (octal), both inclusive",
          "spec.volumes[0].downwardAPI.path: Invalid value: \"/abs\": must be a relative path",
          "spec.volumes[0].downwardAPI.fieldRef.fieldPath: Unsupported value: \"spec.nodeName\": supported values: \"metadata.annotations\", \"metadata.labels\", \"metadata.name\", \"metadata.namespace\", \"metadata.uid\""]),
        (podYAML(container: "volumeMounts: [{name: nope, mountPath: /x}]"), ["spec.containers[0].volumeMounts[0].name: Not found: \"nope\""]),
        (podYAML(spec: "volumes: [{name: v, emptyDir: {}}]", container: "volumeMounts: [{name: v, mountPath: /x}, {name: v, mountPath: /x}]"),
         ["spec.containers[0].volumeMounts[1].mountPath: Invalid value: \"/x\": must be unique"]),
        (podYAML(spec: "volumes: [{name: v, emptyDir: {}}]", container: "volumeMounts: [{name: v, mountPath: \"\"}]"),
         ["spec.containers[0].volumeMounts[0].mountPath: Required value"]),
        (podYAML(spec: "volumes: [{name: v, emptyDir: {}}]", container: "volumeMounts: [{name: v, mountPath: /x, subPath: ../etc}]"),
         ["spec.containers[0].volumeMounts.subPath: Invalid value: \"../etc\": must not contain '..'"]),
        (podYAML(spec: "volumes: [{name: v, emptyDir: {}}]", container: "volumeMounts: [{name: v, mountPath: /x, subPath: /etc}]"),
         ["spec.containers[0].volumeMounts.subPath: Invalid value: \"/etc\": must be a relative path"]),
        (podYAML(spec: "volumes: [{name: v, emptyDir: {}}]", container: "volumeMounts: [{name: v, mountPath: /x, mountPropagation: Sideways}]"),
         ["spec.containers[0].volumeMounts.mountPropagation: Unsupported value: \"Sideways\": supported values: \"Bidirectional\", \"HostToContainer\", \"None\""]),
        // pod fields
        (podYAML(spec: "restartPolicy: Sometimes"),
         ["spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\""]),
        (podYAML(spec: "dnsPolicy: Local"),
         ["spec.dnsPolicy: Unsupported value: \"Local\": supported values: \"ClusterFirstWithHostNet\", \"ClusterFirst\", \"Default\", \"None\""]),
        (podYAML(spec: "dnsPolicy: None"), ["spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None"]),
        (podYAML(spec: "dnsConfig: {nameservers: [1.1.1.1, 2.2.2.2, 3.3.3.3, 4.4.4.4]}"),
         ["spec.dnsConfig.nameservers: Invalid value: [\"1.1.1.1\",\"2.2.2.2\",\"3.3.3.3\",\"4.4.4.4\"]: must not have more than 3 nameservers"]),
        (podYAML(spec: "activeDeadlineSeconds: 0"), ["spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive"]),
        (podYAML(spec: "hostname: My_Host"), ["spec.hostname: Invalid value: \"My_Host\": " + labelRegexMsg]),
        (podYAML(spec: "subdomain: a.b"), ["spec.subdomain: Invalid value: \"a.b\": must not contain dots"]),
        (podYAML(spec: "hostAliases: [{ip: 300.1.1.1, hostnames: [ok]}]"),
         ["spec.hostAliases[0].ip: Invalid value: \"300.1.1.1\": must be valid IP address"]),
        // hostUsers: false goes with no namespace of the host (validateHostUsers)
        (podYAML(spec: "hostUsers: false"), []),
        (podYAML(spec: "hostUsers: false\nhostNetwork: true"),
         ["spec.hostNetwork: Forbidden: when `pod.Spec.HostUsers` is false"]),
        (podYAML(spec: "hostUsers: false\nhostPID: true\nhostIPC: true"),
         ["spec.HostPID: Forbidden: when `pod.Spec.HostUsers` is false", "spec.HostIPC: Forbidden: when `pod.Spec.HostUsers` is false"]),
        (podYAML(spec: "hostUsers: true\nhostPID: true"), []),
        (podYAML(container: "securityContext: {procMount: Unmasked}"),
         ["spec.containers[0].securityContext.procMount: Invalid value: \"Unmasked\": `hostUsers` must be false to use `Unmasked`"]),
        (podYAML(spec: "hostUsers: false", container: "securityContext: {procMount: Unmasked}"), []),
        // env
        (podYAML(container: "env: [{name: \"A=B\", value: x}]"),
         ["spec.containers[0].env[0].name: Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='"]),
        (podYAML(container: "env: [{name: \"\", value: x}]"), ["spec.containers[0].env[0].name: Required value"]),
        (podYAML(container: "env: [{name: \"1.weird-name\", value: x}]"), []),
        (podYAML(container: "env: [{name: A, valueFrom: {fieldRef: {fieldPath: spec.restartPolicy}}}]"),
         ["spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Unsupported value: \"spec.restartPolicy\": supported values: \"metadata.name\", \"metadata.namespace\", \"metadata.uid\", \"spec.nodeName\", \"spec.serviceAccountName\", \"status.hostIP\", \"status.hostIPs\", \"status.podIP\", \"status.podIPs\""]),
        (podYAML(container: "env: [{name: A, valueFrom: {fieldRef: {fieldPath: spec.bogus}}}]"),
         ["spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Invalid value: \"spec.bogus\": error converting fieldPath: field label not supported: spec.bogus"]),
        (podYAML(container: "env: [{name: A, valueFrom: {fieldRef: {fieldPath: \"metadata.labels['app']\"}}}]"), []),
        (podYAML(container: "env: [{name: A, value: x, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]"),
         ["spec.containers[0].env[0].valueFrom: Invalid value: \"\": may not be specified when `value` is not empty"]),
        (podYAML(container: "env: [{name: A, valueFrom: {}}]"),
         ["spec.containers[0].env[0].valueFrom: Invalid value: \"\": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"]),
        // resources
        (podYAML(container: "resources: {limits: {cpu: 500m}, requests: {cpu: \"1\"}}"),
         ["spec.containers[0].resources.requests: Invalid value: \"1\": must be less than or equal to cpu limit of 500m"]),
        (podYAML(container: "resources: {requests: {cpu: -1}}"),
         ["spec.containers[0].resources.requests[cpu]: Invalid value: \"-1\": must be greater than or equal to 0"]),
        (podYAML(container: "resources: {limits: {gpu: 1}}"),
         ["spec.containers[0].resources.limits[gpu]: Invalid value: \"gpu\": must be a standard resource for containers",
          "spec.containers[0].resources.requests[gpu]: Invalid value: \"gpu\": must be a standard resource for containers"]),
        (podYAML(container: "resources: {requests: {example.com/dongle: 1}}"),
         ["spec.containers[0].resources.limits: Required value: Limit must be set for non overcommitable resources"]),
        // probes and lifecycle
        (podYAML(container: "livenessProbe: {periodSeconds: 5}"),
         ["spec.containers[0].livenessProbe: Required value: must specify a handler type"]),
        (podYAML(container: "livenessProbe: {exec: {command: [x]}, tcpSocket: {port: 80}}"),
         ["spec.containers[0].livenessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type"]),
        (podYAML(container: "livenessProbe: {exec: {command: [x]}, successThreshold: 2}"),
         ["spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1"]),
        (podYAML(container: "startupProbe: {exec: {command: [x]}, periodSeconds: -1}"),
         ["spec.containers[0].startupProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0"]),
        (podYAML(container: "readinessProbe: {exec: {command: []}}"), ["spec.containers[0].readinessProbe.exec.command: Required value"]),
        (podYAML(container: "readinessProbe: {httpGet: {port: 0}}"),
         ["spec.containers[0].readinessProbe.httpGet.port: Invalid value: 0: must be between 1 and 65535, inclusive"]),
        (podYAML(container: "readinessProbe: {httpGet: {port: 80, scheme: FTP}}"),
         ["spec.containers[0].readinessProbe.httpGet.scheme: Unsupported value: \"FTP\": supported values: \"HTTP\", \"HTTPS\""]),
        (podYAML(container: "readinessProbe: {exec: {command: [x]}, terminationGracePeriodSeconds: 3}"),
         ["spec.containers[0].readinessProbe.terminationGracePeriodSeconds: Invalid value: 3: must not be set for readinessProbes"]),
        (podYAML(container: "lifecycle: {preStop: {}}"), ["spec.containers[0].lifecycle.preStop: Required value: must specify a handler type"]),
    ])
    func rules(text: String, expected: [String]) {
        #expect(errorLines(text) == expected)
    }

    @Test func validPodsHaveNoErrors() throws {
        #expect(Validation.validate(try loadPod(richPodYAML)).errors.isEmpty)
        #expect(Validation.validate(try loadPod(podYAML())).errors.isEmpty)
    }

    @Test func generateNameStandsInForName() throws {
        let text = podYAML(name: "\"\"", metadata: "generateName: web-")
        let pod = try loadPod(text)
        #expect(pod.metadata.generateName == "web-")
        #expect(errorLines(podYAML(name: "\"\"", metadata: "generateName: Web-")).count == 1)
    }

    @Test(arguments: [
        (podYAML(container: "ports: [{containerPort: 80}, {containerPort: 80}]"),
         ["spec.containers[0].ports[1]: duplicate port definition with spec.containers[0].ports[0]"]),
        (podYAML(spec: "terminationGracePeriodSeconds: -5"),
         ["spec.terminationGracePeriodSeconds: must be >= 0; negative values are invalid and will be treated as 1"]),
        (podYAML(container: "resources: {limits: {memory: 1500m}}"),
         ["spec.containers[0].resources.limits[memory]: fractional byte value \"1500m\" is invalid, must be an integer",
          "spec.containers[0].resources.requests[memory]: fractional byte value \"1500m\" is invalid, must be an integer"]),
        (podYAML(container: "env: [{name: A, value: x}, {name: A, value: z}]"),
         ["spec.containers[0].env[1]: hides previous definition of \"A\", which may be dropped when using apply"]),
        (podYAML(spec: "hostAliases: [{ip: 10.0.0.1, hostnames: [a]}, {ip: 10.0.0.1, hostnames: [b]}]"),
         ["spec.hostAliases[1].ip: duplicate ip \"10.0.0.1\""]),
        (podYAML(metadata: "annotations: {scheduler.alpha.kubernetes.io/critical-pod: \"\"}"),
         ["metadata.annotations[scheduler.alpha.kubernetes.io/critical-pod]: non-functional in v1.16+; use the \"priorityClassName\" field instead"]),
    ])
    func warningsWhereTheAPIServerOnlyWarns(text: String, expected: [String]) throws {
        let m = try loadWithoutPolicy(text)
        #expect(m.warnings == expected)
    }

    @Test func negativeGracePeriodIsReplacedByOne() throws {
        #expect(try loadPod(podYAML(spec: "terminationGracePeriodSeconds: -5")).spec.terminationGracePeriodSeconds == 1)
    }
}
