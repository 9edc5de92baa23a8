// Resource limits on the real host, as root: memory (OOMKilled), CPU quota, the pod pids limit,
// oom_score_adj, exec joining the container's cgroups, and no cgroup left after delete. The v1
// tests run where the controllers are v1 (including hybrid hosts); the v2 test runs where the
// unified hierarchy holds the controllers, and says it was not run otherwise.

import Foundation
import Testing
import PeapodTestSupport

/// What this host offers, read the same way Peapod does (the mountinfo filesystem types).
enum CgroupHost {
    static let mountinfo = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
    static let v1Mounts: [String: String] = {
        var found: [String: String] = [:]
        for line in mountinfo.split(separator: "\n") where line.contains(" - cgroup cgroup ") {
            let fields = line.split(separator: " ").map(String.init)
            for c in ["cpu", "cpuacct", "memory", "pids"] where fields.last!.split(separator: ",").contains(Substring(c)) {
                found[c] = fields[4]
            }
        }
        return found
    }()
    static let v1Usable = ["cpu", "cpuacct", "memory", "pids"].allSatisfy { v1Mounts[$0] != nil }
    static let unifiedControllers: [String] = {
        for line in mountinfo.split(separator: "\n") where line.contains(" - cgroup2 ") {
            let mount = line.split(separator: " ").map(String.init)[4]
            let text = (try? String(contentsOfFile: mount + "/cgroup.controllers", encoding: .utf8)) ?? ""
            return text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        }
        return []
    }()
    static let v2Usable = !v1Usable && ["cpu", "memory", "pids"].allSatisfy { unifiedControllers.contains($0) }
    static let layoutNote = v1Usable
        ? "NOT RUN on this host: its cgroup controllers are v1 (hybrid layout, unified hierarchy holds [\(unifiedControllers.joined(separator: " "))]); the v2 path is covered by the fake-cgroupfs unit tests only"
        : "NOT RUN on this host: cpu, memory and pids are not all in the unified hierarchy"
    static let v1Note = "NOT RUN on this host: cpu, cpuacct, memory and pids are not all v1 controllers here"

    /// Every directory named peapod-<uid> below any cgroup mount (a bounded walk).
    static func podCgroups(uids: [String]) -> [String] {
        let roots = Array(v1Mounts.values) + mountinfo.split(separator: "\n").filter { $0.contains(" - cgroup2 ") }
            .map { String($0.split(separator: " ")[4]) }
        let names = Set(uids.map { "peapod-" + $0 })
        var found: [String] = []
        for root in Set(roots) {
            var queue = [(root, 0)]
            while let (dir, depth) = queue.popLast() {
                for entry in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
                    let path = dir + "/" + entry
                    var isDir: ObjCBool = false
                    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue else { continue }
                    if names.contains(entry) { found.append(path) } else if depth < 4 { queue.append((path, depth + 1)) }
                }
            }
        }
        return found
    }
}

@Suite("Resource limits with cgroups", .serialized, .requires(Environment.skipNote) { Environment.isRoot })
struct CgroupTests {
    /// Runs `body`, deletes everything, and checks that no mount, directory, process or cgroup of
    /// the test's pods is left.
    func withPeapod(_ body: (Peapod, inout [String]) throws -> Void) throws {
        let peapod = try Peapod()
        var uids: [String] = []
        var bodyError: Error?
        do { try body(peapod, &uids) } catch { bodyError = error }
        peapod.tearDown()
        let left = peapod.leftovers() + CgroupHost.podCgroups(uids: uids).map { "cgroup: \($0)" }
        #expect(left.isEmpty, "left behind: \(left)")
        if let bodyError { throw bodyError }
    }

