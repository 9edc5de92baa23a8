// What keeps a pod from exhausting the host's disk, as root with real pods: container log
// rotation (small sizes, so the test is quick, and the defaults reaching the supervisor), and the
// eviction of a pod whose emptyDir or container passes its local-storage limit, measured every
// 0.3 s here (--housekeeping-interval) instead of the kubelet's 10 s. The process limit's fork
// bomb is in CgroupTests.

import Foundation
import Testing
import PeapodTestSupport

@Suite("Disk limits: log rotation, ephemeral storage", .serialized,
       .requires(Environment.skipNote) { Environment.isRoot })
struct LimitsTests {
    func containerStatus(_ pod: [String: Any], _ name: String) -> [String: Any]? {
        (value(pod, "status", "containerStatuses") as? [[String: Any]])?.first { $0["name"] as? String == name }
    }

    /// `<root>/logs/<ns>_<name>_<uid>/<container>` of the pod.
    func logDir(_ peapod: Peapod, _ pod: [String: Any], _ container: String) -> String {
        let uid = value(pod, "metadata", "uid") as? String ?? ""
        return "\(peapod.root)/logs/default_\(value(pod, "metadata", "name") as? String ?? "")_\(uid)/\(container)"
    }

    func files(_ dir: String, instance: Int) -> [(name: String, size: Int)] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
            .filter { $0 == "\(instance).log" || $0.hasPrefix("\(instance).log.") }.sorted()
        return names.map { name in
            let size = ((try? FileManager.default.attributesOfItem(atPath: dir + "/" + name))?[.size] as? NSNumber)?.intValue ?? -1
            return (name, size)
        }
    }

    /// The numbers `seq` printed, from a log's text.
    func numbers(_ text: String) -> [Int] {
        text.split(separator: "\n").compactMap { Int($0) }
    }

    @Test("A chatty container's log is rotated within max-files × max-size; logs, --tail, -p and -f read across the rotation")
    func logRotation() throws {
        try withPeapod { peapod in
            // Instance 0 waits for the follower, prints 1...100000 (about 5 MB of log records) in
            // ten bursts (each some 8 rotations, fewer than a follower that polls every 100 ms
            // could miss even on a busy machine) and fails; instance 1 (a restart) stays quiet. 64 KiB × 40 files keep about
            // 2.5 MiB: the oldest lines go.
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: chatty}
            spec:
              terminationGracePeriodSeconds: 1
              volumes: [{name: state, emptyDir: {}}]
              containers:
              - name: app
                image: busybox
                command: [sh, -c, "if [ -e /state/done ]; then exec sleep 3600; fi; touch /state/done; sleep 1; for i in 0 1 2 3 4 5 6 7 8 9; do seq $((i*10000+1)) $((i*10000+10000)); sleep 0.3; done; exit 1"]
                volumeMounts: [{name: state, mountPath: /state}]
            """
            let applied = try peapod.apply(manifest, extra: ["--container-log-max-size", "64Ki", "--container-log-max-files", "40"])
            #expect(applied.code == 0, "\(applied.output)")
            let started = try peapod.waitRunning("chatty")
            let dir = logDir(peapod, started, "app")

            // The follower writes to a file: a pipe nobody reads would stop it.
            let followedPath = peapod.base + "/followed.txt"
            _ = FileManager.default.createFile(atPath: followedPath, contents: nil)
            let followed = try FileHandle(forWritingTo: URL(fileURLWithPath: followedPath))
            let follower = peapod.command(["logs", "chatty", "-f"])
            follower.standardOutput = followed
            follower.standardError = FileHandle.nullDevice
            follower.standardInput = FileHandle.nullDevice
            try follower.run()
            let restarted = try peapod.waitFor("chatty", timeout: 60) {
                (self.containerStatus($0, "app")?["restartCount"] as? Int ?? 0) >= 1
            }
            #expect(value(containerStatus(restarted, "app"), "lastState", "terminated", "exitCode") as? Int == 1)
            let deadline = Date().addingTimeInterval(20)
            while follower.isRunning && Date() < deadline { usleep(20_000) }
            if follower.isRunning { follower.terminate() }
            follower.waitUntilExit()
            try? followed.close()
            let followedText = (try? String(contentsOfFile: followedPath, encoding: .utf8)) ?? ""

            // On disk: at most 40 files of instance 0, none above 256 KiB, every one whole records.
            let instance0 = files(dir, instance: 0)
            let total = instance0.reduce(0) { $0 + $1.size }
            print("logs: instance 0 kept \(instance0.count) files, \(total) bytes (limit 40 × 64 KiB = \(40 * 64 * 1024))")
            #expect(instance0.count == 40, "\(instance0)")
            #expect(instance0.allSatisfy { $0.size > 0 && $0.size <= 64 * 1024 }, "\(instance0)")
            #expect(total <= 40 * 64 * 1024)
            #expect(instance0.contains { $0.name.range(of: #"^0\.log\.\d{8}-\d{6}(\.\d+)?$"#, options: .regularExpression) != nil })

            // -p: the previous instance, oldest rotated file first: the newest lines, in order.
            let previous = numbers(try peapod.run(["logs", "chatty", "-p"]).stdout)
            #expect(previous.last == 100_000)
            #expect(previous.count > 40_000 && previous.count < 100_000, "\(previous.count) lines kept")
            #expect(previous == Array((100_001 - previous.count)...100_000))
            let tail = numbers(try peapod.run(["logs", "chatty", "-p", "--tail", "5000"]).stdout)
            #expect(tail == Array(95_001...100_000))
            // The current instance has written nothing.
            #expect(try peapod.run(["logs", "chatty"]).stdout.isEmpty)
            // -f saw every line once, in order, across some 80 rotations.
            let seen = numbers(followedText)
            #expect(seen.count == 100_000 && seen.first == 1 && seen.last == 100_000, "followed \(seen.count) lines")
            #expect(seen == Array(1...100_000))
        }
    }

    @Test("The defaults reach the supervisor: 10Mi and 5 log files, a 10 s housekeeping interval, pids.max 4096")
    func defaults() throws {
        try withPeapod { peapod in
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: plain}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - {name: app, image: busybox, command: [sleep, "3600"]}
            """
            #expect(try peapod.apply(manifest).code == 0)
            let pod = try peapod.waitRunning("plain")
            let uid = value(pod, "metadata", "uid") as? String ?? ""
            let statusFile = "\(peapod.root)/pods/default_plain_\(uid)/status.json"
            let status = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: statusFile))) as? [String: Any]
            let pid = status?["supervisorPid"] as? Int ?? 0
            let argv = String(decoding: FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data(), as: UTF8.self)
                .split(separator: "\0").map(String.init)
            func flag(_ name: String) -> String? { argv.firstIndex(of: name).flatMap { $0 + 1 < argv.count ? argv[$0 + 1] : nil } }
            #expect(flag("--container-log-max-size") == "10485760", "\(argv)")
            #expect(flag("--container-log-max-files") == "5")
            #expect(flag("--housekeeping-interval") == "10000000000")
            // The pod's pids limit (the cgroups record says where the pids hierarchy is).
            let record = try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: "\(peapod.runRoot)/pods/\(uid)/cgroups.json"))) as? [String: Any]
            #expect(record?["pidsLimit"] as? Int == 4096)
            for h in record?["hierarchies"] as? [[String: Any]] ?? [] where (h["controllers"] as? [String] ?? []).contains("pids") {
                let parent = h["parent"] as? String ?? "/"
                let dir = (h["mountPoint"] as? String ?? "") + (parent == "/" ? "" : parent) + "/peapod-" + uid
                #expect((try? String(contentsOfFile: dir + "/pids.max", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) == "4096")
            }
        }
    }

    /// Applies `manifest`, waits for the pod to be evicted, checks the status and the event, and
    /// returns the pod.
    func expectEviction(_ peapod: Peapod, _ manifest: String, name: String, message: String) throws -> [String: Any] {
        let applied = try peapod.apply(manifest, extra: ["--housekeeping-interval", "300ms"])
        #expect(applied.code == 0, "\(applied.output)")
        let start = Date()
        let evicted = try peapod.waitFor(name, timeout: 30) { value($0, "status", "reason") as? String == "Evicted" }
        print("eviction of \(name) seen after \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
        #expect(value(evicted, "status", "phase") as? String == "Failed")
        #expect(value(evicted, "status", "message") as? String == message)
        // The containers are stopped (SIGTERM, then SIGKILL 2 s later) and stay stopped; the
        // pods' own grace periods (30 s) would take longer than this wait.
        let stopped = try peapod.waitFor(name, timeout: 10) { pod in
            ((value(pod, "status", "containerStatuses") as? [[String: Any]]) ?? []).allSatisfy { value($0, "state", "terminated") != nil }
        }
        #expect(value(stopped, "status", "phase") as? String == "Failed")
        #expect(value(stopped, "status", "reason") as? String == "Evicted")
        let described = try peapod.run(["describe", "pod", name]).stdout
        #expect(described.contains("Warning  Evicted") && described.contains(message), "\(described)")
        #expect(described.contains("Stopping container"), "\(described)")
        return stopped
    }

    @Test("An emptyDir over its sizeLimit: the pod is evicted with the kubelet's reason, message and event")
    func emptyDirEviction() throws {
        try withPeapod { peapod in
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: fill}
            spec:
              terminationGracePeriodSeconds: 30
              volumes: [{name: data, emptyDir: {sizeLimit: 10Mi}}]
              containers:
              - name: app
                image: busybox
                command: [sh, -c, "dd if=/dev/zero of=/data/blob bs=1M count=30 && exec sleep 3600"]
                volumeMounts: [{name: data, mountPath: /data}]
            """
            let pod = try expectEviction(peapod, manifest, name: "fill",
                                         message: "Usage of EmptyDir volume \"data\" exceeds the limit \"10Mi\". ")
            // Stopped within the eviction's grace, not the pod's 30 s: sleep as PID 1 ignores
            // SIGTERM, so SIGKILL came 2 s later.
            let exit = value(containerStatus(pod, "app"), "state", "terminated", "exitCode") as? Int
            #expect(exit == 137 || exit == 143, "\(exit ?? -1)")
            #expect(value(containerStatus(pod, "app"), "restartCount") as? Int == 0)
            let deleted = try peapod.run(["delete", "pod", "fill"])
            #expect(deleted.code == 0, "\(deleted.output)")
        }
    }

    @Test("A container over its ephemeral-storage limit (its writable layer): evicted with the kubelet's message")
    func containerEviction() throws {
        try withPeapod { peapod in
            // Two containers, so the pod's total limit (120Mi) is not what is passed first.
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: disk}
            spec:
              terminationGracePeriodSeconds: 30
              containers:
              - name: app
                image: busybox
                command: [sh, -c, "dd if=/dev/zero of=/blob bs=1M count=30 && exec sleep 3600"]
                resources: {limits: {ephemeral-storage: 20Mi}}
              - name: quiet
                image: busybox
                command: [sleep, "3600"]
                resources: {limits: {ephemeral-storage: 100Mi}}
            """
            _ = try expectEviction(peapod, manifest, name: "disk",
                                   message: "Container app exceeded its local ephemeral storage limit \"20Mi\". ")
            let deleted = try peapod.run(["delete", "pod", "disk"])
            #expect(deleted.code == 0, "\(deleted.output)")
        }
    }
}
