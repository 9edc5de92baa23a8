// The pod lifecycle with real pods, as root: restart back-off, phases, init containers, sidecars,
// hooks, graceful termination, termination messages and the active deadline. Back-off runs with
// the fast flags of `Peapod.apply` (base 0.2 s, cap 1 s) so each test takes a few seconds.

import Foundation
import Testing
import PeapodTestSupport

@Suite("Pod lifecycle", .serialized, .requires(Environment.skipNote) { Environment.isRoot })
struct LifecycleTests {
    func containerStatus(_ pod: [String: Any], _ name: String, key: String = "containerStatuses") -> [String: Any]? {
        (value(pod, "status", key) as? [[String: Any]])?.first { $0["name"] as? String == name }
    }

    /// A private host directory for hostPath volumes, removed with the harness.
    func hostDir(_ peapod: Peapod) throws -> String {
        let dir = peapod.base + "/host-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("OnFailure + exit 1: CrashLoopBackOff, BackOff events, restart delays that double up to the cap")
    func crashLoop() throws {
        try withPeapod { peapod in
            let dir = try hostDir(peapod)
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: crash}
            spec:
              restartPolicy: OnFailure
              volumes: [{name: host, hostPath: {path: \(dir)}}]
              containers:
              - name: app
                image: busybox
                command: [sh, -c, "cut -d' ' -f1 /proc/uptime >> /host/starts; exit 1"]
                volumeMounts: [{name: host, mountPath: /host}]
            """
            #expect(try peapod.apply(manifest).code == 0)
            let waiting = try peapod.waitFor("crash") { pod in
                (value(self.containerStatus(pod, "app"), "state", "waiting", "reason") as? String) == "CrashLoopBackOff"
            }
            let message = value(containerStatus(waiting, "app"), "state", "waiting", "message") as? String ?? ""
            #expect(message.hasPrefix("back-off ") && message.contains("restarting failed container=app pod=crash_default("),
                    "\(message)")
            #expect(value(containerStatus(waiting, "app"), "lastState", "terminated", "exitCode") as? Int == 1)
            #expect(value(waiting, "status", "phase") as? String == "Running")
            let table = try peapod.run(["get", "pods", "crash"]).stdout
            #expect(table.contains("CrashLoopBackOff") || table.contains("Error"), "\(table)")

            // Six starts: immediate, then 0.2, 0.4, 0.8, 1 (cap), 1 s apart (plus the run time).
            let deadline = Date().addingTimeInterval(15)
            var starts: [Double] = []
            while Date() < deadline {
                starts = ((try? String(contentsOfFile: dir + "/starts", encoding: .utf8)) ?? "")
                    .split(separator: "\n").compactMap { Double($0) }
                if starts.count >= 6 { break }
                usleep(100_000)
            }
            #expect(starts.count >= 6, "\(starts)")
            guard starts.count >= 6 else { return }
            let gaps = zip(starts.dropFirst(), starts).map { $0 - $1 }
            let expected = [0.0, 0.2, 0.4, 0.8, 1.0]
            for (gap, want) in zip(gaps, expected) {
                #expect(gap >= want - 0.02 && gap <= want + 0.3, "gaps \(gaps) against \(expected)")
            }
            let pod = try peapod.waitFor("crash") { ((self.containerStatus($0, "app")?["restartCount"] as? Int) ?? 0) >= 5 }
            #expect((containerStatus(pod, "app")?["restartCount"] as? Int ?? 0) >= 5)
            let described = try peapod.run(["describe", "pod", "crash"]).stdout
            #expect(described.contains("Back-off restarting failed container app in pod crash_default("), "\(described)")
            #expect(described.contains("CrashLoopBackOff") || described.contains("Terminated"), "\(described)")
            #expect(described.range(of: #"\(x\d+ over \d+s\)"#, options: .regularExpression) != nil, "\(described)")
        }
    }

    @Test("Never: exit 0 is Succeeded, exit 1 is Failed; wait reports both, and times out on Ready")
    func neverPhases() throws {
        try withPeapod { peapod in
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: ok}
            spec:
              restartPolicy: Never
              containers: [{name: app, image: busybox, command: [sh, -c, "exit 0"]}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: bad}
            spec:
              restartPolicy: Never
              containers: [{name: app, image: busybox, command: [sh, -c, "exit 3"]}]
            """
            #expect(try peapod.apply(manifest).code == 0)
            let waited = try peapod.run(["wait", "pod/ok", "--for=jsonpath={.status.phase}=Succeeded", "--timeout", "20s"])
            #expect(waited.code == 0 && waited.stdout == "pod/ok condition met\n", "\(waited.output)")
            let bad = try peapod.waitForPhase("bad", ["Failed", "Succeeded"])
            #expect(value(bad, "status", "phase") as? String == "Failed")
            #expect(value(containerStatus(bad, "app"), "state", "terminated", "exitCode") as? Int == 3)
            #expect(value(containerStatus(bad, "app"), "state", "terminated", "reason") as? String == "Error")
            let ok = try peapod.waitForPhase("ok", ["Succeeded"])
            #expect(value(containerStatus(ok, "app"), "state", "terminated", "reason") as? String == "Completed")
            let table = try peapod.run(["get", "pods"]).stdout
            #expect(table.contains(" Completed ") && table.contains(" Error "), "\(table)")
            let timedOut = try peapod.run(["wait", "pod/bad", "--for=condition=Ready", "--timeout", "1s"])
            #expect(timedOut.code != 0)
            #expect(timedOut.stderr == "error: timed out waiting for the condition on pods/bad\n", "\(timedOut.output)")
            let deleted = try peapod.run(["delete", "pod", "bad", "--wait=false"])
            #expect(deleted.code == 0)
            let gone = try peapod.run(["wait", "pod/bad", "--for=delete", "--timeout", "20s"])
            #expect(gone.code == 0, "\(gone.output)")
        }
    }