    /// The pod's recorded cgroup directory for `container` in the hierarchy of `controller`.
    func cgroupDir(_ peapod: Peapod, pod: [String: Any], container: String, controller: String) throws -> String {
        let uid = value(pod, "metadata", "uid") as? String ?? ""
        let file = "\(peapod.runRoot)/pods/\(uid)/cgroups.json"
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        let record = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        for h in record["hierarchies"] as? [[String: Any]] ?? [] where (h["controllers"] as? [String] ?? []).contains(controller) {
            let parent = h["parent"] as? String ?? "/"
            return (h["mountPoint"] as? String ?? "") + (parent == "/" ? "" : parent) + "/" + (record["podCgroup"] as? String ?? "") + "/" + container
        }
        throw HarnessError("no \(controller) hierarchy in \(file)")
    }

    func read(_ path: String) -> String {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("A 32Mi memory limit kills a memory hog: OOMKilled, exit 137, event OOMKilling; a SIGKILL from outside is not an OOM kill",
          .enabled(if: CgroupHost.v1Usable, Comment(rawValue: CgroupHost.v1Note)))
    func memoryLimitOOMKills() throws {
        try withPeapod { peapod, uids in
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: hog}
            spec:
              restartPolicy: Never
              containers:
              - name: hog
                image: busybox
                command: [tail, /dev/zero]
                resources: {limits: {memory: 32Mi}}
              - name: victim
                image: busybox
                command: [sleep, "3600"]
                resources: {limits: {memory: 32Mi}}
            """
            let applied = try peapod.apply(manifest)
            #expect(applied.code == 0, "\(applied.output)")
            let pod = try peapod.waitFor("hog", timeout: 30) { pod in
                let statuses = value(pod, "status", "containerStatuses") as? [[String: Any]] ?? []
                return statuses.first { $0["name"] as? String == "hog" }.map { value($0, "state", "terminated") != nil } ?? false
            }
            uids.append(value(pod, "metadata", "uid") as? String ?? "")
            let memoryDir = try cgroupDir(peapod, pod: pod, container: "hog", controller: "memory")
            #expect(read(memoryDir + "/memory.limit_in_bytes") == "33554432")
            let statuses = value(pod, "status", "containerStatuses") as? [[String: Any]] ?? []
            let hog = statuses.first { $0["name"] as? String == "hog" }
            #expect(value(hog, "state", "terminated", "reason") as? String == "OOMKilled", "\(String(describing: hog))")
            #expect(value(hog, "state", "terminated", "exitCode") as? Int == 137)
            let described = try peapod.run(["describe", "pod", "hog"])
            #expect(described.stdout.contains("OOMKilling"), "\(described.output)")
            print("OOM: container hog (limit 32Mi) terminated with reason \(value(hog, "state", "terminated", "reason") ?? "-"), exit \(value(hog, "state", "terminated", "exitCode") ?? "-")")

            // The same limit, but killed by someone else: exit 137 and reason Error, not OOMKilled.
            let statusFile = "\(peapod.root)/pods/default_hog_\(uids[0])/status.json"
            let status = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: statusFile))) as? [String: Any]
            let pid = try #require(value(status, "containerPids", "victim") as? Int)
            kill(Int32(pid), SIGKILL)
            let after = try peapod.waitFor("hog") { pod in
                let statuses = value(pod, "status", "containerStatuses") as? [[String: Any]] ?? []
                return statuses.allSatisfy { value($0, "state", "terminated") != nil }
            }
            let victim = (value(after, "status", "containerStatuses") as? [[String: Any]] ?? []).first { $0["name"] as? String == "victim" }
            #expect(value(victim, "state", "terminated", "exitCode") as? Int == 137)
            #expect(value(victim, "state", "terminated", "reason") as? String == "Error", "\(String(describing: victim))")
        }
    }

    @Test("A cpu: 200m limit holds a busy loop to about 20% of one core (cpuacct over 2 s); top shows it",
          .enabled(if: CgroupHost.v1Usable, Comment(rawValue: CgroupHost.v1Note)))
    func cpuLimitThrottles() throws {
        try withPeapod { peapod, uids in
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: spin}
            spec:
              containers:
              - name: spin
                image: busybox
                command: [sh, -c, "while :; do :; done"]
                resources: {limits: {cpu: 200m}}
            """
            #expect(try peapod.apply(manifest).code == 0)
            let pod = try peapod.waitRunning("spin")
            uids.append(value(pod, "metadata", "uid") as? String ?? "")
            #expect(value(pod, "status", "qosClass") as? String == "Burstable")
            let cpuDir = try cgroupDir(peapod, pod: pod, container: "spin", controller: "cpu")
            #expect(read(cpuDir + "/cpu.cfs_quota_us") == "20000")
            #expect(read(cpuDir + "/cpu.cfs_period_us") == "100000")
            #expect(read(cpuDir + "/cpu.shares") == "204")
            let usage = try cgroupDir(peapod, pod: pod, container: "spin", controller: "cpuacct") + "/cpuacct.usage"
            usleep(300_000)
            let t0 = Date()
            let u0 = Double(read(usage)) ?? 0
            usleep(2_000_000)
            let u1 = Double(read(usage)) ?? 0
            let cores = (u1 - u0) / 1e9 / Date().timeIntervalSince(t0)
            print(String(format: "CPU: busy loop under cpu: 200m used %.3f cores over 2 s (cpuacct.usage)", cores))
            #expect(cores > 0.10 && cores < 0.30, "measured \(cores) cores")

            let top = try peapod.run(["top", "pod", "spin", "--containers"])
            #expect(top.code == 0, "\(top.output)")
            let line = top.stdout.split(separator: "\n").last.map(String.init) ?? ""
            let milli = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst(2).first.flatMap { Int($0.dropLast()) } ?? -1
            print("top: \(line)")
            #expect(milli >= 100 && milli <= 300, "\(top.output)")
        }
    }

