import PeapodManifest
@testable import PeapodSpec

/// A small valid pod; `extra` lines are appended under `spec:` (indent 2), `container` lines under
/// the first container (indent 4).
func podYAML(name: String = "web", spec extra: String = "", container: String = "", metadata: String = "") -> String {
    """
    apiVersion: v1
    kind: Pod
    metadata:
      name: \(name)
    \(metadata.indented(2))
    spec:
      containers:
      - name: app
        image: busybox:1.36
    \(container.indented(4))
    \(extra.indented(2))
    """
}

extension String {
    func indented(_ n: Int) -> String {
        split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.isEmpty ? "" : String(repeating: " ", count: n) + $0 }
            .joined(separator: "\n")
    }
}

/// Loads and returns the error (or nil when the manifest loads).
func loadError(_ text: String) -> ManifestError? {
    do {
        _ = try Manifest.load(text)
        return nil
    } catch {
        return error
    }
}

/// The pod a single-pod manifest yields.
func loadPod(_ text: String) throws -> Pod {
    let m = try Manifest.load(text, checkSupport: false)
    return m.pods[0]
}

/// A pod exercising most supported fields.
let richPodYAML = """
apiVersion: v1
kind: Pod
metadata:
  name: rich
  namespace: team-a
  labels: {app: web, tier: "1"}
  annotations:
    note: "hello: world"
spec:
  restartPolicy: OnFailure
  terminationGracePeriodSeconds: 5
  activeDeadlineSeconds: 600
  hostname: box
  subdomain: sub
  shareProcessNamespace: true
  dnsPolicy: None
  dnsConfig:
    nameservers: [127.0.0.1]
    searches: [example.com]
    options: [{name: ndots, value: "2"}]
  hostAliases:
  - ip: 10.0.0.1
    hostnames: [db.local]
  volumes:
  - name: data
    emptyDir: {}
  - name: mem
    emptyDir: {medium: Memory, sizeLimit: 64Mi}
  - name: host
    hostPath: {path: /tmp, type: Directory}
  - name: info
    downwardAPI:
      items:
      - path: labels
        fieldRef: {fieldPath: metadata.labels}
  initContainers:
  - name: init
    image: busybox
    command: [sh, -c, "echo init"]
  - name: sidecar
    image: busybox
    restartPolicy: Always
    startupProbe:
      exec: {command: [/bin/true]}
  containers:
  - name: app
    image: docker.io/library/busybox:1.36
    command: [sh, -c]
    args: ["httpd -f -p 8080"]
    workingDir: /www
    ports:
    - {name: http, containerPort: 8080}
    env:
    - {name: A, value: "1"}
    - name: POD
      valueFrom: {fieldRef: {fieldPath: metadata.name}}
    resources:
      limits: {cpu: 500m, memory: 128Mi}
    volumeMounts:
    - {name: data, mountPath: /data}
    - {name: host, mountPath: /host, readOnly: true, subPath: sub/dir}
    - {name: info, mountPath: /etc/info}
    livenessProbe:
      httpGet: {port: http}
      initialDelaySeconds: 2
    readinessProbe:
      tcpSocket: {port: 8080}
    lifecycle:
      preStop:
        sleep: {seconds: 1}
      postStart:
        exec: {command: [sh, -c, "true"]}
    terminationMessagePolicy: FallbackToLogsOnError
  - name: client
    image: busybox@sha256:0000000000000000000000000000000000000000000000000000000000000000
    securityContext: {}
"""

/// Loads without Peapod's support policy: these tests are about decoding, defaulting and
/// validation as the API server does them.
func loadWithoutPolicy(_ text: String) throws(ManifestError) -> LoadedManifest {
    try Manifest.load(text, checkSupport: false)
}