    @Test("Init containers run in order; a failing one blocks the app containers and fails the pod under Never")
    func initContainers() throws {
        try withPeapod { peapod in
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: ordered}
            spec:
              restartPolicy: Never
              volumes: [{name: work, emptyDir: {}}]
              initContainers:
              - {name: first, image: busybox, command: [sh, -c, "sleep 0.3; echo first >> /work/order"], volumeMounts: [{name: work, mountPath: /work}]}
              - {name: second, image: busybox, command: [sh, -c, "echo second >> /work/order"], volumeMounts: [{name: work, mountPath: /work}]}
              containers:
              - {name: app, image: busybox, command: [sh, -c, "echo app >> /work/order; cat /work/order"], volumeMounts: [{name: work, mountPath: /work}]}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: blocked}
            spec:
              restartPolicy: Never
              initContainers:
              - {name: broken, image: busybox, command: [sh, -c, "exit 7"]}
              containers:
              - {name: app, image: busybox, command: [sh, -c, "echo should not run"]}
            """
            #expect(try peapod.apply(manifest).code == 0)
            let ordered = try peapod.waitForPhase("ordered", ["Succeeded", "Failed"])
            #expect(value(ordered, "status", "phase") as? String == "Succeeded")
            let logs = try peapod.run(["logs", "ordered", "-c", "app"])
            #expect(logs.stdout == "first\nsecond\napp\n", "\(logs.output)")
            #expect(value(containerStatus(ordered, "first", key: "initContainerStatuses"), "ready") as? Bool == true)

            let blocked = try peapod.waitForPhase("blocked", ["Failed", "Succeeded"])
            #expect(value(blocked, "status", "phase") as? String == "Failed")
            #expect(value(containerStatus(blocked, "app"), "state", "waiting", "reason") as? String == "PodInitializing")
            let initialized = (value(blocked, "status", "conditions") as? [[String: Any]])?.first { $0["type"] as? String == "Initialized" }
            #expect(initialized?["message"] as? String == "containers with incomplete status: [broken]")
            let table = try peapod.run(["get", "pods", "blocked"]).stdout
            #expect(table.contains("Init:Error"), "\(table)")
        }
    }

    @Test("A sidecar starts before the app, keeps running beside it, and the pod still completes")
    func sidecarCompletes() throws {
        try withPeapod { peapod in
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: side}
            spec:
              restartPolicy: Never
              terminationGracePeriodSeconds: 5
              initContainers:
              - name: proxy
                image: busybox
                restartPolicy: Always
                command: [sh, -c, "trap 'exit 0' TERM; while true; do sleep 0.1; done"]
              containers:
              - {name: app, image: busybox, command: [sh, -c, "sleep 1"]}
            """
            #expect(try peapod.apply(manifest).code == 0)
            let running = try peapod.waitRunning("side")
            let proxy = containerStatus(running, "proxy", key: "initContainerStatuses")
            #expect(value(proxy, "state", "running") != nil)
            #expect(proxy?["started"] as? Bool == true)
            #expect(try peapod.run(["get", "pods", "side"]).stdout.contains("2/2"))
            let done = try peapod.waitForPhase("side", ["Succeeded", "Failed"], timeout: 15)
            #expect(value(done, "status", "phase") as? String == "Succeeded")
            #expect(value(containerStatus(done, "proxy", key: "initContainerStatuses"), "state", "terminated") != nil)
        }
    }

    @Test("Deletion: preStop runs before SIGTERM; a process that ignores SIGTERM is killed at the end of the grace period")
    func gracefulDeletion() throws {
        try withPeapod { peapod in
            let dir = try hostDir(peapod)
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: graceful}
            spec:
              terminationGracePeriodSeconds: 3
              volumes: [{name: host, hostPath: {path: \(dir)}}]
              containers:
              - name: polite
                image: busybox
                command: [sh, -c, "trap 'echo sigterm >> /host/marker; exit 0' TERM; while true; do sleep 0.1; done"]
                volumeMounts: [{name: host, mountPath: /host}]
                lifecycle:
                  preStop:
                    exec: {command: [sh, -c, "echo prestop >> /host/marker; sleep 0.5"]}
              - name: stubborn
                image: busybox
                command: [sh, -c, "trap '' TERM; while true; do sleep 0.1; done"]
            """
            #expect(try peapod.apply(manifest).code == 0)
            _ = try peapod.waitRunning("graceful")
            let start = Date()
            #expect(try peapod.run(["delete", "pod", "graceful", "--wait=false"]).code == 0)
            let terminating = try peapod.waitFor("graceful") { value($0, "metadata", "deletionTimestamp") != nil }
            #expect(value(terminating, "metadata", "deletionGracePeriodSeconds") as? Int == 3)
            #expect(try peapod.run(["get", "pods", "graceful"]).stdout.contains("Terminating"))
            // Events while it terminates.
            var described = ""
            while Date().timeIntervalSince(start) < 10 {
                let r = try peapod.run(["describe", "pod", "graceful"])
                if r.code != 0 { break }
                described = r.stdout
                if described.contains("Stopping container stubborn") { break }
                usleep(100_000)
            }
            // (ExceededGracePeriod comes with the SIGKILL, just before the pod is removed.)
            #expect(described.contains("Killing") && described.contains("Stopping container stubborn"), "\(described)")
            let gone = try peapod.run(["wait", "pod/graceful", "--for=delete", "--timeout", "20s"])
            #expect(gone.code == 0)
            let elapsed = Date().timeIntervalSince(start)
            #expect(elapsed >= 2.9 && elapsed < 4.5, "the SIGTERM-ignoring container was killed after \(elapsed)s; grace is 3s")
            let marker = (try? String(contentsOfFile: dir + "/marker", encoding: .utf8)) ?? ""
            #expect(marker == "prestop\nsigterm\n", "\(marker)")
        }
    }

    @Test("Termination messages: the file, FallbackToLogsOnError; postStart hooks; activeDeadlineSeconds")
    func messagesHooksDeadline() throws {
        try withPeapod { peapod in
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: msg}
            spec:
              restartPolicy: Never
              containers:
              - name: file
                image: busybox
                command: [sh, -c, "while [ ! -f /tmp/hooked ]; do sleep 0.05; done; printf 'all done' > /dev/termination-log"]
                lifecycle:
                  postStart:
                    exec: {command: [sh, -c, "touch /tmp/hooked"]}
              - name: logs
                image: busybox
                terminationMessagePolicy: FallbackToLogsOnError
                command: [sh, -c, "echo line one; echo oops; exit 2"]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: hookfail}
            spec:
              restartPolicy: Never
              terminationGracePeriodSeconds: 2
              containers:
              - name: app
                image: busybox
                # The hook fails only once the trap is in place, so the SIGTERM that follows
                # the failure always ends the container with exit 0 (PID 1 of a PID namespace
                # ignores SIGTERM until it has a handler).
                command: [sh, -c, "trap 'exit 0' TERM; touch /tmp/trapped; while true; do sleep 0.1; done"]
                lifecycle:
                  postStart:
                    exec: {command: [sh, -c, "until [ -e /tmp/trapped ]; do sleep 0.05; done; echo no way; exit 1"]}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: deadline}
            spec:
              activeDeadlineSeconds: 1
              terminationGracePeriodSeconds: 2
              containers:
              - {name: app, image: busybox, command: [sh, -c, "trap 'exit 0' TERM; while true; do sleep 0.1; done"]}
            """
            #expect(try peapod.apply(manifest).code == 0)
            let msg = try peapod.waitForPhase("msg", ["Failed", "Succeeded"])
            #expect(value(containerStatus(msg, "file"), "state", "terminated", "message") as? String == "all done")
            #expect(value(containerStatus(msg, "logs"), "state", "terminated", "message") as? String == "line one\noops\n")

            let hookfail = try peapod.waitForPhase("hookfail", ["Failed", "Succeeded"])
            #expect(value(hookfail, "status", "phase") as? String == "Succeeded", "SIGTERM ends the trap with exit 0")
            let events = try peapod.run(["describe", "pod", "hookfail"]).stdout
            #expect(events.contains("FailedPostStartHook"), "\(events)")
            #expect(events.contains("Exec lifecycle hook ([sh -c until [ -e /tmp/trapped ]; do sleep 0.05; done; echo no way; exit 1]) for Container \"app\" in Pod \"hookfail_default("),
                    "\(events)")
            #expect(events.contains("message: \"no way\\n\""), "\(events)")

            let deadline = try peapod.waitForPhase("deadline", ["Failed"], timeout: 15)
            #expect(value(deadline, "status", "reason") as? String == "DeadlineExceeded")
            #expect(value(deadline, "status", "message") as? String == "Pod was active on the node longer than the specified deadline")
            _ = try peapod.waitFor("deadline") { value(self.containerStatus($0, "app"), "state", "terminated") != nil }
            #expect(try peapod.run(["describe", "pod", "deadline"]).stdout.contains("DeadlineExceeded"))
        }
    }
}
