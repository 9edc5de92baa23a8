// Root tests: a container and an exec command born in a cgroup v2 directory (clone3 with
// CLONE_INTO_CGROUP), the path the shim takes on cgroup v2 hosts. On a host whose controllers are
// v1 the unified hierarchy still exists (hybrid layout) and serves; a host without any cgroup2
// mount reports the test as not run.

import Foundation
import Testing
@testable import PeapodLinux
import PeapodTestSupport

/// This process's own cgroup v2 directory, or nil without a cgroup2 mount.
private let ownUnifiedCgroup: String? = {
    guard let mountinfo = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return nil }
    var mountPoint: String?
    for line in mountinfo.split(separator: "\n") {
        let halves = line.components(separatedBy: " - ")
        if halves.count == 2, halves[1].hasPrefix("cgroup2 ") {
            mountPoint = halves[0].split(separator: " ")[4].description
            break
        }
    }
    guard let mountPoint, let own = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8),
          let line = own.split(separator: "\n").first(where: { $0.hasPrefix("0::") }) else { return nil }
    let dir = mountPoint + String(line.dropFirst(3))
    return dir.hasSuffix("/") ? String(dir.dropLast()) : dir
}()

@Suite("born in a cgroup v2 directory (root)",
       .requires(Root.containersNote) { Root.canRunContainers },
       .enabled(if: ownUnifiedCgroup != nil, "NOT RUN on this host: no cgroup2 hierarchy is mounted"))
struct LaunchCgroupBirthTests {
    @Test func containerAndExecAreBornInTheirCgroup() throws {
        let dir = ownUnifiedCgroup! + "/peapod-test-\(UInt32.random(in: 0...UInt32.max))"
        #expect(mkdir(dir, 0o755) == 0, "mkdir \(dir): \(String(cString: strerror(errno)))")
        defer { rmdir(dir) }
        let relative = "0::/" + dir.split(separator: "/").last!
        let pod = try TestPod()
        defer { pod.cleanup() }

        var launch = try pod.launch(["/bin/sh", "-c", "cat /proc/self/cgroup"])
        launch.limits = ProcessLimits(unifiedDirectory: dir)
        let run = try pod.run(launch)
        #expect(run.exitCode == 0)
        #expect(run.output.split(separator: "\n").contains { $0.hasPrefix("0::/") && $0.hasSuffix(relative.dropFirst(3)) },
                "\(run.output)")

        let sleeper = try spawnContainer(pod.launch(["sleep", "600"]))
        defer { killAndReap(sleeper) }
        let pipe = TestPipe()
        defer { close(pipe.read) }
        let child: Int32
        do {
            child = try execInContainer(pid: sleeper, argv: ["cat", "/proc/self/cgroup"],
                                        process: ProcessSpec(environment: ["PATH=/bin"], limits: ProcessLimits(unifiedDirectory: dir)),
                                        stdinFD: -1, stdoutFD: pipe.write, stderrFD: pipe.write, containerName: "app")
        } catch {
            close(pipe.write)
            throw error
        }
        close(pipe.write)
        let output = readToEnd(pipe.read)
        #expect(WaitStatus(raw: reap(child)).shellExitCode == 0)
        #expect(output.split(separator: "\n").contains { $0.hasPrefix("0::/") && $0.hasSuffix(relative.dropFirst(3)) },
                "\(output)")
    }
}
