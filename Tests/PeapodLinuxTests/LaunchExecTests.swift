// Root tests: execInContainer joins a running container; two containers of one pod share IPC.

import Foundation
import Testing
@testable import PeapodLinux
import PeapodTestSupport

/// Start `sleep` as a long-running container and return its pid.
private func startSleeper(_ pod: TestPod, name: String? = nil) throws -> Int32 {
    try spawnContainer(pod.launch(["sleep", "600"], name: name))
}

/// Run a command inside container process `pid`, capture its output, return (exit code, output).
private func execCapture(_ pid: Int32, _ argv: [String], uid: UInt32 = 0, workingDir: String = "/") throws -> ContainerRun {
    let pipe = TestPipe()
    defer { close(pipe.read) }
    let child: Int32
    do {
        child = try execInContainer(
            pid: pid, argv: argv, process: ProcessSpec(environment: ["PATH=/bin"], workingDir: workingDir, uid: uid, gid: uid),
            stdinFD: -1, stdoutFD: pipe.write, stderrFD: pipe.write, containerName: "app")
    } catch {
        close(pipe.write)
        throw error
    }
    close(pipe.write)
    let output = readToEnd(pipe.read)
    return ContainerRun(exitCode: WaitStatus(raw: reap(child)).shellExitCode, output: output)
}

@Suite("execInContainer (root)", .requires(Root.containersNote) { Root.canRunContainers })
struct LaunchExecTests {
    @Test func execRunsInTheContainersNamespaces() throws {
        let pod = try TestPod(hostname: "exec-pod")
        defer { pod.cleanup() }
        let sleeper = try startSleeper(pod)
        defer { killAndReap(sleeper) }
        let run = try execCapture(sleeper, ["/bin/sh", "-c", "hostname; cat /proc/1/comm; ls /sys/class/net; ls /bin/busybox"])
        #expect(run.exitCode == 0)
        #expect(run.output == "exec-pod\nsleep\nlo\n/bin/busybox\n", "\(run.output)")
    }

    @Test func exitCodeAndSignalArePassedThrough() throws {
        let pod = try TestPod()
        defer { pod.cleanup() }
        let sleeper = try startSleeper(pod)
        defer { killAndReap(sleeper) }
        #expect(try execCapture(sleeper, ["sh", "-c", "exit 7"]).exitCode == 7)
        #expect(try execCapture(sleeper, ["sh", "-c", "kill -9 $$"]).exitCode == 137)
    }

    @Test func execHonoursWorkingDirAndUser() throws {
        let pod = try TestPod()
        defer { pod.cleanup() }
        let sleeper = try startSleeper(pod)
        defer { killAndReap(sleeper) }
        #expect(try execCapture(sleeper, ["sh", "-c", "pwd; id -u"], uid: 1000, workingDir: "/tmp").output == "/tmp\n1000\n")
    }

    @Test func anExecTargetStartsCommandsAgainAndAgainUntilClosed() throws {
        let pod = try TestPod(hostname: "target-pod")
        defer { pod.cleanup() }
        let sleeper = try startSleeper(pod)
        defer { killAndReap(sleeper) }
        let target = try ExecTarget(pid: sleeper, process: ProcessSpec(environment: ["PATH=/bin"]), containerName: "app")
        for round in 0..<3 {
            let pipe = TestPipe()
            defer { close(pipe.read) }
            let child: Int32
            do {
                child = try target.exec(argv: ["sh", "-c", "hostname; cat /proc/1/comm; exit \(round)"],
                                        stdinFD: -1, stdoutFD: pipe.write, stderrFD: pipe.write)
            } catch {
                close(pipe.write)
                throw error
            }
            close(pipe.write)
            #expect(readToEnd(pipe.read) == "target-pod\nsleep\n")
            #expect(WaitStatus(raw: reap(child)).shellExitCode == Int32(round))
        }
        target.close()
        let closed = #expect(throws: LaunchError.self) {
            try target.exec(argv: ["true"], stdinFD: -1, stdoutFD: -1, stderrFD: -1)
        }
        #expect(closed?.step == .invalidLaunch)
    }

    @Test func execOfAMissingCommandOrProcessIsAClearError() throws {
        let pod = try TestPod()
        defer { pod.cleanup() }
        let sleeper = try startSleeper(pod)
        defer { killAndReap(sleeper) }
        let missing = #expect(throws: LaunchError.self) { try execCapture(sleeper, ["nope"]) }
        #expect(missing?.description == "container app: exec \"nope\": executable file not found in $PATH")
        let gone = #expect(throws: LaunchError.self) { try execCapture(99_999_999, ["true"]) }
        #expect(gone?.step == .openNamespace)
    }
}

