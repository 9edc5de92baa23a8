// Root tests: real containers started by spawnContainer, asserting from their output.

import Foundation
import Testing
@testable import PeapodLinux

@Suite("spawnContainer (root)", .enabled(if: Root.canRunContainers, "needs root and /bin/busybox; skipped"))
struct LaunchContainerTests {
    @Test func commandIsPID1AndSeesOnlyItsOwnProcesses() throws {
        let pod = try TestPod()
        defer { pod.cleanup() }
        let run = try pod.sh("echo $$; ps -o pid,comm")
        let lines = run.output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(run.exitCode == 0)
        #expect(lines.first == "1")
        // Only the shell (PID 1) and ps itself: nothing of the host.
        let processes = lines.dropFirst(2).map { $0.split(separator: " ").map(String.init) }
        #expect(processes.map { $0.first } == ["1", "2"], "\(run.output)")
        #expect(processes.map { $0.last } == ["sh", "ps"], "\(run.output)")
    }

    @Test func hostnameIsTheSandboxHostname() throws {
        let pod = try TestPod(hostname: "web-0")
        defer { pod.cleanup() }
        let run = try pod.run(["hostname"])
        #expect(run.output == "web-0\n")
    }
}