    @Test("A pod pids limit stops a fork bomb at the limit while the host still forks; the pod is deleted cleanly",
          .enabled(if: CgroupHost.v1Usable, Comment(rawValue: CgroupHost.v1Note)))
    func pidsLimitStopsForkBomb() throws {
        try withPeapod { peapod, uids in
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: bomb}
            spec:
              containers:
              - name: bomb
                image: busybox
                command: [sh, -c, "b() { b | b & }; b; sleep 3600"]
            """
            let applied = try peapod.apply(manifest, extra: ["--pod-pids-limit", "40"])
            #expect(applied.code == 0, "\(applied.output)")
            let pod = try peapod.waitFor("bomb") { value($0, "metadata", "uid") != nil }
            uids.append(value(pod, "metadata", "uid") as? String ?? "")
            let podDir = URL(fileURLWithPath: try cgroupDir(peapod, pod: pod, container: "bomb", controller: "pids")).deletingLastPathComponent().path
            #expect(read(podDir + "/pids.max") == "40")
            // Let it hit the wall, then look: never above the limit, and the kernel refused forks.
            var peak = 0
            for _ in 0..<20 {
                peak = max(peak, Int(read(podDir + "/pids.current")) ?? 0)
                usleep(100_000)
            }
            // Refused forks are counted where the fork failed (the container's cgroup on v1) or
            // where the limit is (the pod's cgroup on v2).
            let refused = [podDir, podDir + "/bomb"].map {
                read($0 + "/pids.events").split(separator: " ").last.flatMap { Int($0) } ?? 0
            }.max() ?? 0
            print("pids: fork bomb peaked at \(peak) processes under pids.max 40; forks refused: \(refused)")
            #expect(peak <= 40 && peak > 10)
            #expect(refused > 0)
            // The host goes on: while the bomb presses against its limit, this process still
            // forks and runs programs, quickly.
            let forkStart = Date()
            var ran = 0
            for _ in 0..<20 {
                let child = Process()
                child.executableURL = URL(fileURLWithPath: "/bin/true")
                if (try? child.run()) != nil {
                    child.waitUntilExit()
                    if child.terminationStatus == 0 { ran += 1 }
                }
            }
            let forkTime = Date().timeIntervalSince(forkStart)
            print(String(format: "pids: the host ran 20 × /bin/true in %.3f s during the bomb", forkTime))
            #expect(ran == 20 && forkTime < 5)
            let deleted = try peapod.run(["delete", "pod", "bomb", "--grace-period=1"], timeout: 60)
            #expect(deleted.code == 0, "\(deleted.output)")
        }
    }

    @Test("exec processes join the container's cgroups and QoS oom_score_adj; no cgroup is left after delete",
          .enabled(if: CgroupHost.v1Usable, Comment(rawValue: CgroupHost.v1Note)))
    func execJoinsContainerCgroup() throws {
        try withPeapod { peapod, uids in
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: be}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - {name: a, image: busybox, command: [sleep, "3600"]}
              - {name: b, image: busybox, command: [sleep, "3600"], resources: {requests: {memory: 16Mi}}}
            """
            #expect(try peapod.apply(manifest).code == 0)
            let pod = try peapod.waitRunning("be")
            let uid = value(pod, "metadata", "uid") as? String ?? ""
            uids.append(uid)
            let inside = try peapod.exec("be", container: "b", ["sh", "-c", "cat /proc/self/oom_score_adj; cat /proc/self/cgroup"])
            #expect(inside.code == 0, "\(inside.output)")
            #expect(inside.stdout.hasPrefix("999\n"), "Burstable with a small request: \(inside.output)")
            #expect(inside.stdout.contains(":memory:") && inside.stdout.contains("/peapod-\(uid)/b\n"), "\(inside.output)")
            #expect(inside.stdout.contains(":pids:/peapod-\(uid)/b\n") || !inside.stdout.contains(":pids:"), "\(inside.output)")
            // One pod cgroup per hierarchy (cpu, cpuacct, memory, pids; fewer when co-mounted).
            #expect(CgroupHost.podCgroups(uids: [uid]).count == Set(CgroupHost.v1Mounts.values).count)
            let deleted = try peapod.run(["delete", "pod", "be"])
            #expect(deleted.code == 0)
            #expect(CgroupHost.podCgroups(uids: [uid]).isEmpty)
        }
    }

    @Test("A pod whose requests exceed the machine is refused at apply, as the scheduler would")
    func requestsBeyondTheMachineAreRefused() throws {
        try withPeapod { peapod, _ in
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: huge}
            spec:
              containers:
              - {name: a, image: busybox, resources: {requests: {cpu: "4096", memory: 1Ti}}}
            """
            let result = try peapod.apply(manifest)
            #expect(result.code != 0)
            #expect(result.stderr.contains("0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory."), "\(result.output)")
            #expect(try peapod.run(["get", "pods", "-o", "name"]).stdout.isEmpty)
        }
    }

    @Test("cgroup v2: memory.max, cpu.max, cpu.weight and pids.max on the unified hierarchy",
          .enabled(if: CgroupHost.v2Usable, Comment(rawValue: CgroupHost.layoutNote)))
    func v2Limits() throws {
        try withPeapod { peapod, uids in
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: v2}
            spec:
              containers:
              - {name: a, image: busybox, command: [sleep, "3600"], resources: {limits: {cpu: 200m, memory: 32Mi}}}
            """
            let applied = try peapod.apply(manifest, extra: ["--pod-pids-limit", "50"])
            #expect(applied.code == 0, "\(applied.output)")
            let pod = try peapod.waitRunning("v2")
            uids.append(value(pod, "metadata", "uid") as? String ?? "")
            let dir = try cgroupDir(peapod, pod: pod, container: "a", controller: "memory")
            #expect(read(dir + "/memory.max") == "33554432")
            #expect(read(dir + "/cpu.max") == "20000 100000")
            #expect(read(dir + "/cpu.weight") == "8")
            #expect(read(URL(fileURLWithPath: dir).deletingLastPathComponent().path + "/pids.max") == "50")
        }
    }
}