@Suite("pod sharing (root)", .requires(Root.containersNote) { Root.canRunContainers })
struct LaunchSharingTests {
    @Test func containersOfOnePodShareIPCAndTheHostDoesNotSeeIt() throws {
        let pod = try TestPod()
        defer { pod.cleanup() }
        let queue = "peapod-q-\(getpid())"
        #expect(try pod.sh("touch /dev/mqueue/\(queue) && echo made").output == "made\n")
        #expect(try pod.sh("ls /dev/mqueue").output == "\(queue)\n")
        #expect(try pod.sh("cat /proc/sysvipc/shm | wc -l").output.trimmingCharacters(in: .whitespacesAndNewlines) == "1")

        // The host's IPC namespace: mount its mqueue filesystem in a temp dir and look.
        let hostView = try pod.fixture.hostDir("host-mqueue")
        try #require(mount("mqueue", hostView, "mqueue", 0, nil) == 0, "mount mqueue: \(errno)")
        defer { umount2(hostView, Int32(MNT_DETACH)) }
        #expect(!((try? FileManager.default.contentsOfDirectory(atPath: hostView)) ?? []).contains(queue))
    }

    @Test func sharedPIDNamespaceShowsTheOtherContainersAndThePauseProcess() throws {
        let pod = try TestPod(shareProcessNamespace: true)
        defer { pod.cleanup() }
        let pause = try #require(pod.sandbox.pausePID)
        #expect(pod.sandbox.namespaces.pid != nil)
        let sleeper = try startSleeper(pod)
        defer { killAndReap(sleeper) }
        let run = try pod.sh("cat /proc/1/comm; ps -o comm | grep -c sleep")
        #expect(run.output == "peapod-pause\n1\n", "\(run.output)")
        #expect(kill(pause, 0) == 0)
    }

    @Test func destroyingTheSandboxKillsTheSharedPIDNamespace() throws {
        let fixture = try RootfsFixture()
        defer { fixture.remove() }
        let sandbox = try PodSandbox.create(runDir: fixture.base + "/run", hostname: "share", shmSizeBytes: 1 << 20,
                                            shareProcessNamespace: true)
        defer { try? sandbox.destroy() }  // only matters when an expectation below failed
        let pause = try #require(sandbox.pausePID)
        let launch = ContainerLaunch(containerName: "app", rootfs: try fixture.layout("c"), namespaces: sandbox.namespaces,
                                     mounts: [], argv: ["sleep", "600"], environment: [], workingDir: "/",
                                     stdinFD: -1, stdoutFD: -1, stderrFD: -1)
        let sleeper = try spawnContainer(launch)
        defer { killAndReap(sleeper) }
        try sandbox.destroy()
        // SIGKILL to the namespace's init killed the container too. It is our child: reaping it
        // lets the pause process finish dying, which we then reap as well.
        #expect(WaitStatus(raw: reap(sleeper)).shellExitCode == 137)
        #expect(WaitStatus(raw: reap(pause)).shellExitCode == 137)
        #expect(MountTable.count(under: fixture.base) == 0)
        #expect(!FileManager.default.fileExists(atPath: fixture.base + "/run"))
    }
}
