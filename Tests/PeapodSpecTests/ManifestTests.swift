import Testing
@testable import PeapodManifest
@testable import PeapodSpec

@Suite struct ManifestTests {
    @Test func loadsMinimalPodWithDefaults() throws {
        let m = try loadWithoutPolicy(podYAML())
        #expect(m.pods.count == 1)
        #expect(m.warnings.isEmpty)
        let p = m.pods[0]
        #expect(p.metadata.name == "web")
        #expect(p.metadata.namespace == "default")
        #expect(p.spec.restartPolicy == "Always")
        #expect(p.spec.terminationGracePeriodSeconds == 30)
        #expect(p.spec.dnsPolicy == "ClusterFirst")
        #expect(p.spec.schedulerName == "default-scheduler")
        #expect(p.spec.securityContext == PodSecurityContext())
        #expect(p.spec.enableServiceLinks == true)
        let c = p.spec.containers[0]
        #expect(c.terminationMessagePath == "/dev/termination-log")
        #expect(c.terminationMessagePolicy == "File")
        #expect(c.imagePullPolicy == "IfNotPresent")
        #expect(c.resources == ResourceRequirements())
    }

    @Test func flowStyleCommentsAndJSON() throws {
        let flow = """
        # a comment
        {apiVersion: v1, kind: Pod, metadata: {name: flow}, # trailing
         spec: {containers: [{name: c, image: busybox, command: [sleep, "10"]}]}}
        """
        #expect(try loadPod(flow).spec.containers[0].command == ["sleep", "10"])
        let json = #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"j"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}"#
        #expect(try loadPod(json).metadata.name == "j")
        let jsonStream = json + "\n" + json.replacingAll("j", with: "k")
        #expect(try loadWithoutPolicy(jsonStream).pods.count == 2)
    }

    @Test func multiDocumentSkipsEmptyDocuments() throws {
        let text = "---\n" + podYAML(name: "a") + "\n---\n# only a comment\n---\n~\n---\n" + podYAML(name: "b") + "\n...\n"
        let m = try loadWithoutPolicy(text)
        #expect(m.pods.map(\.metadata.name) == ["a", "b"])
    }

    @Test func listAndPodList() throws {
        let list = """
        apiVersion: v1
        kind: List
        items:
        - apiVersion: v1
          kind: Pod
          metadata: {name: one}
          spec: {containers: [{name: c, image: busybox}]}
        - apiVersion: v1
          kind: Pod
          metadata: {name: two}
          spec: {containers: [{name: c, image: busybox}]}
        """
        #expect(try loadWithoutPolicy(list).pods.map(\.metadata.name) == ["one", "two"])
        let podList = "kind: PodList\n" + list.split(separator: "\n").dropFirst(2).joined(separator: "\n") + "\napiVersion: v1"
        #expect(try loadWithoutPolicy(podList).pods.count == 2)
    }

    @Test func anchorsAliasesAndMergeKeys() throws {
        let text = """
        apiVersion: v1
        kind: Pod
        metadata: {name: anchors}
        spec:
          containers:
          - &base
            name: a
            image: busybox
            env: &env [{name: X, value: "1"}]
          - <<: *base
            name: b
            env: *env
        """
        let p = try loadPod(text)
        #expect(p.spec.containers.map(\.name) == ["a", "b"])
        #expect(p.spec.containers[1].image == "busybox")
        #expect(p.spec.containers[1].env == [EnvVar(name: "X", value: "1")])
    }

