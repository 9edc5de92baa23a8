// Real pods, run as root: the capabilities the foundation promises, checked from inside the
// containers. Each test has its own state root and removes everything even when it fails.

import Foundation
import Testing
import PeapodTestSupport

@Suite("Pods in real namespaces", .serialized, .requires(Environment.skipNote) { Environment.isRoot })
struct PodIntegrationTests {
    @Test("The localhost demo: one container serves HTTP, the other fetches it over localhost")
    func localhostDemo() throws {
        try withPeapod { peapod in
            let result = try peapod.run(["run", "-f", Environment.packageRoot + "/examples/localhost-demo.yaml"], timeout: 60)
            #expect(result.code == 0, "\(result.output)")
            #expect(result.stdout.contains("[pod/localhost-demo/client] hello from pod localhost-demo, served over localhost"),
                    "\(result.output)")
            #expect(result.stdout.contains("phase: Succeeded"), "\(result.output)")
        }
    }

    @Test("Containers of a pod share SysV IPC and POSIX queues; the host does not see them")
    func sharedIPC() throws {
        try withPeapod { peapod in
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: ipc}
            spec:
              containers:
              - {name: a, image: busybox, command: [sleep, "3600"]}
              - {name: b, image: busybox, command: [sleep, "3600"]}
            """
            #expect(try peapod.apply(manifest).code == 0)
            _ = try peapod.waitRunning("ipc")
            let made = try peapod.exec("ipc", container: "a", ["ipcmk", "-M", "4096"])
            #expect(made.code == 0, "\(made.output)")
            let id = made.stdout.split(separator: ":").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
            #expect(!id.isEmpty)
            let seen = try peapod.exec("ipc", container: "b", ["cat", "/proc/sysvipc/shm"])
            let ids = seen.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: " ", omittingEmptySubsequences: true)[1] }
            #expect(ids.contains(Substring(id)), "segment \(id) not visible in container b: \(seen.output)")

            #expect(try peapod.exec("ipc", container: "a", ["touch", "/dev/mqueue/peapod-queue"]).code == 0)
            #expect(try peapod.exec("ipc", container: "b", ["ls", "/dev/mqueue/peapod-queue"]).code == 0)
            #expect(!FileManager.default.fileExists(atPath: "/dev/mqueue/peapod-queue"))

            let host = (try? String(contentsOfFile: "/proc/sysvipc/shm", encoding: .utf8)) ?? ""
            let hostSegments = host.split(separator: "\n").dropFirst().map { $0.split(separator: " ", omittingEmptySubsequences: true) }
            // Same id and size 4096 would mean the segment leaked into the host's IPC namespace.
            #expect(!hostSegments.contains { $0.count > 3 && $0[1] == Substring(id) && $0[3] == "4096" })
        }
    }

    @Test("An emptyDir is shared between containers; a readOnly mount refuses writes")
    func sharedEmptyDir() throws {
        try withPeapod { peapod in
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: share}
            spec:
              volumes: [{name: data, emptyDir: {}}]
              containers:
              - name: writer
                image: busybox
                command: [sh, -c, "echo written-by-writer > /data/note; exec sleep 3600"]
                volumeMounts: [{name: data, mountPath: /data}]
              - name: reader
                image: busybox
                command: [sleep, "3600"]
                volumeMounts: [{name: data, mountPath: /data, readOnly: true}]
            """
            #expect(try peapod.apply(manifest).code == 0)
            _ = try peapod.waitRunning("share")
            var read = CommandResult(code: 1, stdout: "", stderr: "")
            for _ in 0..<50 {
                read = try peapod.exec("share", container: "reader", ["cat", "/data/note"])
                if read.code == 0 { break }
                usleep(100_000)
            }
            #expect(read.stdout == "written-by-writer\n", "\(read.output)")
            let write = try peapod.exec("share", container: "reader", ["sh", "-c", "echo x > /data/other"])
            #expect(write.code != 0)
            #expect(write.stderr.contains("Read-only file system"), "\(write.output)")
        }
    }

    @Test("A container sees its own processes, its own mounts, the pod's hostname and only loopback")
    func isolation() throws {
        try withPeapod { peapod in
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: iso}
            spec:
              containers:
              - {name: main, image: busybox, command: [sleep, "3600"]}
            """
            #expect(try peapod.apply(manifest).code == 0)
            _ = try peapod.waitRunning("iso")
            let pid1 = try peapod.exec("iso", ["cat", "/proc/1/cmdline"])
            #expect(pid1.stdout.replacingOccurrences(of: "\0", with: " ") == "sleep 3600 ", "\(pid1.output)")
            let ps = try peapod.exec("iso", ["ps", "-o", "pid,comm"])
            let rows = ps.stdout.split(separator: "\n").dropFirst()
            // sleep (PID 1) and ps itself, nothing of the host.
            #expect(rows.count <= 3, "\(ps.stdout)")
            #expect(!ps.stdout.contains("peapod"))
            #expect(try peapod.exec("iso", ["hostname"]).stdout == "iso\n")
            let links = try peapod.exec("iso", ["ls", "/sys/class/net"])
            #expect(links.stdout.split(separator: "\n").map(String.init) == ["lo"], "\(links.output)")
            let mounts = try peapod.exec("iso", ["cat", "/proc/self/mounts"])
            #expect(!mounts.stdout.contains("/sys/fs/cgroup/memory"), "host mounts are visible: \(mounts.stdout)")
            #expect(mounts.stdout.contains("overlay / overlay"), "\(mounts.stdout)")
            // Masked paths: files read as empty (/dev/null over them), directories are empty.
            let keys = try peapod.exec("iso", ["sh", "-c", "wc -c < /proc/keys"])
            #expect(keys.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "\(keys.output)")
            let firmware = try peapod.exec("iso", ["ls", "-A", "/sys/firmware"])
            #expect(firmware.code == 0 && firmware.stdout.isEmpty, "\(firmware.output)")
            let sys = try peapod.exec("iso", ["sh", "-c", "echo 1 > /proc/sys/kernel/domainname"])
            #expect(sys.code != 0)
            let exitCode = try peapod.exec("iso", ["sh", "-c", "exit 7"])
            #expect(exitCode.code == 7)
        }
    }

    @Test("get pod -o json is a valid v1 Pod for the official schema")
    func jsonMatchesSchema() throws {
        guard let validator = findExecutable("kubernetes-validate") else {
            Issue.record("kubernetes-validate is not installed (pip install kubernetes-validate); tools/test.sh installs it")
            return
        }
        try withPeapod { peapod in
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: schema, labels: {app: schema}}
            spec:
              restartPolicy: OnFailure
              initContainers:
              - {name: init, image: busybox, command: ["true"]}
              containers:
              - {name: main, image: busybox, command: [sh, -c, "exit 3"]}
            """
            #expect(try peapod.apply(manifest).code == 0)
            _ = try peapod.waitFor("schema") { pod in
                let statuses = value(pod, "status", "containerStatuses") as? [[String: Any]] ?? []
                return statuses.first.map { ($0["restartCount"] as? Int ?? 0) >= 1 } ?? false
            }
            let json = try peapod.run(["get", "pod", "schema", "-o", "json"])
            let file = peapod.base + "/schema.json"
            try json.stdout.write(toFile: file, atomically: true, encoding: .utf8)
            let check = Process()
            check.executableURL = URL(fileURLWithPath: validator)
            check.arguments = ["--strict", file]
            let pipe = Pipe()
            check.standardOutput = pipe
            check.standardError = pipe
            try check.run()
            check.waitUntilExit()
            let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(check.terminationStatus == 0, "\(text)\n\(json.stdout)")
        }
    }

    @Test("100 apply/delete cycles leave no mount, namespace pin, process or directory behind")
    func applyDeleteCycles() throws {
        try withPeapod { peapod in
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: cycle}
            spec:
              terminationGracePeriodSeconds: 5
              volumes: [{name: scratch, emptyDir: {medium: Memory, sizeLimit: 1Mi}}]
              containers:
              - name: main
                image: busybox
                command: [sh, -c, "trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done"]
                volumeMounts: [{name: scratch, mountPath: /scratch}]
            """
            // Only this harness's mounts: other suites (and other users of the machine) mount
            // and unmount in parallel.
            let mountsBefore = mountCount(containing: peapod.base)
            for i in 0..<100 {
                let applied = try peapod.apply(manifest)
                try #require(applied.code == 0, "cycle \(i): \(applied.output)")
                if i % 10 == 0 { _ = try peapod.waitRunning("cycle") }
                let deleted = try peapod.run(["delete", "pod", "cycle", "--grace-period=1"])
                try #require(deleted.code == 0, "cycle \(i): \(deleted.output)")
                let left = peapod.leftovers()
                try #require(left.isEmpty, "cycle \(i) left: \(left)")
            }
            #expect(mountCount(containing: peapod.base) == mountsBefore)
        }
    }
}

func mountCount(containing text: String) -> Int {
    ((try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? "").split(separator: "\n")
        .filter { $0.contains(text) }.count
}

func findExecutable(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    for dir in path.split(separator: ":") {
        let candidate = "\(dir)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}

@Suite("Shared process namespace", .serialized, .requires(Environment.skipNote) { Environment.isRoot })
struct SharedProcessNamespaceTests {
    @Test("shareProcessNamespace: containers see each other's processes; a pause process is PID 1")
    func sharedPIDNamespace() throws {
        try withPeapod { peapod in
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: shared}
            spec:
              shareProcessNamespace: true
              terminationGracePeriodSeconds: 2
              containers:
              - {name: a, image: busybox, command: [sleep, "3600"]}
              - {name: b, image: busybox, command: [sleep, "3601"]}
            """
            #expect(try peapod.apply(manifest).code == 0)
            _ = try peapod.waitRunning("shared")
            let ps = try peapod.exec("shared", container: "a", ["ps", "-o", "pid,args"])
            #expect(ps.stdout.contains("sleep 3601"), "\(ps.output)")
            #expect(ps.stdout.contains("sleep 3600"), "\(ps.output)")
            let pid1 = try peapod.exec("shared", container: "b", ["cat", "/proc/1/cmdline"])
            #expect(!pid1.stdout.hasPrefix("sleep"), "PID 1 should be the pause process: \(pid1.output)")
            // Without the PID-1 exemption, SIGTERM ends the sleep at once: graceful delete is quick.
            let start = Date()
            #expect(try peapod.run(["delete", "pod", "shared"]).code == 0)
            #expect(Date().timeIntervalSince(start) < 2)
        }
    }
}
