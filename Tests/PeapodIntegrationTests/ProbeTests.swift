// Probes with real pods, as root: exec probes run inside the container, tcpSocket and httpGet
// probes connect to the pod's loopback from inside its network namespace (busybox httpd serves).
// Periods of 1 s keep each test to a few seconds.

import Foundation
import Testing
import PeapodTestSupport

@Suite("Probes on real pods", .serialized, .requires(Environment.skipNote) { Environment.isRoot })
struct ProbeTests {
    func containerStatus(_ pod: [String: Any], _ name: String = "app") -> [String: Any]? {
        (value(pod, "status", "containerStatuses") as? [[String: Any]])?.first { $0["name"] as? String == name }
    }

    func condition(_ pod: [String: Any], _ type: String) -> String? {
        (value(pod, "status", "conditions") as? [[String: Any]])?.first { $0["type"] as? String == type }?["status"] as? String
    }

    /// Waits until `describe` shows `text` among the events.
    func waitForEvent(_ peapod: Peapod, _ pod: String, _ text: String, timeout: Double = 15) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var described = ""
        while Date() < deadline {
            described = try peapod.run(["describe", "pod", pod]).stdout
            if described.contains(text) { return described }
            usleep(100_000)
        }
        throw HarnessError("no event \"\(text)\" in \(timeout)s:\n\(described)")
    }

    @Test("Readiness (exec): Ready follows the probe, the container is never restarted")
    func readinessExec() throws {
        try withPeapod { peapod in
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: ready}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: app
                image: busybox
                command: [sh, -c, "trap 'exit 0' TERM; sleep 3600 & wait"]
                readinessProbe:
                  exec: {command: [test, -e, /tmp/ready]}
                  periodSeconds: 1
                  failureThreshold: 1
            """
            #expect(try peapod.apply(manifest).code == 0)
            var pod = try peapod.waitRunning("ready")
            #expect(containerStatus(pod)?["ready"] as? Bool == false)
            #expect(containerStatus(pod)?["started"] as? Bool == true)
            #expect(condition(pod, "Ready") == "False")
            #expect(try peapod.run(["get", "pods", "ready"]).stdout.contains("0/1"))
            let described = try waitForEvent(peapod, "ready", "Readiness probe failed")
            #expect(described.contains("Readiness:    exec [test -e /tmp/ready] delay=0s timeout=1s period=1s #success=1 #failure=1"),
                    "\(described)")

            #expect(try peapod.exec("ready", ["touch", "/tmp/ready"]).code == 0)
            #expect(try peapod.run(["wait", "pod/ready", "--for=condition=Ready", "--timeout", "10s"]).code == 0)
            pod = try peapod.waitFor("ready") { self.containerStatus($0)?["ready"] as? Bool == true }
            #expect(condition(pod, "ContainersReady") == "True")

            #expect(try peapod.exec("ready", ["rm", "/tmp/ready"]).code == 0)
            pod = try peapod.waitFor("ready", timeout: 10) { self.condition($0, "Ready") == "False" }
            #expect(containerStatus(pod)?["restartCount"] as? Int == 0)
            #expect(try peapod.run(["delete", "pod", "ready"]).code == 0)
        }
    }

    @Test("Liveness (exec): failures are Unhealthy events, then the container is killed and restarted")
    func livenessExec() throws {
        try withPeapod { peapod in
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: live}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: app
                image: busybox
                command: [sh, -c, "trap 'exit 0' TERM; touch /tmp/alive; sleep 3600 & wait"]
                livenessProbe:
                  exec: {command: [cat, /tmp/alive]}
                  periodSeconds: 1
                  failureThreshold: 2
            """
            #expect(try peapod.apply(manifest).code == 0)
            _ = try peapod.waitRunning("live")
            usleep(1_500_000)
            #expect(containerStatus(try peapod.waitRunning("live"))?["restartCount"] as? Int == 0)
            #expect(try peapod.exec("live", ["rm", "/tmp/alive"]).code == 0)
            let pod = try peapod.waitFor("live", timeout: 15) {
                (self.containerStatus($0)?["restartCount"] as? Int ?? 0) >= 1 && value(self.containerStatus($0), "state", "running") != nil
            }
            // SIGTERM made it exit 0: the kubelet still restarts it, and says why.
            #expect(value(containerStatus(pod), "lastState", "terminated", "exitCode") as? Int == 0)
            let described = try waitForEvent(peapod, "live", "Container app failed liveness probe, will be restarted")
            #expect(described.contains("Liveness probe failed: cat: can't open '/tmp/alive': No such file or directory"),
                    "\(described)")
            #expect(try peapod.run(["delete", "pod", "live"]).code == 0)
        }
    }

    @Test("Startup (exec, timed out): started stays false, then the container is killed as for liveness")
    func startupTimeout() throws {
        try withPeapod { peapod in
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: slow}
            spec:
              terminationGracePeriodSeconds: 1
              restartPolicy: Never
              containers:
              - name: app
                image: busybox
                command: [sh, -c, "trap 'exit 3' TERM; sleep 3600 & wait"]
                startupProbe:
                  exec: {command: [sh, -c, "sleep 5"]}
                  periodSeconds: 1
                  timeoutSeconds: 1
                  failureThreshold: 2
                livenessProbe:
                  exec: {command: ["false"]}
                  periodSeconds: 1
            """
            #expect(try peapod.apply(manifest).code == 0)
            let running = try peapod.waitRunning("slow")
            #expect(containerStatus(running)?["started"] as? Bool == false)
            let pod = try peapod.waitForPhase("slow", ["Failed"], timeout: 15)
            #expect(value(containerStatus(pod), "state", "terminated", "exitCode") as? Int == 3)
            let described = try peapod.run(["describe", "pod", "slow"]).stdout
            #expect(described.contains("Startup probe failed: command \"sh -c sleep 5\" timed out"), "\(described)")
            #expect(described.contains("Container app failed startup probe"), "\(described)")
            #expect(!described.contains("will be restarted"), "\(described)")
            // The liveness probe never ran: the container never started.
            #expect(!described.contains("Liveness probe failed"), "\(described)")
        }
    }

    @Test("tcpSocket and httpGet reach the pod's loopback: success, refused port, HTTP status, named port")
    func network() throws {
        try withPeapod { peapod in
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: web}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: app
                image: busybox
                command: [sh, -c, "trap 'exit 0' TERM; mkdir -p /www && echo hello > /www/index.html && httpd -f -p 8080 -h /www & wait"]
                ports: [{name: http, containerPort: 8080}]
                readinessProbe:
                  httpGet: {path: /index.html, port: http, httpHeaders: [{name: X-Probe, value: \"yes\"}]}
                  periodSeconds: 1
                livenessProbe:
                  tcpSocket: {port: 8080}
                  periodSeconds: 1
              - name: missing
                image: busybox
                command: [sh, -c, "trap 'exit 0' TERM; sleep 3600 & wait"]
                readinessProbe:
                  httpGet: {path: /nothing-here, port: 8080}
                  periodSeconds: 1
              - name: closed
                image: busybox
                command: [sh, -c, "trap 'exit 0' TERM; sleep 3600 & wait"]
                readinessProbe:
                  tcpSocket: {port: 9999}
                  periodSeconds: 1
            """
            #expect(try peapod.apply(manifest).code == 0)
            let pod = try peapod.waitFor("web") { self.containerStatus($0, "app")?["ready"] as? Bool == true }
            #expect(containerStatus(pod, "missing")?["ready"] as? Bool == false)
            #expect(containerStatus(pod, "closed")?["ready"] as? Bool == false)
            let described = try waitForEvent(peapod, "web", "Readiness probe failed: HTTP probe failed with statuscode: 404")
            _ = try waitForEvent(peapod, "web", "Readiness probe failed: dial tcp 127.0.0.1:9999: connect: connection refused")
            #expect(described.contains("http-get http://:http/index.html delay=0s timeout=1s period=1s #success=1 #failure=3"),
                    "\(described)")
            usleep(2_000_000)
            let later = try peapod.waitRunning("web")
            #expect(containerStatus(later, "app")?["restartCount"] as? Int == 0)
            #expect(containerStatus(later, "app")?["ready"] as? Bool == true)
            #expect(!(try peapod.run(["describe", "pod", "web"]).stdout.contains("failed liveness probe")))
            #expect(try peapod.run(["delete", "pod", "web"]).code == 0)
        }
    }

    @Test("httpGet follows redirects to the pod's own address: to a page that answers, one that fails, and within the timeout")
    func redirects() throws {
        try withPeapod { peapod in
            // busybox httpd in `app` serves CGI scripts from /www/cgi-bin, which answer redirects.
            let app = """
            apiVersion: v1
            kind: Pod
            metadata: {name: redirects}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: app
                image: busybox
                command:
                - sh
                - -c
                - |
                  trap 'exit 0' TERM
                  mkdir -p /www/cgi-bin && echo hello > /www/index.html
                  cgi() {
                    name=$1; shift
                    { echo '#!/bin/sh'; for line in "$@"; do echo "$line"; done; } > /www/cgi-bin/$name
                    chmod +x /www/cgi-bin/$name
                  }
                  cgi moved 'echo "Status: 302 Found"' 'echo "Location: /index.html"' echo 'echo moved'
                  cgi broken 'echo "Status: 301 Moved Permanently"' 'echo "Location: error"' echo
                  cgi error 'echo "Status: 500 Internal Server Error"' echo
                  cgi away 'echo "Status: 302 Found"' 'echo "Location: http://localhost:8080/index.html"' echo 'echo elsewhere'
                  cgi slow 'sleep 0.8' 'echo "Status: 307 Temporary Redirect"' 'echo "Location: /cgi-bin/slower"' echo
                  cgi slower 'sleep 0.8' 'echo "Content-Type: text/plain"' echo 'echo late'
                  httpd -f -p 8080 -h /www & wait
                readinessProbe:
                  httpGet: {path: /cgi-bin/moved, port: 8080}
                  periodSeconds: 1
            """
            // Containers that only sleep, each probing one page for readiness (with the default
            // timeout of 1 s).
            let probers = ["broken", "away", "slow"].map { name in
                """

                  - name: \(name)
                    image: busybox
                    command: [sh, -c, "trap 'exit 0' TERM; sleep 3600 & wait"]
                    readinessProbe:
                      httpGet: {path: /cgi-bin/\(name), port: 8080}
                      periodSeconds: 1
                """
            }
            let manifest = app + probers.joined()
            #expect(try peapod.apply(manifest).code == 0)
            let pod = try peapod.waitFor("redirects") {
                self.containerStatus($0, "app")?["ready"] as? Bool == true && self.containerStatus($0, "away")?["ready"] as? Bool == true
            }
            #expect(containerStatus(pod, "broken")?["ready"] as? Bool == false)
            #expect(containerStatus(pod, "slow")?["ready"] as? Bool == false)
            // Followed to a 500: a failure where a redirect used to be a success with a warning.
            _ = try waitForEvent(peapod, "redirects", "Readiness probe failed: HTTP probe failed with statuscode: 500")
            // The timeout covers both requests (0.8 s each), and the message names the second.
            _ = try waitForEvent(peapod, "redirects", "Readiness probe failed: Get \"http://127.0.0.1:8080/cgi-bin/slower\": "
                + "context deadline exceeded (Client.Timeout exceeded while awaiting headers)")
            // To another hostname (localhost): not followed, a success with a warning.
            let described = try waitForEvent(peapod, "redirects",
                                              "Readiness probe warning: Probe terminated redirects, Response body: elsewhere")
            #expect(!described.contains("Response body: moved"), "\(described)")
            #expect(try peapod.run(["delete", "pod", "redirects"]).code == 0)
        }
    }

    @Test("A probe that cannot run errors, and one cut off by the container's own exit does not count: no kill")
    func erroredAndCutOff() throws {
        try withPeapod { peapod in
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: cut}
            spec:
              terminationGracePeriodSeconds: 1
              restartPolicy: OnFailure
              containers:
              - name: app
                image: busybox
                command: [sh, -c, "sleep 2; exit 0"]
                livenessProbe:
                  exec: {command: [sleep, "30"]}
                  periodSeconds: 1
                  timeoutSeconds: 10
                  failureThreshold: 1
              - name: missing
                image: busybox
                command: [sh, -c, "trap 'exit 0' TERM; sleep 3600 & wait"]
                livenessProbe:
                  exec: {command: [no-such-binary]}
                  periodSeconds: 1
                  failureThreshold: 1
            """
            #expect(try peapod.apply(manifest).code == 0)
            let pod = try peapod.waitFor("cut", timeout: 15) {
                value(self.containerStatus($0, "app"), "state", "terminated", "reason") as? String == "Completed"
            }
            let described = try waitForEvent(
                peapod, "cut", "Liveness probe errored and resulted in unknown state: container missing: exec \"no-such-binary\"")
            #expect(containerStatus(pod, "app")?["restartCount"] as? Int == 0)
            let later = try peapod.waitFor("cut") { value(self.containerStatus($0, "missing"), "state", "running") != nil }
            #expect(containerStatus(later, "missing")?["restartCount"] as? Int == 0)
            #expect(value(later, "status", "phase") as? String == "Running")
            #expect(!described.contains("failed liveness probe"), "\(described)")
            #expect(!described.contains("Liveness probe failed"), "\(described)")
        }
    }

    @Test("An exec probe's output is its own run's, even when an earlier run left a process writing")
    func outputOfOneRun() throws {
        try withPeapod { peapod in
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: leftover}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: app
                image: busybox
                command: [sh, -c, "trap 'exit 0' TERM; sleep 3600 & wait"]
                readinessProbe:
                  exec: {command: [sh, -c, "echo RUN; (sleep 1.2; echo LEFTOVER) & sleep 0.2; exit 1"]}
                  periodSeconds: 1
            """
            #expect(try peapod.apply(manifest).code == 0)
            _ = try peapod.waitRunning("leftover")
            usleep(4_500_000)
            let dirs = try FileManager.default.contentsOfDirectory(atPath: peapod.root + "/pods").filter { $0.contains("_leftover_") }
            let events = try String(contentsOfFile: peapod.root + "/pods/" + dirs[0] + "/events.jsonl", encoding: .utf8)
            let failures = events.split(separator: "\n").filter { $0.contains("Readiness probe failed") }
            #expect(!failures.isEmpty, "\(events)")
            #expect(failures.allSatisfy { $0.contains("Readiness probe failed: RUN\\n") && !$0.contains("LEFTOVER") }, "\(failures)")
            #expect(try peapod.run(["delete", "pod", "leftover"]).code == 0)
        }
    }
}