    @Test func otherKindsAreRefusedByDocument() {
        let text = podYAML(name: "a") + "\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n"
        let e = loadError(text)
        #expect(e?.description == "document 2: kind \"Deployment\" is not supported: peapod runs Pods (apiVersion v1, kind Pod)")
        #expect(e?.stage == .kind)
        #expect(loadError("apiVersion: v2\nkind: Pod\nmetadata: {name: x}\n")?.description
                == "document 1: apiVersion \"v2\" is not supported for kind \"Pod\": peapod runs Pods (apiVersion v1, kind Pod)")
        #expect(loadError("metadata: {name: x}\n")?.description
                == "document 1: error validating data: [apiVersion not set, kind not set]: peapod runs Pods (apiVersion v1, kind Pod)")
        #expect(loadError("- a\n- b\n")?.description == "document 1: expected an object (a Pod or a List), found array")
    }

    @Test func emptyManifestIsAnError() {
        #expect(loadError("")?.stage == .empty)
        #expect(loadError("---\n# nothing\n")?.stage == .empty)
    }

    @Test func yamlSyntaxErrorsCarryDocumentLineAndColumn() {
        let text = podYAML(name: "a") + "\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: b\n   bad: [\n"
        let e = loadError(text)
        guard case .syntax(let line, let column)? = e?.stage else {
            Issue.record("expected a syntax error, got \(String(describing: e))")
            return
        }
        #expect(line != nil && column != nil)
        #expect(e!.description.hasPrefix("document 2: error parsing YAML: yaml: line "), "\(e!.description)")
        let j = loadError("{\"apiVersion\": \"v1\",\n \"kind\": Pod}")
        #expect(j?.description == "error parsing JSON: JSON syntax error at line 2, column 10: unexpected 'P', expected a value")
    }

    @Test func duplicateYAMLKeysAreErrors() {
        let e = loadError("apiVersion: v1\nkind: Pod\nkind: Pod\n")
        #expect(e?.description.contains("\"kind\" already defined") == true, "\(String(describing: e))")
    }

    @Test func scalarResolutionMatchesSigsK8sYAML() throws {
        // Quoted "80" stays a string: a type error for containerPort.
        let quoted = loadError(podYAML(container: "ports: [{containerPort: \"80\"}]"))
        #expect(quoted?.description == #"document 1: Pod in version "v1" cannot be handled as a Pod: spec.containers[0].ports[0].containerPort: Invalid type: expected integer (int32), got string "80""#)
        // YAML 1.1 booleans: an unquoted yes/on in a string field is a type error, as with kubectl.
        let yes = loadError(podYAML(container: "env: [{name: A, value: yes}]"))
        #expect(yes?.fieldErrors == [FieldError(.typeMismatch, "spec.containers[0].env[0].value", value: .bool(true), detail: "string")])
        // Integral floats are integers; octal and hex integers resolve as in go-yaml v2.
        let p = try loadPod(podYAML(spec: "terminationGracePeriodSeconds: 0x10\nactiveDeadlineSeconds: 1.0", container: "ports: [{containerPort: 0o17}]"))
        #expect(p.spec.terminationGracePeriodSeconds == 16)
        #expect(p.spec.activeDeadlineSeconds == 1)
        #expect(p.spec.containers[0].ports[0].containerPort == 15)
        // Explicit !!str tags and quoted values stay strings.
        let s = try loadPod(podYAML(container: "env: [{name: A, value: !!str 123}, {name: B, value: 'on'}]"))
        #expect(s.spec.containers[0].env.map(\.value) == ["123", "on"])
    }

    @Test(arguments: [
        ("spec:\n  containers:\n  - name: a\n    imagee: x\n", ["spec.containers[0].imagee"]),
        ("spec:\n  containers: [{name: a, image: b, volumeMounts: [{name: v, mountPath: /v, readonly: true}]}]\n",
         ["spec.containers[0].volumeMounts[0].readonly"]),
        ("spec:\n  containers: [{name: a, image: b}]\n  volumes: [{name: v, emptyDir: {size: 1}}]\n", ["spec.volumes[0].emptyDir.size"]),
        ("spec:\n  containers: [{name: a, image: b, livenessProbe: {httpGet: {port: 80, header: x}}}]\n",
         ["spec.containers[0].livenessProbe.httpGet.header"]),
        ("spec:\n  container: []\n", ["spec.container"]),
        ("metadata2: {}\nspec: {containers: [{name: a, image: b}]}\n", ["metadata2"]),
        ("spec:\n  containers: [{name: a, image: b, securityContext: {capabilities: {add: [X], remove: [Y]}}}]\n",
         ["spec.containers[0].securityContext.capabilities.remove"]),
        ("status: {phase: Running, foo: 1}\nspec: {containers: [{name: a, image: b}]}\n", ["status.foo"]),
    ])
    func unknownFieldsNameTheirPath(body: String, paths: [String]) {
        let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n" + body
        let e = loadError(text)
        #expect(e?.stage == .decoding)
        #expect(e?.fieldErrors.map(\.path) == paths)
        #expect(e?.fieldErrors.allSatisfy { $0.kind == .unknownField } == true)
        if let first = paths.first {
            #expect(e?.description == "document 1: Pod in version \"v1\" cannot be handled as a Pod: strict decoding error: unknown field \"\(first)\"")
        }
    }

    @Test(arguments: [
        ("containers: {name: a}", "spec.containers", "array", "object"),
        ("containers: [{name: a, image: b, command: sh}]", "spec.containers[0].command", "array", "string"),
        ("containers: [{name: a, image: 5}]", "spec.containers[0].image", "string", "integer"),
        ("containers: [{name: a, image: b, stdin: \"true\"}]", "spec.containers[0].stdin", "boolean", "string"),
        ("containers: [{name: a, image: b, ports: [{containerPort: 99999999999}]}]", "spec.containers[0].ports[0].containerPort", "integer (int32)", "integer"),
        ("containers: [{name: a, image: b, ports: [{containerPort: 80.5}]}]", "spec.containers[0].ports[0].containerPort", "integer (int32)", "number"),
        ("containers: [{name: a, image: b}]\n  terminationGracePeriodSeconds: [1]", "spec.terminationGracePeriodSeconds", "integer (int64)", "array"),
        ("containers: [{name: a, image: b, livenessProbe: {tcpSocket: {port: true}}}]", "spec.containers[0].livenessProbe.tcpSocket.port", "integer or string", "boolean"),
        ("containers: [{name: a, image: b}]\n  nodeSelector: [a]", "spec.nodeSelector", "object", "array"),
    ])
    func typeErrorsNameThePathAndType(spec: String, path: String, expected: String, got: String) {
        let e = loadError("apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  " + spec + "\n")
        #expect(e?.stage == .decoding)
        #expect(e?.fieldErrors.first?.path == path)
        #expect(e?.fieldErrors.first?.detail == expected)
        #expect(e?.fieldErrors.first?.value?.typeName == got)
    }

    @Test func invalidQuantityIsADecodingError() {
        let e = loadError(podYAML(container: "resources: {limits: {cpu: 1x}}"))
        #expect(e?.description == "document 1: Pod in version \"v1\" cannot be handled as a Pod: spec.containers[0].resources.limits.cpu: Invalid value: \"1x\": " + Quantity.formatError)
    }

    @Test func numericQuantitiesAreAccepted() throws {
        let p = try loadPod(podYAML(container: "resources: {limits: {cpu: 0.5, memory: 1e6}}"))
        #expect(p.spec.containers[0].resources.limits["cpu"]?.milliValue == 500)
        #expect(p.spec.containers[0].resources.limits["memory"]?.value == 1_000_000)
    }

    @Test func severalPodsPrefixWarningsAndCollectAllErrors() throws {
        let m = try Manifest.load(podYAML(name: "a", spec: "nodeSelector: {disk: ssd}") + "\n---\n" + podYAML(name: "b"))
        #expect(m.warnings == ["pod/a: spec.nodeSelector: ignored on a single host"])
        #expect(m.warningsByPod == [["spec.nodeSelector: ignored on a single host"], []])
        let e = loadError(podYAML(name: "A") + "\n---\n" + podYAML(name: "b", container: "imagee: x"))
        #expect(e?.sections.count == 2)
        #expect(e?.sections.map(\.document) == [1, 2])
    }

    @Test func duplicatePodsInOneManifest() {
        let e = loadError(podYAML(name: "a") + "\n---\n" + podYAML(name: "a"))
        #expect(e?.description == "document 2: pod \"default/a\" is defined twice (first in document 1)")
    }

    @Test func kubectlRunDryRunOutputLoads() throws {
        let text = """
        apiVersion: v1
        kind: Pod
        metadata:
          creationTimestamp: null
          labels:
            run: web
          name: web
        spec:
          containers:
          - image: nginx
            name: web
            resources: {}
          dnsPolicy: ClusterFirst
          restartPolicy: Always
        status: {}
        """
        let m = try loadWithoutPolicy(text)
        #expect(m.warnings.isEmpty)
        #expect(m.pods[0].status == nil)
        #expect(m.pods[0].metadata.labels == ["run": "web"])
    }

    @Test func serverOwnedFieldsAreCleared() throws {
        let p = try loadPod(podYAML(metadata: "uid: abc\nresourceVersion: \"42\"\ncreationTimestamp: \"2026-01-02T15:04:05Z\"\ngeneration: 3"))
        #expect(p.metadata.uid.isEmpty && p.metadata.resourceVersion.isEmpty && p.metadata.generation == 0)
        #expect(p.metadata.creationTimestamp == nil)
    }

    @Test func richPodLoads() throws {
        let m = try loadWithoutPolicy(richPodYAML)
        #expect(m.warnings.isEmpty, "\(m.warnings)")
        let p = m.pods[0]
        #expect(p.spec.initContainers[1].isSidecar)
        #expect(p.spec.containers[1].imagePullPolicy == "IfNotPresent")
        #expect(p.spec.initContainers[0].imagePullPolicy == "Always")
    }
}
