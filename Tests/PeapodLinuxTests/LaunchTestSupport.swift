// Helpers for the root tests of the shim: a pod (fixture + sandbox) and running a container to
// completion with its output captured through a pipe.

import Foundation
import Testing
@testable import PeapodLinux

enum Root {
    static var isRoot: Bool { getuid() == 0 }
    static var canRunContainers: Bool { isRoot && RootfsFixture.busyboxAvailable }
    static let containersNote = "needs root and /bin/busybox (Debian's busybox-static)"
}

/// A pipe whose ends are close-on-exec in this process (the shim dup2s what the child needs).
struct TestPipe {
    var read: Int32
    var write: Int32

    init() {
        var fds: [Int32] = [-1, -1]
        // pipe2 is not exported to Swift; the window before FD_CLOEXEC is harmless here because
        // the shim marks every inherited fd above 2 close-on-exec in its children.
        precondition(pipe(&fds) == 0, "pipe: \(errno)")
        read = fds[0]
        write = fds[1]
        _ = fcntl(read, F_SETFD, FD_CLOEXEC)
        _ = fcntl(write, F_SETFD, FD_CLOEXEC)
    }

    func closeBoth() {
        if read >= 0 { close(read) }
        if write >= 0 { close(write) }
    }
}

func readToEnd(_ fd: Int32) -> String {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        bytes.append(contentsOf: chunk[0..<n])
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// waitpid, retrying on EINTR; returns the raw status.
@discardableResult
func reap(_ pid: Int32) -> Int32 {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 {
        if errno != EINTR { return -1 }
    }
    return status
}

func killAndReap(_ pid: Int32) {
    guard pid > 0 else { return }
    kill(pid, SIGKILL)
    reap(pid)
}

struct ContainerRun {
    var exitCode: Int32
    var output: String
}

/// One pod for a test: a busybox image, a sandbox and a run dir, all removed by `cleanup()`.
final class TestPod {
    let fixture: RootfsFixture
    let sandbox: PodSandbox
    let hostname: String
    private var counter = 0

    init(hostname: String = "pod-\(UInt16.random(in: 0...UInt16.max))", shareProcessNamespace: Bool = false) throws {
        fixture = try RootfsFixture()
        self.hostname = hostname
        do {
            sandbox = try PodSandbox.create(runDir: fixture.base + "/run", hostname: hostname,
                                            shmSizeBytes: 16 << 20,
                                            shareProcessNamespace: shareProcessNamespace)
        } catch {
            fixture.remove()
            throw error
        }
    }

    func cleanup() {
        do {
            try sandbox.destroy()
        } catch {
            Issue.record("sandbox destroy failed: \(error)")
        }
        fixture.remove()
    }

    /// A launch of `argv` in this pod with stdio to /dev/null; tests fill in the rest.
    func launch(_ argv: [String], name: String? = nil, mounts: [MountSpec] = [],
                environment: [String] = ["PATH=/bin"], workingDir: String = "/",
                readOnlyRoot: Bool = false) throws -> ContainerLaunch {
        counter += 1
        let id = name ?? "c\(counter)"
        return ContainerLaunch(
            containerName: "app", rootfs: try fixture.layout(id, readOnly: readOnlyRoot),
            namespaces: sandbox.namespaces, mounts: mounts, argv: argv, environment: environment,
            workingDir: workingDir, stdinFD: -1, stdoutFD: -1, stderrFD: -1)
    }

    /// Start the container with stdout and stderr on a pipe, read until it closes, reap it.
    func run(_ launch: ContainerLaunch) throws -> ContainerRun {
        var launch = launch
        let pipe = TestPipe()
        defer { close(pipe.read) }
        launch.stdoutFD = pipe.write
        launch.stderrFD = pipe.write
        let pid: Int32
        do {
            pid = try spawnContainer(launch)
        } catch {
            close(pipe.write)
            throw error
        }
        close(pipe.write)
        let output = readToEnd(pipe.read)
        let status = reap(pid)
        return ContainerRun(exitCode: WaitStatus(raw: status).shellExitCode, output: output)
    }

    func run(_ argv: [String], mounts: [MountSpec] = [], environment: [String] = ["PATH=/bin"],
             workingDir: String = "/") throws -> ContainerRun {
        try run(launch(argv, mounts: mounts, environment: environment, workingDir: workingDir))
    }

    func sh(_ script: String, mounts: [MountSpec] = []) throws -> ContainerRun {
        try run(["/bin/sh", "-c", script], mounts: mounts)
    }
}
